/** PUBLISH as a server receives it (3.1.1 §3.3, 4.3, 4.7; 5.0 §3.3, 4.3, 4.7), and what it does with it. */

import type { ConformanceCase, Expected } from './driver';
import { ack, codePoint, CONTROL_CHARACTERS, hex, ILL_FORMED_UTF8, NONCHARACTERS, packet, prop, props, publish, str, subscribe, suback, u16, type Version } from './frames';
import { breaks, connected, hello, accepted, ns, refused, rule, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82, alias: 0x94, payloadFormat: 0x99, qos: 0x9b, retain: 0x9a, receiveMax: 0x93, tooLarge: 0x95 } as const;

function headerAndTopic(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  out.push(breaks(version, ns(), 'a PUBLISH with both QoS bits set', 'MQTT-3.3.1-4', RC.malformed, [publish(version, { topic: 't', first: 0x36, id: 1 })]));
  out.push(breaks(version, ns(), 'a PUBLISH with QoS 3 and RETAIN', 'MQTT-3.3.1-4', RC.malformed, [publish(version, { topic: 't', first: 0x37, id: 1 })]));
  out.push(breaks(version, ns(), 'DUP set on a QoS 0 PUBLISH', 'MQTT-3.3.1-2', RC.malformed, [publish(version, { topic: 't', first: 0x38 })]));
  out.push(breaks(version, ns(), 'DUP and RETAIN set on a QoS 0 PUBLISH', 'MQTT-3.3.1-2', RC.malformed, [publish(version, { topic: 't', first: 0x39 })]));
  for (const qos of [1, 2]) {
    const id = ns();
    out.push(breaks(version, id, `Packet Identifier 0 on a QoS ${qos} PUBLISH`, rule(version, 'MQTT-2.3.1-1', 'MQTT-2.2.1-3'), RC.protocol, [publish(version, { topic: `${id}/t`, qos, id: 0 })]));
  }
  for (const topic of ['a/+', 'a/#', '+', '#', 'a+b', 'a/b#', '+/a']) {
    const id = ns();
    out.push(breaks(version, id, `the Topic Name '${topic}' (a wildcard)`, 'MQTT-3.3.2-2', RC.protocol, [publish(version, { topic: `${id}/${topic}` })]));
  }
  const empty = ns();
  out.push(version === 5 ? breaks(5, empty, 'an empty Topic Name without a Topic Alias', '§3.3.2.1', RC.protocol, [publish(5, { topic: '' })]) : breaks(version, empty, 'an empty Topic Name', 'MQTT-4.7.3-1', RC.protocol, [publish(version, { topic: '' })]));
  for (const [what, bad] of ILL_FORMED_UTF8) {
    const id = ns();
    out.push(connected(version, id, `a Topic Name with ${what}`, [rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1'), 'MQTT-3.3.2-1'], [publish(version, { topic: Buffer.concat([Buffer.from(`${id}/`), bad]) })], refused(version, false, RC.malformed, rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1')), 'closed'));
  }
  out.push(breaks(version, ns(), 'a Topic Name with U+0000', 'MQTT-4.7.3-2', RC.malformed, [publish(version, { topic: 'a\u0000b' })]));
  for (const cp of CONTROL_CHARACTERS) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(breaks(version, ns(), `a Topic Name with the control character ${label}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, [publish(version, { topic: Buffer.concat([Buffer.from('t/'), codePoint(cp)]) })]));
  }
  for (const cp of NONCHARACTERS) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(breaks(version, ns(), `a Topic Name with the noncharacter ${label}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, [publish(version, { topic: Buffer.concat([Buffer.from('t/'), codePoint(cp)]) })]));
  }
  // Under allow_control_characters they are delivered unaltered [MQTT-4.7.3-4].
  for (const cp of [0x01, 0x0a, 0x1b, 0x7f, 0x85, 0xfffe]) {
    const id = ns();
    const topic = Buffer.concat([Buffer.from(`${id}/`), codePoint(cp)]);
    out.push(connected(version, id, `a Topic Name with U+${cp.toString(16).toUpperCase()} under allow_control_characters, delivered unaltered`, ['MQTT-4.7.3-4'], [subscribe(version, 1, [[topic, 0]]), publish(version, { topic, payload: 'c' })], [hex(suback(version, 1, [0])), hex(publish(version, { topic, payload: 'c' }))], 'open', { broker: 'controls' }));
  }
  // Strings the broker must take as they are: beyond ASCII, a BOM [MQTT-1.5.3-3], the longest topic [MQTT-4.7.3-3].
  for (const text of ['température', '日本/東京', 'emoji/😀', '\ufeffbom']) {
    const id = ns();
    const topic = `${id}/${text}`;
    out.push(connected(version, id, `the Topic Name '${text}' is delivered byte for byte`, [rule(version, 'MQTT-1.5.3-3', 'MQTT-1.5.4-3'), 'MQTT-4.7.3-4', 'MQTT-3.3.2-1'], [subscribe(version, 1, [[topic, 0]]), publish(version, { topic, payload: 'p' })], [hex(suback(version, 1, [0])), hex(publish(version, { topic, payload: 'p' }))], 'open'));
  }
  const long = ns();
  const longTopic = `${long}/`.padEnd(65535, 'x');
  out.push(connected(version, long, 'a Topic Name of 65,535 bytes is accepted', ['MQTT-4.7.3-3'], [subscribe(version, 1, [[longTopic, 0]]), publish(version, { topic: longTopic, payload: 'l' })], [hex(suback(version, 1, [0])), hex(publish(version, { topic: longTopic, payload: 'l' }))], 'open'));
  return out;
}

/** QoS 0/1/2 from a client: the responses and the deliveries (§4.3). */
function flows(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const deliver = (id: string): { sub: Buffer; suback: string; topic: string } => ({ topic: `${id}/t`, sub: subscribe(version, 1, [[`${id}/t`, 2]]), suback: hex(suback(version, 1, [2])) });
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 0: delivered, no answer', ['MQTT-3.3.4-1', 'MQTT-4.5.0-1', 'MQTT-3.3.2-3', rule(version, 'MQTT-4.3.1-1', 'MQTT-4.3.1-1')], [d.sub, publish(version, { topic: d.topic, payload: 'zero' })], [d.suback, hex(publish(version, { topic: d.topic, payload: 'zero' }))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 1: delivered, then PUBACK with its identifier', ['MQTT-3.3.4-1', rule(version, 'MQTT-4.3.2-2', 'MQTT-4.3.2-4'), rule(version, 'MQTT-2.3.1-6', 'MQTT-2.2.1-5')], [d.sub, publish(version, { topic: d.topic, qos: 1, id: 0x1234, payload: 'one' })], [d.suback, hex(publish(version, { topic: d.topic, qos: 1, id: 1, payload: 'one' })), hex(ack(4, 0x1234))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 1 with the same identifier twice: two messages, two PUBACKs', [rule(version, 'MQTT-4.3.2-2', 'MQTT-4.3.2-5')], [d.sub, publish(version, { topic: d.topic, qos: 1, id: 7, payload: 'a' }), publish(version, { topic: d.topic, qos: 1, id: 7, dup: true, payload: 'b' })], [d.suback, hex(publish(version, { topic: d.topic, qos: 1, id: 1, payload: 'a' })), hex(ack(4, 7)), hex(publish(version, { topic: d.topic, qos: 1, id: 2, payload: 'b' })), hex(ack(4, 7))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 2: delivered once, PUBREC, then PUBCOMP for PUBREL', ['MQTT-3.3.4-1', rule(version, 'MQTT-4.3.3-2', 'MQTT-4.3.3-8'), rule(version, 'MQTT-4.3.3-2', 'MQTT-4.3.3-11')], [d.sub, publish(version, { topic: d.topic, qos: 2, id: 9, payload: 'two' }), ack(6, 9)], [d.suback, hex(publish(version, { topic: d.topic, qos: 2, id: 1, payload: 'two' })), hex(ack(5, 9)), hex(ack(7, 9))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 2 resent before PUBREL: PUBREC again, not delivered twice', [rule(version, 'MQTT-4.3.3-2', 'MQTT-4.3.3-10'), rule(version, 'MQTT-3.3.1-1', 'MQTT-3.3.1-1')], [d.sub, publish(version, { topic: d.topic, qos: 2, id: 9, payload: 'once' }), publish(version, { topic: d.topic, qos: 2, id: 9, dup: true, payload: 'once' })], [d.suback, hex(publish(version, { topic: d.topic, qos: 2, id: 1, payload: 'once' })), hex(ack(5, 9)), hex(ack(5, 9))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'QoS 2 with the identifier of a completed exchange is a new message', [rule(version, 'MQTT-4.3.3-2', 'MQTT-4.3.3-12')], [d.sub, publish(version, { topic: d.topic, qos: 2, id: 9, payload: 'a' }), ack(6, 9), publish(version, { topic: d.topic, qos: 2, id: 9, payload: 'b' })], [d.suback, hex(publish(version, { topic: d.topic, qos: 2, id: 1, payload: 'a' })), hex(ack(5, 9)), hex(ack(7, 9)), hex(publish(version, { topic: d.topic, qos: 2, id: 2, payload: 'b' })), hex(ack(5, 9))], 'open'));
  }
  {
    const id = ns();
    const d = deliver(id);
    out.push(connected(version, id, 'a DUP QoS 1 PUBLISH is delivered with DUP 0', [rule(version, 'MQTT-3.3.1-3', 'MQTT-3.3.1-3'), 'MQTT-3.3.1-1'], [d.sub, publish(version, { topic: d.topic, qos: 1, id: 3, dup: true, payload: 'd' })], [d.suback, hex(publish(version, { topic: d.topic, qos: 1, id: 1, payload: 'd' })), hex(ack(4, 3))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/o`;
    const payloads = ['1', '2', '3', '4', '5'];
    out.push(connected(version, id, 'messages on one topic are delivered in the order received', ['MQTT-4.6.0-5', 'MQTT-4.6.0-6'], [subscribe(version, 1, [[topic, 1]]), ...payloads.map((p, i) => publish(version, { topic, qos: 1, id: 10 + i, payload: p }))], [hex(suback(version, 1, [1])), ...payloads.flatMap((p, i) => [hex(publish(version, { topic, qos: 1, id: 1 + i, payload: p })), hex(ack(4, 10 + i))])], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/q`;
    out.push(connected(version, id, 'a QoS 0 PUBLISH has no Packet Identifier: the bytes after the topic are payload', [rule(version, 'MQTT-2.3.1-5', 'MQTT-2.2.1-2')], [subscribe(version, 1, [[topic, 1]]), packet(0x30, str(topic), version === 5 ? props() : Buffer.alloc(0), u16(0x0102))], [hex(suback(version, 1, [1])), hex(packet(0x30, str(topic), version === 5 ? props() : Buffer.alloc(0), u16(0x0102)))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/m`;
    // The delivery QoS is the lower of publish and subscription [MQTT-3.8.4-6] (5.0: [MQTT-3.8.4-8]).
    out.push(connected(version, id, 'a QoS 2 message to a QoS 1 subscription is delivered at QoS 1', [rule(version, 'MQTT-3.8.4-6', 'MQTT-3.8.4-8')], [subscribe(version, 1, [[topic, 1]]), publish(version, { topic, qos: 2, id: 4, payload: 'm' })], [hex(suback(version, 1, [1])), hex(publish(version, { topic, qos: 1, id: 1, payload: 'm' })), hex(ack(5, 4))], 'open'));
  }
  {
    const id = ns();
    const topic = `$SYS/${id}`;
    // Not allowed to publish there: 3.1.1 acknowledges and drops [MQTT-3.3.5-2]; 5.0 says 0x87 in the PUBACK.
    const answer = version === 5 ? { says: 'PUBACK 0x87 (Not authorized)', test: (f: Buffer) => f[0] === 0x40 && f[4] === 0x87 } : hex(ack(4, 2));
    out.push(connected(version, id, 'a PUBLISH to $SYS is not accepted', [rule(version, 'MQTT-3.3.5-2', 'MQTT-3.4.2-1')], [publish(version, { topic, qos: 1, id: 2, payload: 'x' })], [answer], 'open'));
  }
  return out;
}

/** Retained messages (3.1.1 §3.3.1.3, 5.0 §3.3.1.3). */
function retained(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const v5 = version === 5;
  {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(version, id, 'a retained message is stored and sent, RETAIN 1, to a new subscription', v5 ? ['MQTT-3.3.1-5', 'MQTT-3.3.1-9'] : ['MQTT-3.3.1-5', 'MQTT-3.3.1-6', 'MQTT-3.3.1-8'], [publish(version, { topic, retain: true, payload: 'kept' }), subscribe(version, 1, [[topic, 0]])], [hex(suback(version, 1, [0])), hex(publish(version, { topic, retain: true, payload: 'kept' }))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(version, id, 'a second retained message replaces the first', v5 ? ['MQTT-3.3.1-5'] : ['MQTT-3.3.1-5', 'MQTT-3.3.1-7'], [publish(version, { topic, retain: true, payload: 'old' }), publish(version, { topic, retain: true, payload: 'new' }), subscribe(version, 1, [[topic, 0]])], [hex(suback(version, 1, [0])), hex(publish(version, { topic, retain: true, payload: 'new' }))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(version, id, 'an empty retained message removes the retained one and is not stored', v5 ? ['MQTT-3.3.1-6', 'MQTT-3.3.1-7'] : ['MQTT-3.3.1-10', 'MQTT-3.3.1-11'], [publish(version, { topic, retain: true, payload: 'old' }), publish(version, { topic, retain: true }), subscribe(version, 1, [[topic, 0]])], [hex(suback(version, 1, [0]))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(version, id, 'RETAIN 0 neither stores nor removes the retained message', v5 ? ['MQTT-3.3.1-8'] : ['MQTT-3.3.1-12'], [publish(version, { topic, retain: true, payload: 'kept' }), publish(version, { topic, payload: 'passing' }), subscribe(version, 1, [[topic, 0]])], [hex(suback(version, 1, [0])), hex(publish(version, { topic, retain: true, payload: 'kept' }))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(version, id, 'a retained message to an existing subscription is forwarded with RETAIN 0', v5 ? ['MQTT-3.3.1-12'] : ['MQTT-3.3.1-9'], [subscribe(version, 1, [[topic, 0]]), publish(version, { topic, retain: true, payload: 'live' })], [hex(suback(version, 1, [0])), hex(publish(version, { topic, payload: 'live' }))], 'open'));
  }
  if (v5) {
    const id = ns();
    const topic = `${id}/r`;
    out.push(connected(5, id, 'Retain As Published keeps RETAIN 1 on forwarding', ['MQTT-3.3.1-13'], [subscribe(5, 1, [[topic, 0x08]]), publish(5, { topic, retain: true, payload: 'rap' })], [hex(suback(5, 1, [0])), hex(publish(5, { topic, retain: true, payload: 'rap' }))], 'open'));
  }
  return out;
}

/** 5.0 PUBLISH properties. */
function properties5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const allowed: Array<[number, Buffer]> = [
    [0x01, prop.byte(0x01, 0)],
    [0x02, prop.u32(0x02, 3600)],
    [0x03, prop.str(0x03, 'text/plain')],
    [0x08, prop.str(0x08, 'reply/here')],
    [0x09, prop.bin(0x09, Buffer.from([1, 2, 3]))],
    [0x23, prop.u16(0x23, 1)],
    [0x26, prop.pair(0x26, 'k', 'v')],
  ];
  for (const [pid, entry] of allowed) {
    const id = ns();
    out.push(connected(5, id, `PUBLISH property 0x${pid.toString(16).padStart(2, '0')} is accepted`, ['§2.2.2.2', 'MQTT-3.3.2-12'], [publish(5, { topic: `${id}/p`, qos: 1, id: 1, properties: props(entry) })], [hex(ack(4, 1))], 'open'));
    if (pid !== 0x26) out.push(breaks(5, ns(), `PUBLISH property 0x${pid.toString(16).padStart(2, '0')} twice`, '§2.2.2.2', RC.protocol, [publish(5, { topic: 't', properties: props(entry, entry) })]));
  }
  for (const pid of [0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1c, 0x1f, 0x21, 0x22, 0x24, 0x25, 0x27, 0x28, 0x29, 0x2a]) {
    const entry = sample(pid);
    out.push(breaks(5, ns(), `PUBLISH property 0x${pid.toString(16).padStart(2, '0')}, which PUBLISH may not carry`, '§2.2.2.2', RC.malformed, [publish(5, { topic: 't', properties: props(entry) })]));
  }
  out.push(breaks(5, ns(), 'a Subscription Identifier in a PUBLISH from a client', 'MQTT-3.3.4-6', RC.protocol, [publish(5, { topic: 't', properties: props(prop.vbi(0x0b, 1)) })]));
  out.push(breaks(5, ns(), 'Topic Alias 0', 'MQTT-3.3.2-8', RC.alias, [publish(5, { topic: 't', properties: props(prop.u16(0x23, 0)) })]));
  out.push(breaks(5, ns(), 'a Topic Alias above the Topic Alias Maximum (10)', 'MQTT-3.3.2-9', RC.alias, [publish(5, { topic: 't', properties: props(prop.u16(0x23, 11)) })], {}));
  out.push(breaks(5, ns(), 'a Topic Alias above the Topic Alias Maximum of 2 (broker limits)', 'MQTT-3.3.2-9', RC.alias, [publish(5, { topic: 't', properties: props(prop.u16(0x23, 3)) })], { broker: 'limits' }));
  out.push({ ...breaks(5, ns(), 'a Topic Alias used before it was set', '§3.3.2.3.4', RC.protocol, [publish(5, { topic: '', properties: props(prop.u16(0x23, 2)) })]) });
  {
    const id = ns();
    const topic = `${id}/alias`;
    out.push(connected(5, id, 'a Topic Alias set, then used with an empty Topic Name: delivered with the full topic', ['MQTT-3.3.2-12', 'MQTT-3.2.2-17'], [subscribe(5, 1, [[topic, 0]]), publish(5, { topic, properties: props(prop.u16(0x23, 4)), payload: 'a' }), publish(5, { topic: '', properties: props(prop.u16(0x23, 4)), payload: 'b' })], [hex(suback(5, 1, [0])), hex(publish(5, { topic, payload: 'a' })), hex(publish(5, { topic, payload: 'b' }))], 'open'));
  }
  {
    const id = ns();
    out.push({
      name: 'Topic Aliases do not carry over to a new connection',
      version: 5,
      rules: ['MQTT-3.3.2-7'],
      connections: [
        { send: [hello(5, id), hex(publish(5, { topic: `${id}/a`, properties: props(prop.u16(0x23, 1)) }))], expect: [accepted(5)], then: 'open' },
        { send: [hello(5, id), hex(publish(5, { topic: '', properties: props(prop.u16(0x23, 1)) }))], expect: [accepted(5), ...refused(5, false, RC.protocol, '§3.3.2.3.4')], then: 'closed' },
      ],
    });
  }
  out.push(breaks(5, ns(), 'Payload Format Indicator 2', '§3.3.2.3.2', RC.protocol, [publish(5, { topic: 't', properties: props(prop.byte(0x01, 2)) })]));
  out.push(breaks(5, ns(), 'a QoS 0 payload that is not the UTF-8 its Payload Format Indicator promises', '§3.3.2.3.2', RC.payloadFormat, [publish(5, { topic: 't', properties: props(prop.byte(0x01, 1)), payload: Buffer.from([0xc3, 0x28]) })]));
  {
    const id = ns();
    out.push(connected(5, id, 'a QoS 1 payload that is not the UTF-8 it promises: PUBACK 0x99', ['§3.3.2.3.2', 'MQTT-3.4.2-1'], [publish(5, { topic: `${id}/u`, qos: 1, id: 5, properties: props(prop.byte(0x01, 1)), payload: Buffer.from([0xff]) })], [{ says: 'PUBACK 0x99 for packet 5', test: (f) => f[0] === 0x40 && f.readUInt16BE(2) === 5 && f[4] === 0x99 }], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/q2`;
    // The broker refused the first (PUBREC 0x99), so the same identifier is a new message [MQTT-4.3.3-9].
    out.push(connected(5, id, 'after a PUBREC of 0x99 the identifier starts a new message', ['MQTT-4.3.3-9', 'MQTT-3.5.2-1'], [subscribe(5, 1, [[topic, 2]]), publish(5, { topic, qos: 2, id: 6, properties: props(prop.byte(0x01, 1)), payload: Buffer.from([0xff]) }), publish(5, { topic, qos: 2, id: 6, payload: 'ok' })], [hex(suback(5, 1, [2])), { says: 'PUBREC 0x99 for packet 6', test: (f) => f[0] === 0x50 && f.readUInt16BE(2) === 6 && f[4] === 0x99 }, hex(publish(5, { topic, qos: 2, id: 1, payload: 'ok' })), hex(ack(5, 6))], 'open'));
  }
  for (const topic of ['r/+', 'r/#', '']) {
    const ruleId = topic === '' ? 'MQTT-4.7.3-1' : 'MQTT-3.3.2-14';
    out.push(breaks(5, ns(), `the Response Topic '${topic}'`, ruleId, RC.protocol, [publish(5, { topic: 't', properties: props(prop.str(0x08, topic)) })], {}));
  }
  out.push(connected(5, ns(), 'a Response Topic that is not UTF-8', ['MQTT-3.3.2-13'], [publish(5, { topic: 't', properties: props(prop.str(0x08, Buffer.from([0xc0, 0xaf]))) })], refused(5, false, RC.malformed, 'MQTT-1.5.4-1'), 'closed'));
  out.push(connected(5, ns(), 'a Content Type that is not UTF-8', ['MQTT-3.3.2-19'], [publish(5, { topic: 't', properties: props(prop.str(0x03, Buffer.from([0xed, 0xa0, 0x80]))) })], refused(5, false, RC.malformed, 'MQTT-1.5.4-1'), 'closed'));
  out.push(connected(5, ns(), 'a User Property value with U+0000', ['MQTT-1.5.7-1'], [publish(5, { topic: 't', properties: props(prop.pair(0x26, 'k', 'a\u0000')) })], refused(5, false, RC.malformed, 'MQTT-1.5.4-2'), 'closed'));
  out.push(breaks(5, ns(), 'a property list running past the packet', '§2.2.2.1', RC.malformed, [packet(0x30, str('t'), Buffer.from([0x05, 0x01]))]));
  // Forwarded unaltered: the properties the publisher set [MQTT-3.3.2-4] [MQTT-3.3.2-15..20].
  {
    const id = ns();
    const topic = `${id}/fwd`;
    const entries = [prop.byte(0x01, 1), prop.str(0x08, 'reply/to'), prop.bin(0x09, Buffer.from([7, 7])), prop.str(0x03, 'application/json')];
    const users = Buffer.concat([prop.pair(0x26, 'b', '2'), prop.pair(0x26, 'a', '1'), prop.pair(0x26, 'b', '3')]);
    const list = props(entries[0]!, entries[1]!, entries[2]!, users, entries[3]!);
    out.push(connected(5, id, 'PUBLISH properties are forwarded unaltered, User Properties in their order', ['MQTT-3.3.2-4', 'MQTT-3.3.2-15', 'MQTT-3.3.2-16', 'MQTT-3.3.2-17', 'MQTT-3.3.2-18', 'MQTT-3.3.2-20'], [subscribe(5, 1, [[topic, 0]]), publish(5, { topic, properties: list, payload: '{}' })], [hex(suback(5, 1, [0])), { says: 'the PUBLISH with all of those properties, User Properties b=2, a=1, b=3 in that order', test: (f) => hasEntries(f, entries, users) }], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/exp`;
    out.push(connected(5, id, 'a Message Expiry Interval is forwarded counted down, never up', ['MQTT-3.3.2-6', 'MQTT-3.3.2-5'], [subscribe(5, 1, [[topic, 0]]), publish(5, { topic, properties: props(prop.u32(0x02, 100)), payload: 'e' })], [hex(suback(5, 1, [0])), { says: 'the PUBLISH with Message Expiry Interval 100 (or 99, a second later)', test: (f) => [100, 99].some((left) => f.equals(publish(5, { topic, properties: props(prop.u32(0x02, left)), payload: 'e' }))) }], 'open'));
  }
  return out;
}

/** Whether a frame carries each property entry, and the User Properties as one run in their order. */
function hasEntries(frame: Buffer, entries: Buffer[], users: Buffer): boolean {
  return frame[0] === 0x30 && entries.every((e) => frame.includes(e)) && frame.includes(users);
}

/** A valid value for any property, by identifier. */
function sample(pid: number): Buffer {
  const byType: Record<number, Buffer> = {
    0x11: prop.u32(0x11, 0),
    0x12: prop.str(0x12, 'x'),
    0x13: prop.u16(0x13, 1),
    0x15: prop.str(0x15, 'm'),
    0x16: prop.bin(0x16, Buffer.from([1])),
    0x17: prop.byte(0x17, 1),
    0x18: prop.u32(0x18, 1),
    0x19: prop.byte(0x19, 1),
    0x1a: prop.str(0x1a, 'i'),
    0x1c: prop.str(0x1c, 's'),
    0x1f: prop.str(0x1f, 'r'),
    0x21: prop.u16(0x21, 1),
    0x22: prop.u16(0x22, 1),
    0x24: prop.byte(0x24, 1),
    0x25: prop.byte(0x25, 1),
    0x27: prop.u32(0x27, 1000),
    0x28: prop.byte(0x28, 1),
    0x29: prop.byte(0x29, 1),
    0x2a: prop.byte(0x2a, 1),
  };
  return byType[pid]!;
}

/** What CONNACK announced (broker 'limits': Maximum QoS 1, no retain, Receive Maximum 2, Maximum Packet Size 1024). */
function limits(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const v5 = version === 5;
  out.push(breaks(version, ns(), 'a QoS 2 PUBLISH above the Maximum QoS 1', v5 ? 'MQTT-3.2.2-11' : 'broker limit', RC.qos, [publish(version, { topic: 't', qos: 2, id: 1 })], { broker: 'limits' }));
  out.push(breaks(version, ns(), 'a retained PUBLISH where retain is not available', v5 ? 'MQTT-3.2.2-14' : 'broker limit', RC.retain, [publish(version, { topic: 't', retain: true })], { broker: 'limits' }));
  const big: Expected[] = refused(version, false, RC.tooLarge, v5 ? 'MQTT-3.2.2-15' : 'broker limit');
  out.push(connected(version, ns(), 'a packet above the Maximum Packet Size of 1024', v5 ? ['MQTT-3.2.2-15'] : [], [publish(version, { topic: 't', payload: Buffer.alloc(1100, 0x61) })], big, 'closed', { broker: 'limits' }));
  if (v5) {
    const q = ns();
    out.push(connected(5, q, 'three QoS 2 PUBLISHes held open where Receive Maximum is 2', ['MQTT-3.3.4-7'], [1, 2, 3].map((n) => publish(5, { topic: `${q}/q`, qos: 2, id: n })), [hex(ack(5, 1)), hex(ack(5, 2)), ...refused(5, false, RC.receiveMax, 'MQTT-3.3.4-7')], 'closed', { broker: 'receive2' }));
  }
  return out;
}

/** Every PUBLISH row. */
export function publishCases(): ConformanceCase[] {
  return [...VERSIONS.flatMap((v) => [...headerAndTopic(v), ...flows(v), ...retained(v), ...limits(v)]), ...properties5()];
}
