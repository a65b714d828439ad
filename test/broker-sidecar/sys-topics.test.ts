import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker-sidecar/broker';
import { bundleBrokerCli, startBrokerCli } from '../helpers/broker-cli';
import { runClient, startConfigured, tempDir, writeIn } from '../helpers/broker-config';
import type { LogEntry } from '../../broker-sidecar/logger';
import { collect, endAll, mqttClient, RawClient, startBroker, untilMarker, type Received, type RunningBroker } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// The $SYS tree as mosquitto users read it: Debian's mosquitto_sub against our broker, with
// a short sys_interval so updates come within a test's time.

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const INTERVAL = 0.2;

/** The retained value of a $SYS topic, read from the broker's store. */
function sysValue(broker: Broker, topic: string): string | undefined {
  for (const message of broker.options.retained.match(topic)) if (message.topic === topic) return message.payload.toString();
  return undefined;
}

/** How many $SYS values the broker holds: what a `$SYS/#` subscriber receives first. */
function sysCount(broker: Broker): number {
  return broker.retained().filter((r) => r.topic.startsWith('$SYS/')).length;
}

/** `mosquitto_sub -v` output as topic → last value. */
function parseLines(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    // Topic names contain a space ("retained messages/count"), values never start with '$'.
    const match = /^(\$SYS\/\S+(?: messages\/count)?) (.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  return values;
}

/** Waits for a published value to satisfy a check (the tree updates every INTERVAL). */
async function sysUntil(broker: Broker, topic: string, check: (value: number) => boolean, what: string): Promise<number> {
  await until(() => check(Number(sysValue(broker, topic))), 10_000, what);
  return Number(sysValue(broker, topic));
}

describe('$SYS tree', () => {
  let running: RunningBroker;
  beforeAll(async () => {
    running = await startBroker({ sysInterval: INTERVAL });
  });
  afterAll(async () => {
    await running.stop();
  });

  it("serves mosquitto's topics with mosquitto's value formats to mosquitto_sub on subscribe", async () => {
    const n = sysCount(running.broker);
    const run = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', '$SYS/#', '-C', String(n), '-W', '5', '-v']);
    expect(run.code, run.stderr).toBe(0);
    const values = parseLines(run.stdout);
    expect(values.get('$SYS/broker/version')).toBe(`mqtt-desk-broker version ${VERSION}`);
    expect(values.get('$SYS/broker/uptime')).toMatch(/^\d+ seconds$/);
    const counts = [
      'clients/connected',
      'clients/active',
      'clients/disconnected',
      'clients/inactive',
      'clients/total',
      'clients/maximum',
      'clients/expired',
      'messages/received',
      'messages/sent',
      'messages/stored',
      'store/messages/count',
      'store/messages/bytes',
      'bytes/received',
      'bytes/sent',
      'subscriptions/count',
      'retained messages/count',
      'publish/messages/dropped',
      'publish/messages/received',
      'publish/messages/sent',
      'publish/bytes/received',
      'publish/bytes/sent',
      'heap/current',
      'heap/maximum',
    ];
    for (const name of counts) expect(values.get(`$SYS/broker/${name}`), name).toMatch(/^\d+$/);
    for (const name of ['messages/received', 'messages/sent', 'publish/dropped', 'publish/received', 'publish/sent', 'bytes/received', 'bytes/sent', 'sockets', 'connections']) {
      for (const window of ['1min', '5min', '15min']) expect(values.get(`$SYS/broker/load/${name}/${window}`), `${name}/${window}`).toMatch(/^\d+\.\d\d$/);
    }
    expect(Number(values.get('$SYS/broker/retained messages/count'))).toBeGreaterThan(0);
    expect(values.size).toBe(n);
  });

  it('counts connected clients, sessions and their maximum', async () => {
    const base = await sysUntil(running.broker, '$SYS/broker/clients/connected', (v) => v === running.broker.stats().clientsConnected, 'a settled count');
    const a = await mqttClient(running.port, { clientId: 'sys-a' });
    const b = await mqttClient(running.port, { clientId: 'sys-b', clean: false });
    try {
      await sysUntil(running.broker, '$SYS/broker/clients/connected', (v) => v === base + 2, 'two more connected');
      expect(Number(sysValue(running.broker, '$SYS/broker/clients/active'))).toBe(base + 2);
      expect(Number(sysValue(running.broker, '$SYS/broker/clients/total'))).toBeGreaterThanOrEqual(base + 2);
      expect(Number(sysValue(running.broker, '$SYS/broker/clients/maximum'))).toBeGreaterThanOrEqual(base + 2);
    } finally {
      await endAll(a, b);
    }
    // sys-b keeps its session offline: disconnected, still in the total.
    await sysUntil(running.broker, '$SYS/broker/clients/connected', (v) => v === base, 'both gone');
    expect(Number(sysValue(running.broker, '$SYS/broker/clients/disconnected'))).toBeGreaterThanOrEqual(1);
  });

  it('reports as clients/maximum the most clients connected at once, not the number of sessions', async () => {
    const own = await startBroker({ sysInterval: INTERVAL });
    try {
      const [a, b, c] = await Promise.all(['max-a', 'max-b', 'max-c'].map((clientId) => mqttClient(own.port, { clientId, clean: false })));
      await sysUntil(own.broker, '$SYS/broker/clients/maximum', (v) => v === 3, 'a peak of three');
      await endAll(a!, b!, c!);
      // One at a time now: sessions grow to four, the peak stays three.
      const d = await mqttClient(own.port, { clientId: 'max-d', clean: false });
      await endAll(d);
      await sysUntil(own.broker, '$SYS/broker/clients/total', (v) => v === 4, 'four sessions');
      expect(Number(sysValue(own.broker, '$SYS/broker/clients/maximum'))).toBe(3);
    } finally {
      await own.stop();
    }
  });

  it('grows messages/received, publish/messages/received and the loads after publishes', async () => {
    const before = Number(sysValue(running.broker, '$SYS/broker/publish/messages/received'));
    const packetsBefore = Number(sysValue(running.broker, '$SYS/broker/messages/received'));
    for (let i = 0; i < 5; i++) {
      const run = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', 'sys/load', '-m', `m${i}`, '-q', '1']);
      expect(run.code, run.stderr).toBe(0);
    }
    await sysUntil(running.broker, '$SYS/broker/publish/messages/received', (v) => v >= before + 5, 'five more PUBLISHes');
    // Each mosquitto_pub run sends CONNECT, PUBLISH and DISCONNECT: every packet counts (the
    // last DISCONNECT may be read after the update that showed the fifth PUBLISH, so wait for it).
    await sysUntil(running.broker, '$SYS/broker/messages/received', (v) => v >= packetsBefore + 15, 'CONNECT, PUBLISH and DISCONNECT counted');
    expect(Number(sysValue(running.broker, '$SYS/broker/load/publish/received/1min'))).toBeGreaterThan(0);
    expect(Number(sysValue(running.broker, '$SYS/broker/load/connections/1min'))).toBeGreaterThan(0);
  });

  it('counts retained messages and subscriptions', async () => {
    const retained = Number(sysValue(running.broker, '$SYS/broker/retained messages/count'));
    for (const topic of ['sys/r1', 'sys/r2']) {
      const run = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', topic, '-m', 'kept', '-r']);
      expect(run.code, run.stderr).toBe(0);
    }
    await sysUntil(running.broker, '$SYS/broker/retained messages/count', (v) => v === retained + 2, 'two more retained');
    const subs = Number(sysValue(running.broker, '$SYS/broker/subscriptions/count'));
    const sub = await mqttClient(running.port, { clientId: 'sys-subs' });
    try {
      await sub.subscribeAsync(['sys/x', 'sys/y']);
      await sysUntil(running.broker, '$SYS/broker/subscriptions/count', (v) => v === subs + 2, 'two more subscriptions');
    } finally {
      await endAll(sub);
    }
  });

  it('republishes only what changed, uptime always', async () => {
    const sub = await mqttClient(running.port, { clientId: 'sys-changes' });
    try {
      const got = collect(sub);
      await sub.subscribeAsync('$SYS/broker/#');
      // Each update is published at once, uptime first: whole updates lie before the third uptime.
      const isLiveUptime = (m: Received): boolean => m.topic === '$SYS/broker/uptime' && !m.packet.retain;
      for (let i = 0; i < 3; i++) await got.until(isLiveUptime, 10_000);
      const thirdUptime = got.messages.map(isLiveUptime).lastIndexOf(true);
      const live = got.messages.slice(0, thirdUptime).filter((m) => !m.packet.retain);
      const count = (topic: string) => live.filter((m) => m.topic === topic).length;
      expect(count('$SYS/broker/uptime')).toBe(2);
      expect(count('$SYS/broker/version')).toBe(0);
      expect(count('$SYS/broker/clients/expired')).toBe(0);
      expect(count('$SYS/broker/retained messages/count')).toBe(0);
    } finally {
      await endAll(sub);
    }
  });
});

describe('$SYS and wildcards', () => {
  let running: RunningBroker;
  beforeAll(async () => {
    running = await startBroker({ sysInterval: INTERVAL });
  });
  afterAll(async () => {
    await running.stop();
  });

  it("keeps $SYS out of '#' and '+/...' subscriptions [MQTT-4.7.2-1]", async () => {
    const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', 'plain/x', '-m', 'hello', '-r']);
    expect(pub.code, pub.stderr).toBe(0);
    const all = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', '#', '-t', '+/broker/#', '-W', '1', '-v'], 4000);
    expect(all.stdout).toBe('plain/x hello\n');
    const sys = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', '$SYS/broker/version', '-C', '1', '-W', '3', '-v']);
    expect(sys.stdout).toBe(`$SYS/broker/version mqtt-desk-broker version ${VERSION}\n`);
  });
});

describe('publishing to $SYS', () => {
  let running: RunningBroker;
  const log: LogEntry[] = [];
  beforeAll(async () => {
    running = await startBroker({ sysInterval: 60, logger: (entry) => void log.push(entry) });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers a 5.0 client PUBACK/PUBREC 0x87 and changes nothing', async () => {
    const watcher = await mqttClient(running.port, { clientId: 'sys-watch' });
    const got = collect(watcher);
    await watcher.subscribeAsync(['$SYS/broker/version', '$SYS/broker/new', 'ctl/sys-5']);
    await got.waitFor(1);
    const c = await RawClient.connected(running.port, 'sys-forger-5', 5);
    try {
      c.send({ cmd: 'publish', topic: '$SYS/broker/version', payload: Buffer.from('forged'), qos: 1, retain: true, dup: false, messageId: 7 });
      expect(await c.next()).toMatchObject({ cmd: 'puback', messageId: 7, reasonCode: 0x87 });
      c.send({ cmd: 'publish', topic: '$SYS/broker/new', payload: Buffer.from('forged'), qos: 2, retain: false, dup: false, messageId: 8 });
      expect(await c.next()).toMatchObject({ cmd: 'pubrec', messageId: 8, reasonCode: 0x87 });
      expect(sysValue(running.broker, '$SYS/broker/version')).toBe(`mqtt-desk-broker version ${VERSION}`);
      expect(sysValue(running.broker, '$SYS/broker/new')).toBeUndefined();
      c.send({ cmd: 'publish', topic: 'ctl/sys-5', payload: Buffer.from('marker'), qos: 0, retain: false, dup: false });
      // Only the retained value from subscribing came before the forger's marker.
      expect((await got.until('ctl/sys-5')).map((m) => [m.topic, m.packet.retain])).toEqual([['$SYS/broker/version', true]]);
    } finally {
      c.destroy();
      await endAll(watcher);
    }
  });

  it('acknowledges and drops it for 3.1.1 clients (mosquitto_pub), like an ACL denial', async () => {
    const watcher = await mqttClient(running.port, { clientId: 'sys-watch-4' });
    const got = collect(watcher);
    await watcher.subscribeAsync(['$SYS/broker/uptime', '$SYS/x', 'ctl/sys-4']);
    await got.waitFor(1); // the retained uptime
    const logged = log.length;
    const c = await RawClient.connected(running.port, 'sys-forger-4', 4);
    try {
      // mosquitto_pub -q 1 exits after its PUBACK, which follows the routing decision.
      const run = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', '$SYS/broker/uptime', '-m', 'forever', '-q', '1', '-r']);
      expect(run.code, run.stderr).toBe(0);
      expect(sysValue(running.broker, '$SYS/broker/uptime')).toMatch(/^\d+ seconds$/);
      c.send({ cmd: 'publish', topic: '$SYS/x', payload: Buffer.from('forged'), qos: 1, retain: false, dup: false, messageId: 3 });
      expect(await c.next()).toMatchObject({ cmd: 'puback', messageId: 3 });
      c.send({ cmd: 'publish', topic: 'ctl/sys-4', payload: Buffer.from('marker'), qos: 0, retain: false, dup: false });
      const before = await got.until('ctl/sys-4');
      expect(before.map((m) => [m.topic, m.packet.retain])).toEqual([['$SYS/broker/uptime', true]]); // neither forgery was routed
      expect(before[0]!.payload).toMatch(/^\d+ seconds$/);
      expect(sysValue(running.broker, '$SYS/x')).toBeUndefined();
      expect(log.slice(logged).filter((e) => /^Denied PUBLISH from .* \(\$SYS is read-only\)\.$/.test(e.message))).toHaveLength(2);
    } finally {
      c.destroy();
      await endAll(watcher);
    }
  });

  it('does not publish a will on a $SYS topic', async () => {
    const c = await RawClient.connected(running.port, 'sys-will', 4, { will: { topic: '$SYS/broker/version', payload: Buffer.from('dead'), qos: 0, retain: true } });
    c.destroy();
    await until(() => log.some((e) => e.message === "Denied will on '$SYS/broker/version': $SYS is written by the broker only."), 10_000, 'the will to be refused');
    expect(sysValue(running.broker, '$SYS/broker/version')).toBe(`mqtt-desk-broker version ${VERSION}`);
  });
});

describe('sys_interval 0 and the default', () => {
  it('publishes nothing with sysInterval 0 and by default for an embedded broker', async () => {
    for (const options of [{ sysInterval: 0 }, {}]) {
      const running = await startBroker(options);
      try {
        expect(sysCount(running.broker)).toBe(0);
        const sub = await mqttClient(running.port, { clientId: 'sys-none' });
        try {
          const got = collect(sub);
          await sub.subscribeAsync(['$SYS/#', 'ctl/sys-none']);
          // Retained $SYS values would follow the SUBACK, before the subscriber's own marker.
          expect(await untilMarker(sub, got, 'ctl/sys-none')).toEqual([]);
        } finally {
          await endAll(sub);
        }
      } finally {
        await running.stop();
      }
    }
  });
});

describe('drops in publish/messages/dropped', () => {
  it('counts deliveries dropped from a full session queue', async () => {
    const running = await startBroker({ sysInterval: INTERVAL, maxQueuedMessages: 2 });
    try {
      const first = await RawClient.connected(running.port, 'sys-queue', 4, { clean: false });
      first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/#', qos: 1 }] });
      await first.next();
      first.write([0xe0, 0x00]);
      await first.waitClosed();
      const pub = await mqttClient(running.port, { clientId: 'sys-queue-pub' });
      try {
        for (let i = 0; i < 5; i++) await pub.publishAsync('q/a', `m${i}`, { qos: 1 });
      } finally {
        await endAll(pub);
      }
      expect(running.broker.stats().droppedQueueFull).toBe(3);
      await sysUntil(running.broker, '$SYS/broker/publish/messages/dropped', (v) => v === 3, 'three drops published');
    } finally {
      await running.stop();
    }
  });

  it('counts QoS 0 messages dropped behind a full socket', async () => {
    const running = await startBroker({ sysInterval: INTERVAL, maxWriteBufferBytes: 64 * 1024 });
    const slow = await RawClient.connected(running.port, 'sys-slow', 4);
    const pub = await mqttClient(running.port, { clientId: 'sys-flooder' });
    try {
      slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] });
      await slow.next();
      slow.socket.pause();
      const payload = Buffer.alloc(32 * 1024, 0x61);
      const conn = running.broker.online('sys-slow')!;
      for (let round = 0; round < 20 && conn.droppedQos0 === 0; round++) {
        for (let i = 0; i < 20; i++) pub.publish('flood/a', payload, { qos: 0 });
        await pub.publishAsync('flood/sync', 'x', { qos: 1 });
      }
      expect(conn.droppedQos0).toBeGreaterThan(0);
      expect(running.broker.stats().droppedQos0).toBe(conn.droppedQos0);
      await sysUntil(running.broker, '$SYS/broker/publish/messages/dropped', (v) => v >= conn.droppedQos0, 'the QoS 0 drops published');
    } finally {
      slow.destroy();
      await endAll(pub);
      await running.stop();
    }
  });
});

describe('sys_interval from mosquitto.conf', () => {
  let dir: string;
  let entry: string;
  beforeAll(async () => {
    dir = tempDir('mqtt-desk-sys-');
    entry = await bundleBrokerCli(dir);
  }, 30_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows sys_interval in a configuration, and sys_interval 0 turns the tree off', async () => {
    const on = await startConfigured(dir, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', 'sys_interval 1']);
    const off = await startConfigured(dir, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', 'sys_interval 0']);
    try {
      expect(on.broker.options.sysInterval).toBe(1);
      expect(sysValue(on.broker, '$SYS/broker/version')).toBe(`mqtt-desk-broker version ${VERSION}`);
      expect(sysCount(off.broker)).toBe(0);
    } finally {
      await Promise.all([on.stop(), off.stop()]);
    }
  });

  it('updates uptime every sys_interval seconds when the CLI runs with -c', async () => {
    const conf = writeIn(dir, 'sys.conf', [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', 'sys_interval 2', ''].join('\n'));
    const cli = await startBrokerCli(entry, ['-c', conf]);
    try {
      // The retained value of one update, then the next update: their uptimes are one interval apart.
      const run = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(cli.port), '-t', '$SYS/broker/uptime', '-C', '2', '-W', '15', '-v'], 20_000);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/^\$SYS\/broker\/uptime \d+ seconds$/);
      const [retained, next] = lines.map((line) => Number(/(\d+) seconds$/.exec(line)![1]));
      // At least 2 s apart (a shorter interval fails), and less than the default 10 s (-c ignored fails).
      expect(next! - retained!).toBeGreaterThanOrEqual(2);
      expect(next! - retained!).toBeLessThan(10);
    } finally {
      await cli.stop();
    }
  });

  it('publishes $SYS when the CLI runs without -c (default sys_interval 10)', async () => {
    const cli = await startBrokerCli(entry, ['-p', '0']);
    try {
      const run = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(cli.port), '-t', '$SYS/broker/version', '-t', '$SYS/broker/clients/connected', '-C', '2', '-W', '5', '-v']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`$SYS/broker/version mqtt-desk-broker version ${VERSION}\n`);
      expect(run.stdout).toMatch(/^\$SYS\/broker\/clients\/connected \d+$/m);
    } finally {
      await cli.stop();
    }
  });
});
