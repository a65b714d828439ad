import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
let healthy: MqttClient;
let inbox: ReturnType<typeof collect>;
let healthyPub: MqttClient;
const raws: RawClient[] = [];
let sent = 0;

async function raw(clientId: string, version: 4 | 5): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version);
  raws.push(c);
  return c;
}

/** PUBLISH QoS 0 bytes with a raw topic. */
function publishBytes(topic: Buffer, firstByte = 0x30, version: 4 | 5 = 4): Buffer {
  const props = version === 5 ? Buffer.from([0]) : Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from([0, topic.length]), topic, props, Buffer.from('x')]);
  return Buffer.concat([Buffer.from([firstByte, body.length]), body]);
}

beforeAll(async () => {
  running = await startBroker({ maxPacketBytes: 1024 });
  healthy = await mqttClient(running.port, { clientId: 'healthy', protocolVersion: 5 });
  healthyPub = await mqttClient(running.port, { clientId: 'healthy-pub', protocolVersion: 4 });
  inbox = collect(healthy);
  await healthy.subscribeAsync('ok/#', { qos: 1 });
});
afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  // Whatever one client sent, the others carry on.
  await healthyPub.publishAsync('ok/still', `${++sent}`, { qos: 1 });
  await inbox.waitFor(sent);
  expect(healthy.connected).toBe(true);
});
afterAll(async () => {
  await endAll(healthy, healthyPub);
  await running.stop();
});

// [version, description, bytes, 5.0 reason code, the rule the Reason String and the log name]
const cases: Array<[4 | 5, string, Buffer, number, string]> = [
  [4, 'a remaining length longer than 4 bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0x81, '[MQTT 3.1.1 §2.2.3]'],
  [5, 'a remaining length longer than 4 bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0x81, '[MQTT-1.5.5-1]'],
  [4, 'a PUBLISH with QoS 3', publishBytes(Buffer.from('a'), 0x36), 0x81, '[MQTT-3.3.1-4]'],
  [5, 'a PUBLISH with QoS 3', publishBytes(Buffer.from('a'), 0x36, 5), 0x81, '[MQTT-3.3.1-4]'],
  [4, 'a wildcard in a PUBLISH topic', publishBytes(Buffer.from('a/+')), 0x82, '[MQTT-3.3.2-2]'],
  [5, 'a wildcard in a PUBLISH topic', publishBytes(Buffer.from('a/#'), 0x30, 5), 0x82, '[MQTT-3.3.2-2]'],
  [4, 'ill-formed UTF-8 in a PUBLISH topic', publishBytes(Buffer.from([0x61, 0xc3, 0x28])), 0x81, '[MQTT-1.5.3-1]'],
  [5, 'ill-formed UTF-8 in a PUBLISH topic', publishBytes(Buffer.from([0xed, 0xa0, 0x80]), 0x30, 5), 0x81, '[MQTT-1.5.4-1]'],
  [4, 'ill-formed UTF-8 in a SUBSCRIBE filter', Buffer.from([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0xff, 0x00]), 0x81, '[MQTT-1.5.3-1]'],
  [5, 'ill-formed UTF-8 in a SUBSCRIBE filter', Buffer.from([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0xff, 0x00]), 0x81, '[MQTT-1.5.4-1]'],
  [4, 'SUBSCRIBE with reserved header flags 0000', Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]), 0x81, '[MQTT-3.8.1-1]'],
  [5, 'PUBREL with reserved header flags 0000', Buffer.from([0x60, 0x02, 0x00, 0x01]), 0x81, '[MQTT-3.6.1-1]'],
  [4, 'a packet of reserved type 0', Buffer.from([0x00, 0x00]), 0x81, '[MQTT 3.1.1 §2.2.1]'],
  [5, 'a PUBLISH with an empty topic and no alias', publishBytes(Buffer.alloc(0), 0x30, 5), 0x82, '[MQTT 5.0 §3.3.2.1]'],
  [4, 'U+0000 in a PUBLISH topic', publishBytes(Buffer.from('a\u0000b')), 0x81, '[MQTT-4.7.3-2]'],
  [5, 'U+0000 in a PUBLISH topic', publishBytes(Buffer.from('a\u0000b'), 0x30, 5), 0x81, '[MQTT-4.7.3-2]'],
  [5, 'a control character in a PUBLISH topic', publishBytes(Buffer.from('a\u0007b'), 0x30, 5), 0x81, '[MQTT 5.0 §1.5.4]'],
  [4, 'a QoS 1 PUBLISH with packet identifier 0', Buffer.from([0x32, 0x06, 0x00, 0x01, 0x61, 0x00, 0x00, 0x78]), 0x82, '[MQTT-2.3.1-1]'],
  [5, 'a QoS 1 PUBLISH with packet identifier 0', Buffer.from([0x32, 0x07, 0x00, 0x01, 0x61, 0x00, 0x00, 0x00, 0x78]), 0x82, '[MQTT-2.2.1-3]'],
  [5, 'a client-to-server PUBLISH with a Subscription Identifier', Buffer.from([0x30, 0x07, 0x00, 0x01, 0x61, 0x02, 0x0b, 0x01, 0x78]), 0x82, '[MQTT-3.3.4-6]'],
  [5, 'a PUBLISH whose Content Type runs past the packet (found by the fuzzer)', Buffer.from([0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x03, 0x00, 0x05]), 0x81, '[MQTT 5.0 §3.3]'],
  [5, 'a Topic Alias in a PUBACK', Buffer.from([0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01]), 0x81, '[MQTT 5.0 §2.2.2.2]'],
  [5, 'a Subscription Identifier in an UNSUBSCRIBE', Buffer.from([0xa2, 0x08, 0x00, 0x01, 0x02, 0x0b, 0x01, 0x00, 0x01, 0x61]), 0x81, '[MQTT 5.0 §2.2.2.2]'],
  [5, 'a SUBACK sent to the server', Buffer.from([0x90, 0x04, 0x00, 0x01, 0x00, 0x00]), 0x82, '[MQTT 5.0 §2.1.2]'],
  [4, 'a PINGREQ with a byte after it', Buffer.from([0xc0, 0x01, 0x00]), 0x81, '[MQTT 3.1.1 §3.12]'],
];

describe('malformed input closes only that connection', () => {
  it.each(cases)('v%i: %s', async (version, what, bytes, reason, rule) => {
    const clientId = `bad-${version}-${what.replace(/\W+/g, '-')}`.slice(0, 60);
    const c = await raw(clientId, version);
    const lines: string[] = [];
    const off = running.broker.events.on('log', (e) => e.clientId === clientId && lines.push(e.message));
    const before = c.bytes().length; // the CONNACK
    c.write(bytes);
    await c.waitClosed();
    off();
    if (version === 5) {
      expect(c.packets).toEqual([expect.objectContaining({ cmd: 'disconnect', reasonCode: reason, properties: { reasonString: expect.stringContaining(rule) } })]);
      const disconnect = c.bytes().subarray(before);
      const body = disconnect[1]! & 0x80 ? 3 : 2; // a long Reason String takes a 2-byte Remaining Length
      expect([disconnect[0], disconnect[body]]).toEqual([0xe0, reason]); // type, reason code
      expect(c.packets[0]).toMatchObject({ properties: { reasonString: expect.stringMatching(/^\[/) } });
    } else {
      expect(c.bytes().length).toBe(before); // 3.x has no DISCONNECT from the server: just the close, not a byte more
    }
    // The log line and the panel's violation list name the same rule.
    expect(lines.join('\n')).toContain(`protocol violation: ${rule}`);
    expect(running.broker.violations().at(-1)).toMatchObject({ clientId, rule: rule.startsWith('[MQTT-') ? rule : expect.stringContaining('§'), hex: bytes.subarray(0, 65536).toString('hex') });
  });

  it('v5: answers a packet above the Maximum Packet Size with DISCONNECT 0x95 and a Reason String', async () => {
    const c = await raw('bad-5-too-large', 5);
    c.write(Buffer.concat([Buffer.from([0x30, 0x80, 0x10]), Buffer.alloc(16)])); // 2051 bytes announced, limit 1024
    await c.waitClosed();
    expect(c.packets).toEqual([expect.objectContaining({ cmd: 'disconnect', reasonCode: 0x95, properties: { reasonString: '[MQTT-3.2.2-15] packet of 2051 bytes exceeds the 1024 byte limit' } })]);
    const bytes = c.bytes();
    const disconnect = bytes.subarray(bytes[1]! + 2); // after the CONNACK
    expect([disconnect[0], disconnect[2], disconnect[4]]).toEqual([0xe0, 0x95, 0x1f]); // type, reason code, Reason String property
  });

  it('publishes the will of a client closed for a protocol error', async () => {
    const c = await RawClient.connected(running.port, 'bad-with-will', 4, { will: { topic: 'ok/will', payload: Buffer.from('broke'), qos: 1, retain: false } });
    raws.push(c);
    c.write(publishBytes(Buffer.from('a/#')));
    await c.waitClosed();
    const got = await inbox.waitFor(sent + 1);
    expect(got.at(-1)!.payload).toBe('broke');
    sent++;
  });
});
