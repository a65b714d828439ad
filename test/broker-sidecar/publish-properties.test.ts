import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, publishOn, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const raws: RawClient[] = [];
const clients: MqttClient[] = [];

async function raw(clientId: string, version: 4 | 5 = 5): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version);
  raws.push(c);
  return c;
}

function str(text: string): Buffer {
  const b = Buffer.from(text);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** One User Property entry as on the wire: 0x26, key, value. */
function userProperty(key: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x26]), str(key), str(value)]);
}

/** A 5.0 PUBLISH built by hand, so the property order is exactly ours. */
function publishBytes(topic: string, qos: 0 | 1, properties: Buffer, payload: Buffer, retain = false): Buffer {
  const body = Buffer.concat([str(topic), qos > 0 ? Buffer.from([0, 1]) : Buffer.alloc(0), Buffer.from([properties.length]), properties, payload]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1) | (retain ? 1 : 0), body.length]), body]);
}

/** The raw User Property entries of the last PUBLISH a raw client received. */
function lastUserProperties(c: RawClient): Buffer {
  const bytes = c.bytes();
  // Walk the stream packet by packet to find the last PUBLISH (all are small: 1-byte lengths).
  let at = 0;
  let last = -1;
  while (at < bytes.length) {
    if (bytes[at]! >> 4 === 3) last = at;
    at += 2 + bytes[at + 1]!;
  }
  const qos = (bytes[last]! >> 1) & 3;
  let pos = last + 2;
  pos += 2 + bytes.readUInt16BE(pos);
  if (qos > 0) pos += 2;
  const end = pos + 1 + bytes[pos]!;
  const entries: Buffer[] = [];
  for (let p = pos + 1; p < end; ) {
    const id = bytes[p]!;
    if (id !== 0x26) throw new Error(`unexpected property ${id}`);
    const keyLength = bytes.readUInt16BE(p + 1);
    const valueLength = bytes.readUInt16BE(p + 3 + keyLength);
    const size = 5 + keyLength + valueLength;
    entries.push(bytes.subarray(p, p + size));
    p += size;
  }
  return Buffer.concat(entries);
}

beforeAll(async () => {
  running = await startBroker();
});
afterEach(async () => {
  for (const c of raws.splice(0)) c.destroy();
  await endAll(...clients.splice(0));
});
afterAll(async () => {
  await running.stop();
});

describe('User Properties', () => {
  const interleaved = Buffer.concat([userProperty('a', '1'), userProperty('b', '2'), userProperty('a', '3'), userProperty('2', 'x'), userProperty('1', 'y')]);

  it('forwards repeated and numeric keys in their original interleaved order', async () => {
    const sub = await raw('up-sub');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'up/#', qos: 1 }] });
    await sub.next();
    const pub = await raw('up-pub');
    pub.write(publishBytes('up/x', 1, interleaved, Buffer.from('hi')));
    const got = (await sub.next()) as IPublishPacket;
    expect(got.payload.toString()).toBe('hi');
    // On the wire: mqtt-packet's decoded object groups repeated keys and cannot show the order.
    expect(lastUserProperties(sub)).toEqual(interleaved);
  });

  it('keeps the order in a retained message', async () => {
    const pub = await raw('up-ret-pub');
    pub.write(publishBytes('upr/x', 1, interleaved, Buffer.from('kept'), true));
    await pub.next();
    const sub = await raw('up-ret-sub');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'upr/#', qos: 0 }] });
    await sub.next();
    expect((await sub.next()) as IPublishPacket).toMatchObject({ retain: true, payload: Buffer.from('kept') });
    expect(lastUserProperties(sub)).toEqual(interleaved);
  });

  it('keeps the order in a will message too', async () => {
    const sub = await raw('up-will-sub');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'upw/#', qos: 0 }] });
    await sub.next();
    const willProps = Buffer.concat([Buffer.from([0x18, 0, 0, 0, 0]), interleaved]); // Will Delay 0, then the user properties
    const body = Buffer.concat([str('MQTT'), Buffer.from([5, 0x06, 0, 10, 0]), str('up-will'), Buffer.from([willProps.length]), willProps, str('upw/gone'), str('bye')]);
    const c = await RawClient.open(running.port, 5);
    raws.push(c);
    c.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    expect(await c.next()).toMatchObject({ cmd: 'connack', reasonCode: 0 });
    c.destroy(); // no DISCONNECT: the will is published
    expect((await sub.next()) as IPublishPacket).toMatchObject({ topic: 'upw/gone', payload: Buffer.from('bye') });
    expect(lastUserProperties(sub)).toEqual(interleaved);
  });

  it('drops User Properties for 3.1.1 subscribers, which have no properties', async () => {
    const sub = await raw('up-v4', 4);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'up4/#', qos: 0 }] });
    await sub.next();
    const pub = await raw('up-v4-pub');
    pub.write(publishBytes('up4/x', 0, interleaved, Buffer.from('p')));
    await sub.next();
    expect(sub.bytes().subarray(-10)).toEqual(Buffer.from([0x30, 0x08, 0x00, 0x05, ...Buffer.from('up4/x'), 0x70]));
  });
});

describe('Payload Format Indicator', () => {
  const pfi = Buffer.from([0x01, 0x01]);
  const invalid = Buffer.from([0x61, 0xc3, 0x28]);

  it.each([
    [1, 'puback'],
    [2, 'pubrec'],
  ] as const)('answers QoS %i with invalid UTF-8 under PFI 1 by %s 0x99 and does not route it', async (qos, ack) => {
    const sub = await raw(`pfi-sub-${qos}`);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `pfi${qos}/#`, qos: 2 }] });
    await sub.next();
    const pub = await raw(`pfi-pub-${qos}`);
    pub.send({ cmd: 'publish', topic: `pfi${qos}/x`, payload: invalid, qos, messageId: 3, dup: false, retain: false, properties: { payloadFormatIndicator: true } });
    expect(await pub.next()).toMatchObject({ cmd: ack, messageId: 3, reasonCode: 0x99, properties: { reasonString: 'payload is not valid UTF-8 but its Payload Format Indicator is 1' } });
    // Routing happens before the acknowledgement; the marker proves nothing was routed before it.
    pub.send({ cmd: 'publish', topic: `pfi${qos}/end`, payload: Buffer.from('marker'), qos: 0, dup: false, retain: false });
    expect(await sub.until(publishOn(`pfi${qos}/end`))).toEqual([]);
  });

  it('answers QoS 0 with invalid UTF-8 under PFI 1 by DISCONNECT 0x99', async () => {
    const pub = await raw('pfi-pub-0');
    pub.write(publishBytes('pfi0/x', 0, pfi, invalid));
    expect(await pub.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x99 });
    await pub.waitClosed();
  });

  it('forwards PFI 1 with valid UTF-8, and any bytes under PFI 0, unchanged', async () => {
    const sub = await raw('pfi-ok-sub');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pfiok/#', qos: 0 }] });
    await sub.next();
    const pub = await raw('pfi-ok-pub');
    pub.write(publishBytes('pfiok/a', 0, pfi, Buffer.from('żółw')));
    pub.write(publishBytes('pfiok/b', 0, Buffer.from([0x01, 0x00]), invalid));
    const got = [(await sub.next()) as IPublishPacket, (await sub.next()) as IPublishPacket];
    expect(got.map((p) => [p.topic, p.payload, p.properties?.payloadFormatIndicator])).toEqual([
      ['pfiok/a', Buffer.from('żółw'), true],
      ['pfiok/b', invalid, false],
    ]);
  });
});

describe('acknowledgements', () => {
  it('acknowledges a successful 5.0 QoS 1 and 2 PUBLISH in the short form, without Reason Code and properties', async () => {
    const c = await raw('short-acks');
    c.send({ cmd: 'publish', topic: 'ack/x', payload: Buffer.from('x'), qos: 1, messageId: 0x0102, dup: false, retain: false });
    await c.next();
    c.send({ cmd: 'publish', topic: 'ack/x', payload: Buffer.from('x'), qos: 2, messageId: 0x0103, dup: false, retain: false });
    await c.next();
    c.send({ cmd: 'pubrel', messageId: 0x0103 });
    await c.next();
    expect(c.bytes().subarray(-12)).toEqual(Buffer.from([0x40, 0x02, 0x01, 0x02, 0x50, 0x02, 0x01, 0x03, 0x70, 0x02, 0x01, 0x03]));
  });
});

describe('request/response and content properties', () => {
  it('forwards Response Topic, Correlation Data and Content Type unchanged, between MQTT.js clients', async () => {
    const responder = await mqttClient(running.port, { clientId: 'rr-responder', protocolVersion: 5 });
    const requester = await mqttClient(running.port, { clientId: 'rr-requester', protocolVersion: 5 });
    clients.push(responder, requester);
    const requests = collect(responder);
    const replies = collect(requester);
    await responder.subscribeAsync('rr/request', { qos: 1 });
    await requester.subscribeAsync('rr/reply/+', { qos: 1 });
    const correlationData = Buffer.from([0x00, 0xff, 0x10]);
    await requester.publishAsync('rr/request', '{"q":1}', { qos: 1, properties: { responseTopic: 'rr/reply/me', correlationData, contentType: 'application/json' } });
    const [request] = await requests.waitFor(1);
    expect(request!.packet.properties).toMatchObject({ responseTopic: 'rr/reply/me', correlationData, contentType: 'application/json' });
    const p = request!.packet.properties!;
    await responder.publishAsync(p.responseTopic!, 'answer', { qos: 1, properties: { correlationData: p.correlationData } });
    const [reply] = await replies.waitFor(1);
    expect([reply!.topic, reply!.payload, reply!.packet.properties?.correlationData]).toEqual(['rr/reply/me', 'answer', correlationData]);
  });

  it('refuses a Response Topic with wildcards with DISCONNECT 0x82', async () => {
    const c = await raw('rr-wild');
    c.send({ cmd: 'publish', topic: 'rr/x', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { responseTopic: 'rr/+' } });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
  });
});
