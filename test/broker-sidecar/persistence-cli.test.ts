/**
 * Persistence from the command line: `--data-dir DIR`, and mosquitto.conf's
 * `persistence true` with or without `persistence_location`, run as users run the built
 * CLI; a store that cannot be opened ends the CLI with exit code 1 naming the directory.
 */

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IPublishPacket } from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, USAGE } from '../../broker-sidecar/cli';
import { endAll, mqttClient, withTimeout } from '../helpers/broker-harness';
import { runBrokerCli } from '../helpers/broker-cli';
import { freePort } from '../helpers/mosquitto';
import { BUILT_CLI, requireBuiltCli, spawnBuiltCli, tempDataDir, type CliProcess } from '../helpers/persistence';

const dirs: string[] = [];

/**
 * Started as root (as in CI), mosquitto.conf's default `user mosquitto` would switch to a
 * user that cannot write these root-only temp folders; `user root` keeps root (no effect otherwise).
 */
const ROOT = 'user root';
const brokers: CliProcess[] = [];

function dataDir(): string {
  const dir = tempDataDir('mqtt-desk-persist-cli-');
  dirs.push(dir);
  return dir;
}

async function startCli(args: string[], cwd?: string): Promise<CliProcess> {
  const broker = await spawnBuiltCli(args, { cwd });
  brokers.push(broker);
  return broker;
}

async function stopCli(broker: CliProcess): Promise<void> {
  brokers.splice(brokers.indexOf(broker), 1);
  await broker.stop();
}

async function retain(port: number, topic: string, payload: string): Promise<void> {
  const client = await mqttClient(port);
  await client.publishAsync(topic, payload, { qos: 1, retain: true });
  await endAll(client);
}

async function readRetained(port: number, filter: string): Promise<string> {
  const client = await mqttClient(port);
  try {
    const got = withTimeout(new Promise<IPublishPacket>((resolve) => client.once('message', (_t, _p, packet) => resolve(packet))), 3000, 'a retained message');
    await client.subscribeAsync(filter, { qos: 1 });
    return (await got).payload.toString();
  } finally {
    await endAll(client);
  }
}

beforeAll(() => requireBuiltCli());
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('--data-dir', () => {
  it('is parsed and documented', () => {
    expect(parseCommand(['--data-dir', 'store'])).toMatchObject({ kind: 'run', dataDir: 'store' });
    expect(parseCommand(['--data-dir'])).toBe('Missing value for --data-dir');
    expect(parseCommand([])).toMatchObject({ dataDir: undefined });
    expect(USAGE).toContain('--data-dir DIR');
    expect(USAGE).toContain('./mqtt-desk-broker.db');
  });

  it('keeps retained messages across a clean stop (SIGTERM) and start', async () => {
    const dir = dataDir();
    const first = await startCli(['-p', '0', '--data-dir', dir]);
    await retain(first.port, 'cli/a', 'survives');
    await stopCli(first);
    const second = await startCli(['-p', '0', '--data-dir', dir]);
    expect(second.output()).toContain(`Restored 1 retained messages, 0 sessions and 0 pending wills from ${dir}.`);
    expect(await readRetained(second.port, 'cli/#')).toBe('survives');
  });

  it('exits 1 naming the directory when another broker holds the store, before listening', async () => {
    const dir = dataDir();
    await startCli(['-p', '0', '--data-dir', dir]);
    const { code, stderr, stdout } = await runBrokerCli(BUILT_CLI, ['-p', '0', '--data-dir', dir], 10_000);
    expect(code).toBe(1);
    expect(stderr).toContain(`mqtt-desk-broker: cannot open the persistence store in ${dir}: it is in use by another broker`);
    expect(stdout).not.toContain('listening on');
  });

  it('exits 1 naming the directory when it cannot be created', async () => {
    const file = path.join(dataDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const target = path.join(file, 'store');
    const { code, stderr } = await runBrokerCli(BUILT_CLI, ['-p', '0', '--data-dir', target], 10_000);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot open the persistence store in ${target}`);
  });
});

describe('mosquitto.conf persistence', () => {
  it('uses persistence_location with persistence true (-c)', async () => {
    const dir = dataDir();
    const store = path.join(dir, 'store');
    const port = await freePort();
    const conf = path.join(dir, 'persist.conf');
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', ROOT, 'persistence true', `persistence_location ${store}`, ''].join('\n'));
    const first = await startCli(['-c', conf]);
    await retain(first.port, 'conf/a', 'from the file');
    await stopCli(first);
    expect(existsSync(path.join(store, 'CURRENT'))).toBe(true); // a LevelDB directory
    const second = await startCli(['-c', conf]);
    expect(second.output()).toContain(`Restored 1 retained messages, 0 sessions and 0 pending wills from ${store}.`);
    expect(await readRetained(second.port, 'conf/#')).toBe('from the file');
  });

  it('stores in ./mqtt-desk-broker.db without persistence_location, and not at all with persistence false', async () => {
    const dir = dataDir();
    const port = await freePort();
    const on = path.join(dir, 'on.conf');
    writeFileSync(on, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', ROOT, 'persistence true', ''].join('\n'));
    const first = await startCli(['-c', on], dir);
    await stopCli(first);
    expect(existsSync(path.join(dir, 'mqtt-desk-broker.db', 'CURRENT'))).toBe(true);

    const elsewhere = dataDir();
    const off = path.join(elsewhere, 'off.conf');
    writeFileSync(off, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', ROOT, 'persistence false', ''].join('\n'));
    const second = await startCli(['-c', off], elsewhere);
    await stopCli(second);
    expect(existsSync(path.join(elsewhere, 'mqtt-desk-broker.db'))).toBe(false);
  });

  it('lets --data-dir win over persistence_location', async () => {
    const dir = dataDir();
    const fromFlag = path.join(dir, 'flag-store');
    const fromFile = path.join(dir, 'file-store');
    const conf = path.join(dir, 'both.conf');
    writeFileSync(conf, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', ROOT, 'persistence true', `persistence_location ${fromFile}`, ''].join('\n'));
    const broker = await startCli(['-c', conf, '--data-dir', fromFlag]);
    await stopCli(broker);
    expect(existsSync(path.join(fromFlag, 'CURRENT'))).toBe(true);
    expect(existsSync(fromFile)).toBe(false);
  });
});
