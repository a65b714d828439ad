/**
 * Test helpers for the broker run from a mosquitto.conf: start it in-process from config
 * text (the same path the CLI takes: parse, brokerSetup, listenOn), and run Debian's
 * mosquitto_pub / mosquitto_sub against it with bounded timeouts.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBroker, type Broker } from '../../broker-sidecar/broker';
import { brokerSetup } from '../../broker-sidecar/config/broker-setup';
import { parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import type { LogEntry } from '../../broker-sidecar/logger';

/** A broker started from configuration text. */
export interface ConfiguredBroker {
  broker: Broker;
  /** Bound ports, in the order of the file's listeners. */
  ports: number[];
  /** Log lines so far. */
  log: LogEntry[];
  stop(): Promise<void>;
}

/** A temp dir for one test file's configuration, password and ACL files. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Parses `lines` as mosquitto.conf (paths relative to `dir`) and starts every listener. */
export async function startConfigured(dir: string, lines: string[]): Promise<ConfiguredBroker> {
  const file = writeIn(dir, `mosquitto-${Date.now()}-${Math.random().toString(36).slice(2)}.conf`, `${lines.join('\n')}\n`);
  const log: LogEntry[] = [];
  const logger = (entry: LogEntry): void => void log.push(entry);
  const setup = await brokerSetup(parseMosquittoConf(`${lines.join('\n')}\n`, file), logger);
  const broker = createBroker({ ...setup.options, logger });
  const ports: number[] = [];
  try {
    for (const spec of setup.listeners) ports.push(await broker.listenOn(spec));
  } catch (error) {
    await broker.close();
    throw error;
  }
  return { broker, ports, log, stop: () => broker.close() };
}

/** Outcome of a Debian client run. */
export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs /usr/bin/mosquitto_pub or mosquitto_sub; never rejects, killed after `timeoutMs`. */
export function runClient(tool: 'mosquitto_pub' | 'mosquitto_sub' | 'mosquitto_passwd', args: string[], timeoutMs = 5000): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(`/usr/bin/${tool}`, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
