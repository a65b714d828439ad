/**
 * `mqtt-desk rr`: mosquitto_rr 2.0.11 — subscribe to the response topic, publish the
 * request with it as the Response Topic, print the first response as mosquitto_sub would
 * and leave (mosquitto_rr closes the socket without a DISCONNECT; so does this).
 */

import type { MosquittoConfig } from '../../shared/mosquitto/config';
import { propertiesFor } from '../../shared/mosquitto/config';
import { parseFormat } from '../../shared/mosquitto/output-format';
import { toMqttJsProperties } from '../../shared/mosquitto/properties';
import { reasonString } from '../../shared/mosquitto/strings';
import type { CliIo } from './cli-io';
import type { ConnectPlan } from './connect-plan';
import { isTlsError, loopEnd } from './loop-end';
import { MOSQ_ERR } from '../../shared/mosquitto/strings';
import { Session } from './session';
import { printMessage, wallClock } from './sub-output';

/** Sends the request and prints the response; resolves to the exit code. */
export function runRr(config: MosquittoConfig, plan: ConnectPlan, payload: Uint8Array, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const err = (text: string) => {
      if (!config.quiet) io.stderr(text);
    };
    const v5 = plan.options.protocolVersion === 5;
    let connackResult = 0;
    let timedOut = false;
    let answered = false;
    const session = new Session(
      plan.target,
      plan.options,
      {
        connectError: (text) => {
          err(`${text}\n`);
          finish(1);
        },
        connack: (code) => {
          connackResult = code;
          if (code === 0) {
            const properties = v5 ? toMqttJsProperties(propertiesFor(config, 'subscribe')) : undefined;
            session.client.subscribe(config.responseTopic!, { qos: config.qos, ...(properties ? { properties } : {}) } as never);
            return;
          }
          err(code === 132 ? `Connection error: ${reasonString(code)}. mosquitto_rr only supports connecting to an MQTT v5 broker\n` : `Connection error: ${reasonString(code)}\n`);
          session.end();
        },
        suback: (_mid, granted) => {
          if (granted[0]! >= 128) {
            err(`${reasonString(granted[0]!)}\n`);
            session.end();
            return;
          }
          const properties = v5 ? { ...(toMqttJsProperties(propertiesFor(config, 'publish')) ?? {}), responseTopic: config.responseTopic } : undefined;
          void session.publish(config.topic!, payload, config.qos, config.retain, properties as never);
        },
        message: (message) => {
          if (answered) return;
          answered = true;
          const print = { ...(config.format !== undefined ? { format: parseFormat(config.format) } : {}), verbose: config.verbose, eol: config.eol, pretty: config.pretty, quiet: config.quiet };
          const { stdout, stderr } = printMessage(message, print, wallClock());
          if (stdout.length) io.stdout(stdout);
          if (stderr) io.stderr(stderr);
          // mosquitto_rr leaves its loop and closes the socket without a DISCONNECT.
          session.end(0, true);
          finish(connackResult);
        },
        close: (requested, error) => {
          if (timedOut) {
            err('Timed out\n');
            return finish(MOSQ_ERR.TIMEOUT);
          }
          if (!requested) {
            const end = loopEnd(isTlsError(error) ? MOSQ_ERR.TLS : MOSQ_ERR.CONN_LOST);
            err(end.text!);
            return finish(connackResult || end.rc);
          }
          finish(connackResult);
        },
      },
      config.debug ? (line) => io.stdout(`${line}\n`) : undefined,
    );
    const timer = config.timeout
      ? setTimeout(() => {
          timedOut = true;
          session.end(4);
        }, config.timeout * 1000)
      : undefined;
    let finished = false;
    function finish(code: number): void {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      session.end(0, true);
      resolve(code);
    }
    session.start();
  });
}
