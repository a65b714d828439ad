/**
 * CONNECT as a server receives it: 3.1 (§3.1 of IBM's 3.1 spec, as mosquitto reads it),
 * 3.1.1 §3.1 and 5.0 §3.1. Rules cite 3.1.1's numbers for 3.1 and 3.1.1.
 */

import type { ConformanceCase } from './driver';
import {
  bytes,
  CONTROL_CHARACTERS,
  codePoint,
  connack3,
  connect,
  DISCONNECT,
  hex,
  ILL_FORMED_UTF8,
  NONCHARACTERS,
  packet,
  PINGREQ,
  prop,
  props,
  publish,
  str,
  u16,
  type Version,
} from './frames';
import { accepted, acceptsConnect, hello, ns, refused, refusesConnect, reservedType, rule, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82, version: 0x84, clientId: 0x85, topicName: 0x90, payloadFormat: 0x99, tooLarge: 0x95 } as const;

/** A UTF-8 problem in a string field: 5.0 answers 0x81; 3.x closes without CONNACK [MQTT-3.1.4-1]. */
function utf8Rule(version: Version, nul: boolean): string {
  return nul ? rule(version, 'MQTT-1.5.3-2', 'MQTT-1.5.4-2') : rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1');
}

function flagsAndPayload(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const id = (): string => ns();
  const willRule = (v4: string, v5: string): string => rule(version, v4, v5);
  out.push(acceptsConnect(version, 'a plain CONNECT is accepted with CONNACK 0', [rule(version, 'MQTT-3.1.4-4', 'MQTT-3.1.4-5'), 'MQTT-3.2.0-1', rule(version, 'MQTT-3.2.2-1', 'MQTT-3.2.2-2')], connect(version, { clientId: id() })));
  // Reserved flag: 3.1 did not reserve it (mosquitto accepts it), 3.1.1 and 5.0 do.
  const reserved = connect(version, { clientId: id(), flags: 0x03 });
  out.push(version === 3 ? acceptsConnect(3, 'the reserved Connect Flag is not checked in 3.1', ['§3.1'], reserved) : refusesConnect(version, 'the reserved Connect Flag set', 'MQTT-3.1.2-3', RC.malformed, reserved, undefined, ['MQTT-3.1.4-1']));
  for (const qos of [1, 2, 3]) {
    out.push(refusesConnect(version, `Will QoS ${qos} without the Will Flag`, willRule('MQTT-3.1.2-13', 'MQTT-3.1.2-11'), RC.malformed, connect(version, { clientId: id(), flags: 0x02 | (qos << 3) }), undefined, [willRule('MQTT-3.1.2-11', 'MQTT-3.1.2-11')]));
  }
  out.push(refusesConnect(version, 'Will Retain without the Will Flag', willRule('MQTT-3.1.2-15', 'MQTT-3.1.2-13'), RC.malformed, connect(version, { clientId: id(), flags: 0x22 })));
  out.push(refusesConnect(version, 'Will QoS 3 with the Will Flag', willRule('MQTT-3.1.2-14', 'MQTT-3.1.2-12'), RC.malformed, connect(version, { clientId: id(), will: { topic: 'w', payload: Buffer.from('x'), qos: 3 } })));
  for (const qos of [0, 1, 2]) {
    out.push(acceptsConnect(version, `Will QoS ${qos} with the Will Flag`, [willRule('MQTT-3.1.2-14', 'MQTT-3.1.2-12'), 'MQTT-3.1.2-9', willRule('MQTT-3.1.3-10', 'MQTT-3.1.3-11')], connect(version, { clientId: id(), will: { topic: `${id()}/w`, payload: Buffer.from('x'), qos } })));
  }
  // User Name and Password against their flags.
  const passwordAlone = connect(version, { clientId: id(), password: Buffer.from('secret') });
  out.push(version === 5 ? acceptsConnect(5, 'a Password without a User Name (allowed in 5.0)', ['MQTT-3.1.2-19', 'MQTT-3.1.2-16'], passwordAlone) : refusesConnect(version, 'Password Flag set without User Name Flag', 'MQTT-3.1.2-22', RC.malformed, passwordAlone));
  out.push(refusesConnect(version, 'a User Name present with User Name Flag 0', willRule('MQTT-3.1.2-18', 'MQTT-3.1.2-16'), RC.malformed, connect(version, { clientId: id(), extra: str('user') })));
  out.push(refusesConnect(version, 'a User Name and Password present with both flags 0', willRule('MQTT-3.1.2-18', 'MQTT-3.1.2-16'), RC.malformed, connect(version, { clientId: id(), extra: Buffer.concat([str('user'), str('pw')]) }), undefined, [willRule('MQTT-3.1.2-20', 'MQTT-3.1.2-18')]));
  out.push(refusesConnect(version, 'a Password present with Password Flag 0', willRule('MQTT-3.1.2-20', 'MQTT-3.1.2-18'), RC.malformed, connect(version, { clientId: id(), username: 'user', extra: str('pw') })));
  out.push(refusesConnect(version, 'User Name Flag 1 without a User Name', willRule('MQTT-3.1.2-19', 'MQTT-3.1.2-17'), RC.malformed, connect(version, { clientId: id(), flags: 0x82 })));
  out.push(refusesConnect(version, 'Password Flag 1 without a Password', willRule('MQTT-3.1.2-21', 'MQTT-3.1.2-19'), RC.malformed, connect(version, { clientId: id(), flags: 0xc2, username: 'u' })));
  out.push(acceptsConnect(version, 'User Name and Password with both flags', [willRule('MQTT-3.1.2-19', 'MQTT-3.1.2-17'), willRule('MQTT-3.1.2-21', 'MQTT-3.1.2-19'), willRule('MQTT-3.1.3-11', 'MQTT-3.1.3-12'), 'MQTT-3.1.3-1'], connect(version, { clientId: id(), username: 'user', password: Buffer.from('pw') })));
  out.push(refusesConnect(version, 'Will Flag 1 without a Will Topic', 'MQTT-3.1.2-9', RC.malformed, connect(version, { clientId: id(), flags: 0x06, properties: undefined, extra: version === 5 ? props() : Buffer.alloc(0) })));
  out.push(refusesConnect(version, 'Will Flag 1 with a Will Topic but no Will Payload', 'MQTT-3.1.2-9', RC.malformed, connect(version, { clientId: id(), flags: 0x06, extra: Buffer.concat([version === 5 ? props() : Buffer.alloc(0), str('w')]) })));
  out.push(refusesConnect(version, 'the Client Identifier is missing', 'MQTT-3.1.3-3', RC.malformed, packet(0x10, str(version === 3 ? 'MQIsdp' : 'MQTT'), Buffer.from([version, 0x02]), u16(60), version === 5 ? props() : Buffer.alloc(0))));
  out.push(refusesConnect(version, 'an empty field after the last one: a User Name without its flag', willRule('MQTT-3.1.2-18', 'MQTT-3.1.2-16'), RC.malformed, connect(version, { clientId: id(), extra: Buffer.from([0, 0]) })));
  for (const [what, extra] of [
    ['one byte', Buffer.from([0])],
    ['three bytes', Buffer.from([0, 5, 0x61])],
    ['a stray field after the Password', Buffer.concat([str('x'), str('y'), str('z')])],
  ] as const) {
    const base = what.startsWith('a stray') ? { username: 'u', password: Buffer.from('p') } : {};
    const frame = connect(version, { clientId: id(), ...base, extra });
    out.push(refusesConnect(version, `${what} after the last field`, 'MQTT-3.1.4-1', RC.malformed, frame));
  }
  return out;
}

function strings(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const clientIdRule = rule(version, 'MQTT-3.1.3-9', 'MQTT-3.1.3-8');
  for (const [what, bad] of ILL_FORMED_UTF8) {
    out.push(refusesConnect(version, `a Client Identifier with ${what}`, utf8Rule(version, false), RC.malformed, connect(version, { clientId: Buffer.concat([Buffer.from('id'), bad]) }), undefined, ['MQTT-3.1.3-4']));
  }
  for (const [what, bad] of ILL_FORMED_UTF8.slice(0, 4)) {
    out.push(refusesConnect(version, `a User Name with ${what}`, utf8Rule(version, false), RC.malformed, connect(version, { clientId: ns(), username: Buffer.concat([Buffer.from('u'), bad]) }), undefined, [rule(version, 'MQTT-3.1.3-11', 'MQTT-3.1.3-12')]));
    out.push(refusesConnect(version, `a Will Topic with ${what}`, utf8Rule(version, false), RC.malformed, connect(version, { clientId: ns(), will: { topic: Buffer.concat([Buffer.from('w'), bad]), payload: Buffer.from('x') } }), undefined, [rule(version, 'MQTT-3.1.3-10', 'MQTT-3.1.3-11')]));
  }
  out.push(refusesConnect(version, 'a Client Identifier with U+0000', utf8Rule(version, true), RC.malformed, connect(version, { clientId: Buffer.from('id\u0000x') })));
  out.push(refusesConnect(version, 'a User Name with U+0000', utf8Rule(version, true), RC.malformed, connect(version, { clientId: ns(), username: 'us\u0000er' })));
  out.push(refusesConnect(version, 'a Will Topic with U+0000', 'MQTT-4.7.3-2', RC.malformed, connect(version, { clientId: ns(), will: { topic: 'w\u0000', payload: Buffer.from('x') } })));
  // Control characters: refused by default (mosquitto does too); a client ID is "rejected" with its own code.
  const chars = version === 3 ? CONTROL_CHARACTERS.filter((_, i) => i % 8 === 0) : CONTROL_CHARACTERS;
  for (const cp of chars) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(refusesConnect(version, `a Client Identifier with the control character ${label}`, clientIdRule, RC.clientId, connect(version, { clientId: Buffer.concat([Buffer.from('c'), codePoint(cp)]) }), 0x02));
  }
  for (const cp of CONTROL_CHARACTERS.filter((_, i) => i % 6 === 0)) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(refusesConnect(version, `a User Name with the control character ${label}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, connect(version, { clientId: ns(), username: Buffer.concat([Buffer.from('u'), codePoint(cp)]) })));
    out.push(refusesConnect(version, `a Will Topic with the control character ${label}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, connect(version, { clientId: ns(), will: { topic: Buffer.concat([Buffer.from('w'), codePoint(cp)]), payload: Buffer.from('x') } })));
  }
  for (const cp of NONCHARACTERS) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(refusesConnect(version, `a Client Identifier with the noncharacter ${label}`, clientIdRule, RC.clientId, connect(version, { clientId: Buffer.concat([Buffer.from('n'), codePoint(cp)]) }), 0x02));
  }
  // With allow_control_characters they pass (the broker named 'controls' has it on).
  for (const cp of [0x01, 0x09, 0x1f, 0x7f, 0x80, 0x9f, 0xfdd0, 0xfffe]) {
    const label = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    out.push(acceptsConnect(version, `a Client Identifier with ${label} under allow_control_characters`, ['MQTT-3.1.3-5'], connect(version, { clientId: Buffer.concat([Buffer.from(ns()), codePoint(cp)]) }), 'controls'));
  }
  out.push(refusesConnect(version, 'U+0000 even under allow_control_characters', utf8Rule(version, true), RC.malformed, connect(version, { clientId: Buffer.from('z\u0000') }), undefined, [], 'controls'));
  // Accepted strings: characters outside ASCII, a BOM kept as it is [MQTT-1.5.3-3] (5.0: [MQTT-1.5.4-3]).
  out.push(acceptsConnect(version, 'a User Name in UTF-8 beyond ASCII, with U+FEFF', [rule(version, 'MQTT-1.5.3-3', 'MQTT-1.5.4-3')], connect(version, { clientId: ns(), username: '\ufeffnutzer-äöü-日本-😀' })));
  // Will topics are topic names.
  for (const topic of ['w/+', 'w/#', '+', '#']) {
    out.push(refusesConnect(version, `the Will Topic '${topic}' has a wildcard`, rule(version, 'MQTT-4.7.1-1', 'MQTT-4.7.0-1'), RC.topicName, connect(version, { clientId: ns(), will: { topic, payload: Buffer.from('x') } })));
  }
  out.push(refusesConnect(version, 'an empty Will Topic', 'MQTT-4.7.3-1', RC.topicName, connect(version, { clientId: ns(), will: { topic: '', payload: Buffer.from('x') } })));
  return out;
}

function clientIds(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const alnum = `${ns()}0123456789abcdefghijklmnopqrstuvwxyz`.slice(0, 23);
  out.push(acceptsConnect(version, 'a 23-character alphanumeric Client Identifier', ['MQTT-3.1.3-5', 'MQTT-3.1.3-3', 'MQTT-3.1.3-4'], connect(version, { clientId: alnum })));
  const long = `${ns()}-a-longer-client-identifier`;
  if (version === 3) {
    out.push(refusesConnect(3, 'a 24-character Client Identifier in 3.1', '§3.1', RC.clientId, connect(3, { clientId: `${long}`.padEnd(24, 'x').slice(0, 24) }), 0x02));
    out.push(refusesConnect(3, 'an empty Client Identifier in 3.1', '§3.1', RC.clientId, connect(3, { clientId: '' }), 0x02));
  } else {
    out.push(acceptsConnect(version, 'a Client Identifier longer than 23 characters', ['MQTT-3.1.3-5'], connect(version, { clientId: long })));
  }
  if (version === 4) {
    out.push(acceptsConnect(4, 'an empty Client Identifier with Clean Session 1 gets one assigned', ['MQTT-3.1.3-6'], connect(4, { clientId: '' })));
    out.push(refusesConnect(4, 'an empty Client Identifier with Clean Session 0', 'MQTT-3.1.3-8', RC.clientId, connect(4, { clientId: '', clean: false }), 0x02, ['MQTT-3.1.3-7', 'MQTT-3.2.2-4', 'MQTT-3.2.2-5']));
  }
  if (version === 5) {
    const assigned = { says: 'CONNACK 0x00 with an Assigned Client Identifier (0x12)', test: (f: Buffer) => f[0] === 0x20 && f.includes(Buffer.from([0x12, 0x00])) && f.includes(Buffer.from('auto-')) };
    out.push({ name: 'an empty Client Identifier gets an Assigned Client Identifier', version: 5, rules: ['MQTT-3.1.3-6', 'MQTT-3.1.3-7', 'MQTT-3.2.2-16'], connections: [{ send: [hex(connect(5, { clientId: '' }))], expect: [assigned], then: 'open' }] });
  }
  return out;
}

function protocol(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  // The protocol name decides: anything but MQTT/MQIsdp is closed without an answer [MQTT-3.1.2-1].
  for (const name of ['MQTX', 'mqtt', 'MQTT\u0000', 'HTTP']) {
    out.push({ name: `the protocol name '${JSON.stringify(name)}'`, version, rules: ['MQTT-3.1.2-1'], connections: [{ send: [hex(connect(version, { clientId: ns(), name }))], expect: [], then: 'closed' }] });
  }
  // A level the broker does not speak: 3.x CONNACK 0x01, 5.0 and newer 0x84 [MQTT-3.1.2-2].
  const levels: Array<[string, number, Version]> = version === 3 ? [['MQIsdp', 4, 4], ['MQIsdp', 5, 4]] : version === 4 ? [['MQTT', 3, 4], ['MQTT', 2, 4], ['MQTT', 0, 4]] : [['MQTT', 6, 5], ['MQTT', 7, 5], ['MQTT', 127, 5]];
  for (const [name, level, answer] of levels) {
    const frame = connect(version, { clientId: ns(), name, level });
    out.push({ name: `protocol level ${level} with '${name}'`, version: answer, rules: ['MQTT-3.1.2-2'], connections: [{ send: [hex(frame)], expect: refused(answer, true, RC.version, 'MQTT-3.1.2-2', 0x01), then: 'closed' }] });
  }
  if (version !== 3) out.push(acceptsConnect(version, 'the bridge bit (0x80) on the protocol level', ['MQTT-3.1.2-2'], connect(version, { clientId: ns(), level: 0x80 | version })));
  // The first packet must be CONNECT: anything else is closed unanswered [MQTT-3.1.0-1].
  for (const first of [0x20, 0x30, 0x40, 0x50, 0x62, 0x70, 0x82, 0x90, 0xa2, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0]) {
    const frame = first === 0x30 ? publish(version, { topic: 't' }) : first === 0xc0 || first === 0xd0 || first === 0xe0 ? Buffer.from([first, 0]) : packet(first, u16(1), Buffer.from([0]));
    out.push({ name: `a first packet of type ${first >> 4} instead of CONNECT`, version, rules: ['MQTT-3.1.0-1'], connections: [{ send: [hex(frame)], expect: [], then: 'closed' }] });
  }
  // A second CONNECT [MQTT-3.1.0-2].
  const id = ns();
  out.push({ name: 'a second CONNECT', version, rules: ['MQTT-3.1.0-2'], connections: [{ send: [hello(version, id), hello(version, id)], expect: [accepted(version), ...refused(version, false, RC.protocol, 'MQTT-3.1.0-2')], then: 'closed' }] });
  // A refused CONNECT: nothing after it is processed [MQTT-3.1.4-5] (5.0: [MQTT-3.1.4-6]).
  const topic = `${ns()}/after-refusal`;
  out.push({
    name: 'packets pipelined after a refused CONNECT are not processed',
    version,
    rules: [rule(version, 'MQTT-3.1.4-5', 'MQTT-3.1.4-6'), 'MQTT-3.1.4-1'],
    watch: { filter: topic, expect: [] },
    connections: [{ send: [hex(connect(version, { clientId: ns(), flags: version === 3 ? 0x02 | 0x18 : 0x03 })), hex(publish(version, { topic, payload: 'x' }))], expect: refused(version, true, RC.malformed, version === 3 ? 'MQTT-3.1.2-13' : 'MQTT-3.1.2-3'), then: 'closed' }],
  });
  return out;
}

/** Sessions, wills and keepalive: what a CONNECT asks the server to do. */
function behaviour(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const id = ns();
  const topic = `${id}/q`;
  const sub = (qos: number): string => hex(packet(0x82, u16(1), version === 5 ? props() : Buffer.alloc(0), str(topic), Buffer.from([qos])));
  const suback = hex(packet(0x90, u16(1), version === 5 ? props() : Buffer.alloc(0), Buffer.from([1])));
  const resumeRules = version === 5 ? ['MQTT-3.1.2-5', 'MQTT-3.2.2-3', 'MQTT-3.1.2-6', 'MQTT-3.1.4-4'] : ['MQTT-3.1.2-4', 'MQTT-3.2.2-2', 'MQTT-3.2.2-3', 'MQTT-3.1.2-5'];
  const expiry = version === 5 ? { properties: props(prop.u32(0x11, 60)) } : {};
  out.push({
    name: 'Clean Session/Start 0 resumes the session: Session Present 1, the subscription is kept',
    version,
    rules: resumeRules,
    connections: [
      { send: [hello(version, id, { clean: false, ...expiry }), sub(1)], expect: [accepted(version, false), suback], then: 'open' },
      { send: [hello(version, id, { clean: false, ...expiry }), hex(publish(version, { topic, qos: 1, id: 5, payload: 'x' }))], expect: [accepted(version, true), hex(publish(version, { topic, qos: 1, id: 1, payload: 'x' })), hex(packet(0x40, u16(5)))], then: 'open' },
    ],
  });
  const clean = ns();
  out.push({
    name: 'Clean Session/Start 1 discards the session: Session Present 0, no subscription left',
    version,
    rules: version === 5 ? ['MQTT-3.1.2-4', 'MQTT-3.2.2-2'] : ['MQTT-3.1.2-6', 'MQTT-3.2.2-1', 'MQTT-3.1.4-3'],
    connections: [
      { send: [hello(version, clean, { clean: false, ...expiry }), hex(packet(0x82, u16(1), version === 5 ? props() : Buffer.alloc(0), str(`${clean}/q`), Buffer.from([1])))], expect: [accepted(version), suback], then: 'open' },
      { send: [hello(version, clean), hex(publish(version, { topic: `${clean}/q`, qos: 1, id: 5, payload: 'x' }))], expect: [accepted(version, false), hex(packet(0x40, u16(5)))], then: 'open' },
    ],
  });
  // Wills: published when the connection ends without DISCONNECT, discarded on DISCONNECT, none without the flag.
  const kill = reservedType(version);
  const w = ns();
  const willRules = version === 5 ? ['MQTT-3.1.2-7', 'MQTT-3.1.2-8', 'MQTT-3.1.2-14'] : ['MQTT-3.1.2-8', 'MQTT-3.1.2-16'];
  out.push({ name: 'the Will Message is published when the connection ends without DISCONNECT', version, rules: willRules, watch: { filter: `${w}/will`, expect: [hex(publish(5, { topic: `${w}/will`, payload: 'gone' }))] }, connections: [{ send: [hello(version, w, { will: { topic: `${w}/will`, payload: Buffer.from('gone') } }), hex(kill.frame)], expect: [accepted(version), ...kill.expect], then: 'closed' }] });
  const d = ns();
  out.push({ name: 'DISCONNECT discards the Will Message', version, rules: ['MQTT-3.1.2-10', 'MQTT-3.14.4-3'], watch: { filter: `${d}/will`, expect: [] }, connections: [{ send: [hello(version, d, { will: { topic: `${d}/will`, payload: Buffer.from('gone') } }), hex(DISCONNECT)], expect: [accepted(version)], then: 'closed' }] });
  const n = ns();
  out.push({ name: 'no Will Message without the Will Flag', version, rules: ['MQTT-3.1.2-12'], watch: { filter: `${n}/#`, expect: [] }, connections: [{ send: [hello(version, n), hex(kill.frame)], expect: [accepted(version), ...kill.expect], then: 'closed' }] });
  const r = ns();
  const subscribeWill = hex(packet(0x82, u16(1), version === 5 ? props() : Buffer.alloc(0), str(`${r}/will`), Buffer.from([0])));
  out.push({
    name: 'a Will Retain 1 will is published retained',
    version,
    rules: [rule(version, 'MQTT-3.1.2-17', 'MQTT-3.1.2-15')],
    connections: [
      { send: [hello(version, r, { will: { topic: `${r}/will`, payload: Buffer.from('kept'), retain: true } }), hex(kill.frame)], expect: [accepted(version), ...kill.expect], then: 'closed' },
      { send: [hello(version, `${r}s`), subscribeWill], expect: [accepted(version), hex(packet(0x90, u16(1), version === 5 ? props() : Buffer.alloc(0), Buffer.from([0]))), hex(publish(version, { topic: `${r}/will`, retain: true, payload: 'kept' }))], then: 'open' },
    ],
  });
  // A second connection with the same Client Identifier takes over [MQTT-3.1.4-2] (5.0: [MQTT-3.1.4-3], DISCONNECT 0x8E).
  const t = ns();
  const takenOver = version === 5 ? ['e0028e00'] : [];
  out.push({
    name: 'a CONNECT with the Client Identifier of a connected client closes the older connection',
    version,
    rules: [rule(version, 'MQTT-3.1.4-2', 'MQTT-3.1.4-3')],
    connections: [
      { send: [hello(version, t)], expect: [accepted(version)], then: 'hold', afterwards: { expect: takenOver, closed: true } },
      { send: [hello(version, t)], expect: [accepted(version)], then: 'open' },
    ],
  });
  // Keepalive: no packet for 1.5 × 1 s closes the connection [MQTT-3.1.2-24] (5.0: [MQTT-3.1.2-22]).
  const k = ns();
  const timeout = version === 5 ? [{ says: 'DISCONNECT 0x8D (Keep Alive timeout)', test: (f: Buffer) => f[0] === 0xe0 && f[2] === 0x8d }] : [];
  out.push({ name: 'no packet within 1.5 × the Keep Alive closes the connection', version, rules: [rule(version, 'MQTT-3.1.2-24', 'MQTT-3.1.2-22')], connections: [{ send: [hello(version, k, { keepalive: 1 })], expect: [accepted(version), ...timeout], then: 'closed' }] });
  const p = ns();
  out.push({ name: 'PINGREQ keeps a Keep Alive 1 connection open', version, rules: ['MQTT-3.12.4-1'], connections: [{ send: [hello(version, p, { keepalive: 1 }), hex(PINGREQ)], expect: [accepted(version), 'd000'], then: 'open' }] });
  return out;
}

/** 5.0 only: CONNECT and will properties, limits the client announces, and capabilities it asks for. */
function properties5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const allowed = new Set([0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27]);
  const willAllowed = new Set([0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26]);
  const SAMPLES = sampleProperties();
  for (const [id, entry] of SAMPLES) {
    const name = `0x${id.toString(16).padStart(2, '0')}`;
    if (allowed.has(id)) {
      if (id === 0x15 || id === 0x16) continue; // an Authentication Method starts enhanced auth: below
      out.push(acceptsConnect(5, `CONNECT property ${name} where it is allowed`, ['§2.2.2.2'], connect(5, { clientId: ns(), properties: props(entry) })));
      if (id !== 0x26) out.push(refusesConnect(5, `CONNECT property ${name} twice`, '§2.2.2.2', RC.protocol, connect(5, { clientId: ns(), properties: props(entry, entry) })));
    } else {
      out.push(refusesConnect(5, `CONNECT property ${name}, which CONNECT may not carry`, '§2.2.2.2', RC.malformed, connect(5, { clientId: ns(), properties: props(entry) }), undefined, ['MQTT-3.1.4-1']));
    }
    const willFrame = (p: Buffer): Buffer => connect(5, { clientId: ns(), will: { topic: `${ns()}/w`, payload: Buffer.from('x'), properties: p } });
    if (willAllowed.has(id)) {
      out.push(acceptsConnect(5, `Will property ${name} where it is allowed`, ['§2.2.2.2', 'MQTT-3.1.2-9'], willFrame(props(entry))));
      if (id !== 0x26) out.push(refusesConnect(5, `Will property ${name} twice`, '§2.2.2.2', RC.protocol, willFrame(props(entry, entry))));
    } else {
      out.push(refusesConnect(5, `Will property ${name}, which a will may not carry`, '§2.2.2.2', RC.malformed, willFrame(props(entry))));
    }
  }
  const limits: Array<[string, Buffer, string]> = [
    ['Receive Maximum 0', prop.u16(0x21, 0), '§3.1.2.11.3'],
    ['Maximum Packet Size 0', prop.u32(0x27, 0), '§3.1.2.11.4'],
    ['Request Problem Information 2', prop.byte(0x17, 2), '§3.1.2.11.7'],
    ['Request Response Information 2', prop.byte(0x19, 2), '§3.1.2.11.6'],
    ['Authentication Data without an Authentication Method', prop.bin(0x16, Buffer.from([1])), '§3.1.2.11.10'],
  ];
  for (const [what, entry, ruleId] of limits) out.push(refusesConnect(5, what, ruleId, RC.protocol, connect(5, { clientId: ns(), properties: props(entry) })));
  out.push(refusesConnect(5, 'a Will Payload Format Indicator of 2', '§3.3.2.3.2', RC.protocol, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from('x'), properties: props(prop.byte(0x01, 2)) } })));
  out.push(refusesConnect(5, 'a will that says UTF-8 (Payload Format Indicator 1) but is not', '§3.1.3.2.3', RC.payloadFormat, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from([0xff, 0xfe]), properties: props(prop.byte(0x01, 1)) } })));
  out.push(refusesConnect(5, 'a Will Response Topic with a wildcard', 'MQTT-3.3.2-14', RC.protocol, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from('x'), properties: props(prop.str(0x08, 'r/#')) } })));
  out.push(refusesConnect(5, 'a Will Content Type with U+0000', 'MQTT-1.5.4-2', RC.malformed, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from('x'), properties: props(prop.str(0x03, 'a\u0000')) } })));
  out.push(refusesConnect(5, 'a User Property whose name is not UTF-8', 'MQTT-1.5.4-1', RC.malformed, connect(5, { clientId: ns(), properties: props(prop.pair(0x26, Buffer.from([0xc3]), 'v')) }), undefined, ['MQTT-1.5.7-1']));
  out.push(refusesConnect(5, 'a User Property whose value has a control character', '§1.5.4', RC.malformed, connect(5, { clientId: ns(), properties: props(prop.pair(0x26, 'k', 'v\u0001')) }), undefined, ['MQTT-1.5.7-1']));
  for (const [what, list] of [
    ['an unknown property identifier 0x00', Buffer.from([0x01, 0x00])],
    ['an unknown property identifier 0x05', Buffer.from([0x02, 0x05, 0x00])],
    ['an unknown property identifier 0x7f', Buffer.from([0x02, 0x7f, 0x00])],
    ['a property identifier in two bytes (145)', Buffer.from([0x03, 0x91, 0x01, 0x00])],
  ] as const) {
    out.push(refusesConnect(5, what, '§2.2.2.2', RC.malformed, connect(5, { clientId: ns(), properties: list })));
  }
  out.push(refusesConnect(5, 'a property identifier in two bytes where one would do', 'MQTT-1.5.5-1', RC.malformed, connect(5, { clientId: ns(), properties: Buffer.from([0x03, 0x91, 0x00, 0x00]) })));
  out.push(refusesConnect(5, 'a property list longer than the packet', '§2.2.2.1', RC.malformed, connect(5, { clientId: ns(), properties: Buffer.from([0x40]) })));
  out.push(refusesConnect(5, 'a Property Length in two bytes for 0', 'MQTT-1.5.5-1', RC.malformed, connect(5, { clientId: ns(), properties: Buffer.from([0x80, 0x00]) })));
  out.push(refusesConnect(5, 'a Remaining Length in two bytes where one would do', 'MQTT-1.5.5-1', RC.malformed, (() => {
    const f = connect(5, { clientId: ns() });
    return Buffer.concat([Buffer.from([0x10, f[1]! | 0x80, 0x00]), f.subarray(2)]);
  })()));
  for (const [what, entry] of [
    ['a two-byte property cut short', Buffer.from([0x21, 0x00])],
    ['a four-byte property cut short', Buffer.from([0x11, 0x00, 0x00])],
    ['a string property cut short', Buffer.from([0x15, 0x00, 0x05, 0x61])],
    ['a user property without its value', Buffer.concat([Buffer.from([0x26]), str('k')])],
  ] as const) {
    out.push(refusesConnect(5, what, 'MQTT-3.1.4-1', RC.malformed, connect(5, { clientId: ns(), properties: Buffer.concat([Buffer.from([entry.length]), entry]) })));
  }
  // The client's Maximum Packet Size must hold the CONNACK, which cannot be sent otherwise [MQTT-3.1.2-24].
  // Refused with the shortest CONNACK, 0x95 without a Reason String, which fits; below 5 bytes nothing fits.
  out.push({ name: 'a Maximum Packet Size too small for the CONNACK: refused with a bare CONNACK 0x95', version: 5, rules: ['MQTT-3.1.2-24', 'MQTT-3.2.2-19'], connections: [{ send: [hex(connect(5, { clientId: ns(), properties: props(prop.u32(0x27, 8)) }))], expect: ['2003009500'], then: 'closed' }] });
  out.push({ name: 'a Maximum Packet Size of 4: no CONNACK fits, the connection is closed', version: 5, rules: ['MQTT-3.1.2-24'], connections: [{ send: [hex(connect(5, { clientId: ns(), properties: props(prop.u32(0x27, 4)) }))], expect: [], then: 'closed' }] });
  out.push(acceptsConnect(5, 'a Maximum Packet Size that holds the CONNACK', ['MQTT-3.1.2-24'], connect(5, { clientId: ns(), properties: props(prop.u32(0x27, 64)) })));
  // Capabilities the broker announces, exceeded: Will QoS 2 under Maximum QoS 1, a retained will without retain (broker 'limits').
  out.push(refusesConnect(5, 'a Will QoS above the Maximum QoS', 'MQTT-3.2.2-12', 0x9b, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from('x'), qos: 2 } }), undefined, [], 'limits'));
  out.push(refusesConnect(5, 'a retained will where retain is not available', 'MQTT-3.2.2-13', 0x9a, connect(5, { clientId: ns(), will: { topic: 'w', payload: Buffer.from('x'), retain: true } }), undefined, [], 'limits'));
  out.push(refusesConnect(5, 'an Authentication Method the broker does not support', 'MQTT-4.12.0-1', 0x8c, connect(5, { clientId: ns(), properties: props(prop.str(0x15, 'SCRAM-SHA-1')) })));
  return out;
}

/** Each 5.0 property with a valid value. */
function sampleProperties(): Array<[number, Buffer]> {
  return [
    [0x01, prop.byte(0x01, 0)],
    [0x02, prop.u32(0x02, 60)],
    [0x03, prop.str(0x03, 'text/plain')],
    [0x08, prop.str(0x08, 'reply/here')],
    [0x09, prop.bin(0x09, Buffer.from([1, 2]))],
    [0x0b, prop.vbi(0x0b, 7)],
    [0x11, prop.u32(0x11, 0)],
    [0x12, prop.str(0x12, 'assigned')],
    [0x13, prop.u16(0x13, 30)],
    [0x15, prop.str(0x15, 'SCRAM')],
    [0x16, prop.bin(0x16, Buffer.from([9]))],
    [0x17, prop.byte(0x17, 1)],
    [0x18, prop.u32(0x18, 0)],
    [0x19, prop.byte(0x19, 0)],
    [0x1a, prop.str(0x1a, 'info')],
    [0x1c, prop.str(0x1c, 'other:1883')],
    [0x1f, prop.str(0x1f, 'why')],
    [0x21, prop.u16(0x21, 10)],
    [0x22, prop.u16(0x22, 2)],
    [0x23, prop.u16(0x23, 1)],
    [0x24, prop.byte(0x24, 1)],
    [0x25, prop.byte(0x25, 1)],
    [0x26, prop.pair(0x26, 'k', 'v')],
    [0x27, prop.u32(0x27, 100_000)],
    [0x28, prop.byte(0x28, 1)],
    [0x29, prop.byte(0x29, 1)],
    [0x2a, prop.byte(0x2a, 1)],
  ];
}

/** Every CONNECT row. */
export function connectCases(): ConformanceCase[] {
  const rows = VERSIONS.flatMap((v) => [...flagsAndPayload(v), ...strings(v), ...clientIds(v), ...protocol(v), ...behaviour(v)]);
  return [...rows, ...properties5(), ...extra()];
}

/** Odd shapes a device produces. */
function extra(): ConformanceCase[] {
  const twice = ns();
  return [
    refusesConnect(5, 'a CONNECT cut before its Connect Flags', 'MQTT-3.1.4-1', RC.malformed, packet(0x10, str('MQTT'), Buffer.from([5]))),
    { name: 'a CONNACK with return code 0x00 answers a plain 3.1 CONNECT', version: 3, rules: ['MQTT-3.2.0-1'], connections: [{ send: [hex(connect(3, { clientId: ns() }))], expect: [hex(connack3(0))], then: 'open' }] },
    ...['MQIsdp', 'MQTT'].map((name) => refusesConnect(4, `a CONNECT naming '${name}' with level 4 but ${name === 'MQIsdp' ? 'the 3.1 name' : 'a flags byte only'}`, name === 'MQIsdp' ? 'MQTT-3.1.2-2' : 'MQTT-3.1.4-1', name === 'MQIsdp' ? RC.version : RC.malformed, name === 'MQIsdp' ? connect(4, { clientId: ns(), name }) : packet(0x10, str(name), Buffer.from([4, 2])), name === 'MQIsdp' ? 0x01 : undefined)),
    { name: 'bytes of two CONNECTs in one write: the second is refused', version: 5, rules: ['MQTT-3.1.0-2'], connections: [{ send: [hex(bytes(connect(5, { clientId: twice }), connect(5, { clientId: twice })))], expect: [accepted(5), ...refused(5, false, RC.protocol, 'MQTT-3.1.0-2')], then: 'closed' }] },
  ];
}
