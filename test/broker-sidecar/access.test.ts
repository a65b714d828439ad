import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ErrorWithReasonCode, IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, mqttClient } from '../helpers/broker-harness';
import { runClient, startConfigured, tempDir, writeIn, type ConfiguredBroker } from '../helpers/broker-config';
import { freePort } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// password_file made by Debian's mosquitto_passwd, an ACL file, allow_anonymous false:
// what mosquitto_pub/mosquitto_sub and MQTT.js see in 3.1.1 and 5.0.

let dir: string;
let running: ConfiguredBroker;
let port: number;

beforeAll(async () => {
  dir = tempDir('mqtt-desk-access-');
  const passwords = path.join(dir, 'passwd');
  for (const [user, password] of [['alice', 'alice-secret'], ['bob', 'bob-secret']] as const) {
    const made = await runClient('mosquitto_passwd', [...(user === 'alice' ? ['-c'] : []), '-b', passwords, user, password]);
    expect(made.code, made.stderr).toBe(0);
  }
  const acl = writeIn(
    dir,
    'acl',
    ['user alice', 'topic readwrite allowed/#', 'topic read data/#', 'topic deny data/secret', '', 'user bob', 'topic readwrite #', ''].join('\n'),
  );
  port = await freePort();
  running = await startConfigured(dir, ['allow_anonymous false', `password_file ${passwords}`, `acl_file ${acl}`, `listener ${port} 127.0.0.1`]);
}, 20_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const host = (): string[] => ['-h', '127.0.0.1', '-p', String(port)];
const asUser = (user: string, password: string): IClientOptions => ({ username: user, password });

describe('password file (mosquitto_passwd -b)', () => {
  it.each(['mqttv311', 'mqttv5'])('accepts the right password (%s)', async (version) => {
    const pub = await runClient('mosquitto_pub', [...host(), '-V', version, '-u', 'alice', '-P', 'alice-secret', '-t', 'allowed/a', '-m', 'x', '-q', '1']);
    expect(pub.code, pub.stderr).toBe(0);
  });

  it('refuses a wrong password with CONNACK 5 (3.1.1), as mosquitto: "not authorised", and logs it', async () => {
    const pub = await runClient('mosquitto_pub', [...host(), '-V', 'mqttv311', '-u', 'alice', '-P', 'wrong', '-i', 'bad-pw', '-t', 'allowed/a', '-m', 'x']);
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/not authori[sz]ed/i);
    expect(running.log.some((e) => e.message.includes('wrong password for "alice"'))).toBe(true);
  });

  it('refuses a wrong password with CONNACK 0x87 (5.0) and anonymous clients too', async () => {
    const pub = await runClient('mosquitto_pub', [...host(), '-V', 'mqttv5', '-u', 'alice', '-P', 'wrong', '-t', 'allowed/a', '-m', 'x']);
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/not authori[sz]ed/i);
    const error = await mqttClient(port, { protocolVersion: 5, clientId: 'anon5' }).then(
      () => undefined,
      (e: ErrorWithReasonCode) => e,
    );
    expect(error?.code).toBe(0x87);
    const error3 = await mqttClient(port, { protocolVersion: 4, clientId: 'bad3', ...asUser('nobody', 'x') }).then(
      () => undefined,
      (e: ErrorWithReasonCode) => e,
    );
    expect(error3?.code).toBe(5);
  });
});

describe('ACL file', () => {
  let bob: MqttClient | undefined;
  beforeAll(async () => {
    bob = await mqttClient(port, { clientId: 'bob-watch', protocolVersion: 5, ...asUser('bob', 'bob-secret') });
  });
  afterAll(() => endAll(bob));

  it('drops a denied PUBLISH with a normal PUBACK (3.1.1) and answers PUBACK 0x87 (5.0)', async () => {
    const seen = collect(bob!);
    await bob!.subscribeAsync(['denied/#', 'allowed/ok'], { qos: 1 });
    const pub3 = await runClient('mosquitto_pub', [...host(), '-V', 'mqttv311', '-u', 'alice', '-P', 'alice-secret', '-t', 'denied/3', '-m', 'x', '-q', '1']);
    expect(pub3.code, pub3.stderr).toBe(0);
    const alice5 = await mqttClient(port, { clientId: 'alice-pub5', protocolVersion: 5, ...asUser('alice', 'alice-secret') });
    try {
      const error = await alice5.publishAsync('denied/5', 'x', { qos: 1 }).then(
        () => undefined,
        (e: ErrorWithReasonCode) => e,
      );
      expect(error?.code).toBe(0x87);
      await alice5.publishAsync('allowed/ok', 'fine', { qos: 1 }); // the connection carries on
    } finally {
      await endAll(alice5);
    }
    // 'allowed/ok' is the marker: both denied PUBLISHes were handled before it.
    expect(await seen.until('allowed/ok')).toEqual([]);
    expect(running.log.some((e) => e.message.includes("Denied PUBLISH from alice-pub5 to 'denied/5'"))).toBe(true);
  });

  it.each([
    ['mqttv311', '128, 1'],
    ['mqttv5', '135, 1'],
  ])('answers a denied SUBSCRIBE with SUBACK 0x80 (3.1.1) / 0x87 (5.0): %s', async (version, codes) => {
    // -d prints the SUBACK codes; -E exits once they arrived.
    const args = [...host(), '-V', version, '-u', 'alice', '-P', 'alice-secret', '-t', 'denied/#', '-t', 'allowed/#', '-q', '1', '-d', '-E'];
    const sub = await runClient('mosquitto_sub', args);
    expect(sub.stdout).toContain(`Subscribed (mid: 1): ${codes}`);
  });

  it.each(['mqttv311', 'mqttv5'])('withholds retained and live messages the subscriber may not read (%s)', async (version) => {
    for (const [topic, payload] of [
      ['data/open', 'open'],
      ['data/secret', 'secret'],
    ] as const) {
      await bob!.publishAsync(topic, payload, { qos: 1, retain: true });
    }
    // -C 2: exits after two messages, so a withheld one that leaked would be among them.
    const clientId = `alice-data-${version}`;
    const sub = runClient('mosquitto_sub', [...host(), '-V', version, '-u', 'alice', '-P', 'alice-secret', '-i', clientId, '-t', 'data/#', '-v', '-C', '2']);
    let exited = false;
    void sub.then(() => (exited = true)); // two leaked retained messages end it early
    await until(() => exited || (running.broker.options.sessions.get(clientId)?.subscriptions.size ?? 0) > 0, 5000, 'mosquitto_sub to subscribe');
    await bob!.publishAsync('data/secret', 'live secret', { qos: 1 });
    await bob!.publishAsync('data/open', 'live open', { qos: 1 });
    const { stdout } = await sub;
    expect(stdout.trim().split('\n')).toEqual(['data/open open', 'data/open live open']);
  });
});

describe('per_listener_settings true', () => {
  let perListener: ConfiguredBroker | undefined;
  let open: number, closed: number;
  beforeAll(async () => {
    [open, closed] = [await freePort(), await freePort()];
    perListener = await startConfigured(dir, [
      'per_listener_settings true',
      `listener ${open} 127.0.0.1`,
      'allow_anonymous true',
      `listener ${closed} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${path.join(dir, 'passwd')}`,
    ]);
  });
  afterAll(() => perListener?.stop());

  it('decides with each listener’s own settings', async () => {
    const publish = (p: number, extra: string[]) => runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(p), '-t', 'pl/t', '-m', 'x', ...extra]);
    expect((await publish(open, [])).code).toBe(0);
    const anonymous = await publish(closed, []);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/not authori[sz]ed/i);
    expect((await publish(closed, ['-u', 'alice', '-P', 'alice-secret'])).code).toBe(0);
  });
});
