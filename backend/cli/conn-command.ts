/**
 * `mqtt-desk conn [--profile NAME] [connection flags]`: checks that a profile (or the same
 * connection flags as pub and sub) connects: prints the CONNACK, its reason and every MQTT 5
 * property the broker sent, then disconnects. Exit codes as mosquitto_pub's.
 */

import type { IConnackPacket } from 'mqtt';
import { parseMosquittoArgs } from '../../shared/mosquitto/args';
import { connackString, reasonString } from '../../shared/mosquitto/strings';
import type { CliIo } from './cli-io';
import type { MosquittoConfig } from '../../shared/mosquitto/config';
import { PlanError, planFromFlags, planFromProfile, type ConnectPlan } from './connect-plan';
import { findProfile, noProfile } from './mosquitto-tools';
import { Session } from './session';

/** `mqtt-desk conn --help`. */
export const CONN_USAGE = `mqtt-desk conn: connect, print the CONNACK and its properties, disconnect.

Usage: mqtt-desk conn [--profile NAME] [-h host] [-p port] [-V 5] [other connection flags of pub]
Exit code 0 when the broker accepts the connection; otherwise as mosquitto_pub's.
`;

/**
 * The connection of a command with connection flags (conn, bench): the saved profile named
 * by --profile with the flags on top, or the flags alone. Undefined (the reason printed)
 * when it cannot be made.
 */
export async function commandPlan(config: MosquittoConfig, io: CliIo): Promise<ConnectPlan | undefined> {
  try {
    let profile;
    if (config.desk.profile !== undefined) {
      profile = await findProfile(config.desk.profile, io.env);
      if (!profile) throw new Error(noProfile(config.desk.profile));
    }
    return profile ? await planFromProfile(config, profile) : await planFromFlags(config);
  } catch (error) {
    io.stderr(error instanceof PlanError ? error.message : `Error: ${(error as Error).message}\n`);
    return undefined;
  }
}

const VERSIONS: Record<number, string> = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5.0' };

/** Runs conn; resolves to the exit code. */
export async function runConn(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout(CONN_USAGE);
    return 0;
  }
  const parsed = parseMosquittoArgs('pub', argv, { optionsFile: [], program: 'mqtt-desk conn' });
  if (parsed.kind !== 'ok') {
    io.stderr(parsed.kind === 'error' ? parsed.stderr : CONN_USAGE);
    return 1;
  }
  const config = parsed.config;
  const plan = await commandPlan(config, io);
  if (!plan) return 1;
  const version = plan.options.protocolVersion ?? 4;
  const where = plan.target.kind === 'unix' ? plan.target.socketPath : `${plan.target.kind}://${plan.target.host}:${plan.target.port}`;
  return new Promise((resolve) => {
    let connack: IConnackPacket | undefined;
    let code = 0;
    const session = new Session(
      plan.target,
      plan.options,
      {
        connectError: (text) => {
          io.stderr(`${text}\n`);
          resolve(1);
        },
        connack: (rc) => {
          code = rc;
          const reason = version === 5 ? reasonString(rc) : connackString(rc);
          io.stdout(`CONNACK from ${where} (${VERSIONS[version] ?? version}): ${reason} (${rc}), session present: ${connack?.sessionPresent ? 'yes' : 'no'}\n`);
          for (const [name, value] of Object.entries(connack?.properties ?? {})) io.stdout(`  ${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
          session.end();
        },
        message: () => undefined,
        close: () => resolve(code),
      },
      config.debug ? (line) => io.stdout(`${line}\n`) : undefined,
    );
    // Ahead of the session's own listener, which reports the CONNACK.
    session.client.prependListener('packetreceive', (packet) => {
      if (packet.cmd === 'connack') connack = packet;
    });
    session.start();
  });
}
