import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../helpers/broker-config';
import { RawClient } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { requireBuiltCli, spawnBuiltCli, tempDataDir, type CliProcess } from '../helpers/persistence';
import { until } from '../helpers/wait';

// mosquitto.conf's persistence_file, autosave_interval and autosave_on_changes, run by the
// built CLI: with autosave, changes are saved in batches (at the interval, after that many
// changes, on SIGUSR1, at a clean stop) instead of written through, so a crash (SIGKILL)
// loses what changed since the last save, as with mosquitto.

let dir: string;
const brokers: CliProcess[] = [];

beforeAll(() => {
  requireBuiltCli();
  dir = tempDataDir('mqtt-desk-config-persistence-');
});
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a config (staying root, as these temp folders are root's) and starts the built CLI with it. */
async function start(name: string, lines: string[]): Promise<{ cli: CliProcess; conf: string }> {
  const conf = path.join(dir, `${name}.conf`);
  writeFileSync(conf, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', 'user root', 'persistence true', ...lines, ''].join('\n'));
  const cli = await spawnBuiltCli(['-c', conf]);
  brokers.push(cli);
  return { cli, conf };
}

async function restart(conf: string): Promise<CliProcess> {
  const cli = await spawnBuiltCli(['-c', conf]);
  brokers.push(cli);
  return cli;
}

/** Publishes a retained QoS 1 message and waits for its PUBACK. */
async function retain(port: number, topic: string): Promise<void> {
  const client = await RawClient.connected(port, `retainer-${topic.replace(/\W/g, '')}`, 4);
  client.send({ cmd: 'publish', topic, payload: Buffer.from(topic), qos: 1, retain: true, dup: false, messageId: 1 });
  await client.next();
  client.destroy();
}

/** The retained topics the broker has under `prefix/#`. */
async function retainedTopics(port: number, prefix: string): Promise<string[]> {
  const sub = await RawClient.connected(port, `reader-${Date.now()}`, 4);
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${prefix}/#`, qos: 0 }] });
  sub.send({ cmd: 'pingreq' }); // answered after the retained messages the SUBSCRIBE sends
  const topics: string[] = [];
  for (;;) {
    const packet = await sub.next();
    if (packet.cmd === 'pingresp') break;
    if (packet.cmd === 'publish') topics.push(packet.topic);
  }
  sub.destroy();
  return topics.sort();
}

/** Whether the store's files hold a key (LevelDB keeps keys as they are in its log and tables). */
function stored(store: string, topic: string): boolean {
  return readdirSync(store).some((f) => /\.(log|ldb)$/.test(f) && readFileSync(path.join(store, f)).includes(topic));
}

describe('persistence_file', () => {
  it('keeps the store under that name in persistence_location', async () => {
    const location = path.join(dir, 'named');
    const { cli } = await start('named', [`persistence_location ${location}`, 'persistence_file desk.db']);
    await retain(cli.port, 'named/a');
    await cli.stop();
    expect(existsSync(path.join(location, 'desk.db', 'CURRENT'))).toBe(true);
  });
});

describe('autosave_interval', () => {
  it('with 0: saves only on SIGUSR1 and at a clean stop; a crash loses the rest', async () => {
    const store = path.join(dir, 'manual');
    const { cli, conf } = await start('manual', [`persistence_location ${store}`, 'autosave_interval 0']);
    await retain(cli.port, 'manual/saved');
    // Written through, the PUBACK would have waited for the store: here it did not.
    expect(stored(store, 'manual/saved')).toBe(false);
    process.kill(cli.pid, 'SIGUSR1');
    await until(() => stored(store, 'manual/saved'), 10_000, 'the SIGUSR1 save');
    // The notice is written before the save, but the store can be read before the pipe is.
    await until(() => cli.output().includes(`Saving in-memory database to ${store}.`), 10_000, 'the save notice');
    await retain(cli.port, 'manual/lost');
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited;
    const second = await restart(conf);
    expect(await retainedTopics(second.port, 'manual')).toEqual(['manual/saved']);
    await retain(second.port, 'manual/at-stop');
    await second.stop(); // SIGTERM: a clean stop saves
    const third = await restart(conf);
    expect(await retainedTopics(third.port, 'manual')).toEqual(['manual/at-stop', 'manual/saved']);
  });

  it('with autosave_on_changes: saves after that many changes', async () => {
    const store = path.join(dir, 'changes');
    const { cli } = await start('changes', [`persistence_location ${store}`, 'autosave_interval 2', 'autosave_on_changes true']);
    await retain(cli.port, 'changes/one');
    expect(stored(store, 'changes/one')).toBe(false); // one change: not yet
    await retain(cli.port, 'changes/two');
    await until(() => stored(store, 'changes/one') && stored(store, 'changes/two'), 10_000, 'the save after two changes');
  });

  it('without autosave_interval, writes every change through before acknowledging it (mosquitto would wait up to 1800 s)', async () => {
    const store = path.join(dir, 'through');
    const { cli } = await start('through', [`persistence_location ${store}`]);
    await retain(cli.port, 'through/a');
    expect(stored(store, 'through/a')).toBe(true);
    const sub = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(cli.port), '-t', 'through/#', '-C', '1'], 15_000);
    expect(sub.stdout).toBe('through/a\n');
  });
});
