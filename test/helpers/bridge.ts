/**
 * A sidecar broker with bridges, in-process: the bridge section of a mosquitto.conf text is
 * read by the real parser, the broker listens on a free loopback port, and the bridges start
 * as the CLI starts them. Also a mosquitto bridging into the sidecar.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BridgeManager } from '../../broker-sidecar/bridge/bridge-manager';
import { createBroker, type Broker } from '../../broker-sidecar/broker';
import { limitOptions } from '../../broker-sidecar/config/broker-setup';
import { parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import type { BrokerBridgeInfo } from '../../shared/broker-control';
import type { LogEntry } from '../../broker-sidecar/logger';
import type { Persistence } from '../../broker-sidecar/persistence/store';
import { afterEach } from 'vitest';
import { startMosquitto, type Mosquitto } from './mosquitto';
import { until } from './wait';

/** A running sidecar with bridges. */
export interface BridgedSidecar {
  broker: Broker;
  port: number;
  bridges: BridgeManager;
  /** Every log line so far. */
  logs: LogEntry[];
  bridge(name: string): BrokerBridgeInfo;
  /** Resolves once the named bridge is in `state`. */
  waitFor(name: string, state: BrokerBridgeInfo['state'], ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a sidecar whose configuration is `lines` (bridge options and the limits it reads). */
export async function startBridgedSidecar(lines: string[], persistence?: Persistence): Promise<BridgedSidecar> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bridge-'));
  const file = path.join(dir, 'mosquitto.conf');
  writeFileSync(file, lines.join('\n'));
  const config = parseMosquittoConf(lines.join('\n'), file);
  const logs: LogEntry[] = [];
  const broker = createBroker({ ...limitOptions(config.limits), logger: (e) => logs.push(e), persistence });
  const port = await broker.listen({ port: 0, host: '127.0.0.1' });
  const bridges = new BridgeManager(broker, config.bridges);
  await bridges.start();
  const bridge = (name: string): BrokerBridgeInfo => bridges.list().find((b) => b.name === name)!;
  return {
    broker,
    port,
    bridges,
    logs,
    bridge,
    waitFor: (name, state, ms = 10_000) => until(() => bridge(name).state === state, ms, `bridge ${name} ${state}`),
    stop: async () => {
      await bridges.close();
      await broker.close();
    },
  };
}

/** What a bridge test file starts; everything is stopped (in reverse order) after each test. */
export interface BridgeTestRuns {
  /** Debian's mosquitto with `extra` lines (see startMosquitto). */
  mosquitto(extra?: string[]): Promise<Mosquitto>;
  /** A sidecar with bridges (see startBridgedSidecar). */
  sidecar(lines: string[], persistence?: Persistence): Promise<BridgedSidecar>;
  /** Anything else to stop after the test. */
  track(stop: () => Promise<void>): void;
}

/** Registers the hooks that stop everything a test started; call once per test file. */
export function bridgeTestRuns(): BridgeTestRuns {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return {
    mosquitto: async (extra = []) => {
      const m = await startMosquitto(extra);
      stops.push(() => m.stop());
      return m;
    },
    sidecar: async (lines, persistence) => {
      const s = await startBridgedSidecar(lines, persistence);
      stops.push(() => s.stop());
      return s;
    },
    track: (stop) => void stops.push(stop),
  };
}
