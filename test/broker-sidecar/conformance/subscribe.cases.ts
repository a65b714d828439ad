/** SUBSCRIBE as a server receives it (3.1.1 §3.8, §4.7; 5.0 §3.8, §4.7, §4.8) and the SUBACK and deliveries that follow. */

import type { ConformanceCase, Expected } from './driver';
import { codePoint, CONTROL_CHARACTERS, hex, ILL_FORMED_UTF8, packet, prop, props, publish, SAMPLE_PROPERTY, str, subscribe, suback, u16, type Version } from './frames';
import { breaks, connected, ns, refused, rule, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82, filterInvalid: 0x8f, subIdsNotSupported: 0xa1 } as const;

/**
 * A SUBACK with failures: exact in 3.x; in 5.0 it also carries a Reason String saying why
 * (to clients that accept problem information), so the identifier, the codes and that there
 * is one are checked.
 */
function refusedSuback(version: Version, id: number, codes: number[]): Expected {
  if (version !== 5) return hex(suback(version, id, codes));
  const tail = Buffer.from(codes);
  return { says: `SUBACK ${id} with codes ${tail.toString('hex')} and a Reason String`, test: (f) => f[0] === 0x90 && f.readUInt16BE(f[1]! & 0x80 ? 3 : 2) === id && f.subarray(f.length - codes.length).equals(tail) && f.includes(0x1f) };
}

function header(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (let flags = 0; flags < 16; flags++) {
    const frame = subscribe(version, 1, [[`${ns()}/f`, 0]], undefined, 0x80 | flags);
    if (version === 3) {
      // 3.1 sends SUBSCRIBE at QoS 1 and may set DUP; nothing else is checked.
      if (![0, 2, 3, 10, 6].includes(flags)) continue;
      const ok = ((flags >> 1) & 3) === 1;
      out.push(ok ? connected(3, ns(), `SUBSCRIBE with flags ${flags.toString(2).padStart(4, '0')} in 3.1`, ['§3.8'], [frame], [hex(suback(3, 1, [0]))], 'open') : breaks(3, ns(), `SUBSCRIBE with QoS ${(flags >> 1) & 3} in 3.1`, '§3.8', RC.malformed, [frame]));
      continue;
    }
    if (flags === 0b0010) continue;
    out.push(breaks(version, ns(), `SUBSCRIBE with flags ${flags.toString(2).padStart(4, '0')}`, 'MQTT-3.8.1-1', RC.malformed, [frame]));
  }
  out.push(breaks(version, ns(), 'SUBSCRIBE with Packet Identifier 0', rule(version, 'MQTT-2.3.1-1', 'MQTT-2.2.1-3'), RC.protocol, [subscribe(version, 0, [['a', 0]])]));
  out.push(breaks(version, ns(), 'SUBSCRIBE without a Topic Filter', rule(version, 'MQTT-3.8.3-3', 'MQTT-3.8.3-2'), RC.protocol, [subscribe(version, 1, [])]));
  out.push(breaks(version, ns(), 'SUBSCRIBE whose last Topic Filter has no options byte', '§3.8', RC.malformed, [packet(0x82, u16(1), version === 5 ? props() : Buffer.alloc(0), str('a'))]));
  out.push(breaks(version, ns(), 'SUBSCRIBE whose Topic Filter runs past the packet', '§3.8', RC.malformed, [packet(0x82, u16(1), version === 5 ? props() : Buffer.alloc(0), Buffer.from([0, 9, 0x61]))]));
  return out;
}

function filters(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const [what, bad] of ILL_FORMED_UTF8) {
    out.push(connected(version, ns(), `a Topic Filter with ${what}`, ['MQTT-3.8.3-1', rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1')], [subscribe(version, 1, [[Buffer.concat([Buffer.from('f/'), bad]), 0]])], refused(version, false, RC.malformed, rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1')), 'closed'));
  }
  out.push(breaks(version, ns(), 'a Topic Filter with U+0000', 'MQTT-4.7.3-2', RC.malformed, [subscribe(version, 1, [['f/\u0000', 0]])]));
  for (const cp of CONTROL_CHARACTERS.filter((_, i) => i % 4 === 0)) {
    out.push(breaks(version, ns(), `a Topic Filter with the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, [subscribe(version, 1, [[Buffer.concat([Buffer.from('f/'), codePoint(cp)]), 0]])]));
  }
  // Filters that are strings but not filters: refused one by one in SUBACK, never the connection [MQTT-4.7.1-*].
  const failure = version === 5 ? RC.filterInvalid : 0x80;
  const invalid: Array<[string, string]> = [
    ['#/a', rule(version, 'MQTT-4.7.1-2', 'MQTT-4.7.1-1')],
    ['a/#/b', rule(version, 'MQTT-4.7.1-2', 'MQTT-4.7.1-1')],
    ['a#', rule(version, 'MQTT-4.7.1-2', 'MQTT-4.7.1-1')],
    ['a/b#', rule(version, 'MQTT-4.7.1-2', 'MQTT-4.7.1-1')],
    ['a+', rule(version, 'MQTT-4.7.1-3', 'MQTT-4.7.1-2')],
    ['a/+b', rule(version, 'MQTT-4.7.1-3', 'MQTT-4.7.1-2')],
    ['++', rule(version, 'MQTT-4.7.1-3', 'MQTT-4.7.1-2')],
    ['', 'MQTT-4.7.3-1'],
  ];
  if (version === 5) invalid.push(['$share/', 'MQTT-4.8.2-1'], ['$share//a', 'MQTT-4.8.2-1'], ['$share/g', 'MQTT-4.8.2-2'], ['$share/g+/a', 'MQTT-4.8.2-2'], ['$share/g#/a', 'MQTT-4.8.2-2'], ['$share/g/', 'MQTT-4.8.2-2']);
  for (const [filter, ruleId] of invalid) {
    const id = ns();
    const full = filter === '' || filter.startsWith('$') ? filter : `${id}/${filter}`;
    out.push(connected(version, id, `the Topic Filter '${full}' is refused in SUBACK, the connection stays`, [ruleId, rule(version, 'MQTT-3.8.4-5', 'MQTT-3.8.4-7')], [subscribe(version, 3, [[`${id}/ok`, 1], [full, 1]])], [refusedSuback(version, 3, [1, failure])], 'open'));
  }
  const valid = ['+', '#', 'a/+', 'a/#', '+/+', 'a/+/b', '/', '//', 'a//b', ' ', 'a b'];
  for (const filter of valid) {
    const id = ns();
    out.push(connected(version, id, `the Topic Filter '${id}/${filter}' is granted`, [rule(version, 'MQTT-4.7.1-2', 'MQTT-4.7.1-1'), rule(version, 'MQTT-4.7.1-3', 'MQTT-4.7.1-2'), 'MQTT-3.8.4-1', rule(version, 'MQTT-3.8.4-2', 'MQTT-3.8.4-2')], [subscribe(version, 0x4242, [[`${id}/${filter}`, 2]])], [hex(suback(version, 0x4242, [2]))], 'open'));
  }
  {
    const id = ns();
    out.push(connected(version, id, 'several Topic Filters: one code each, in order', [rule(version, 'MQTT-3.8.4-4', 'MQTT-3.8.4-5'), rule(version, 'MQTT-3.8.4-5', 'MQTT-3.8.4-6'), rule(version, 'MQTT-3.9.3-1', 'MQTT-3.9.3-1')], [subscribe(version, 9, [[`${id}/a`, 0], [`${id}/b`, 1], [`${id}/c`, 2], [`${id}/#/x`, 0]])], [refusedSuback(version, 9, [0, 1, 2, version === 5 ? 0x8f : 0x80])], 'open'));
  }
  return out;
}

function options(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  if (version !== 5) {
    for (const bits of [0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x03]) {
      out.push(breaks(version, ns(), `the Requested QoS byte 0x${bits.toString(16).padStart(2, '0')}`, 'MQTT-3.8.3-4', RC.malformed, [subscribe(version, 1, [['a', bits]])]));
    }
    return out;
  }
  for (const bits of [0x40, 0x80, 0xc0]) out.push(breaks(5, ns(), `reserved Subscription Options bits 0x${bits.toString(16)}`, 'MQTT-3.8.3-5', RC.malformed, [subscribe(5, 1, [['a', bits]])]));
  out.push(breaks(5, ns(), 'a Maximum QoS of 3 in the Subscription Options', '§3.8.3.1', RC.protocol, [subscribe(5, 1, [['a', 0x03]])]));
  out.push(breaks(5, ns(), 'Retain Handling 3', '§3.8.3.1', RC.protocol, [subscribe(5, 1, [['a', 0x30]])]));
  out.push(breaks(5, ns(), 'No Local on a shared subscription', 'MQTT-3.8.3-4', RC.protocol, [subscribe(5, 1, [['$share/g/a', 0x04]])]));
  for (const opts of [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x2e]) {
    const id = ns();
    out.push(connected(5, id, `Subscription Options 0x${opts.toString(16).padStart(2, '0')} are accepted`, ['§3.8.3.1'], [subscribe(5, 1, [[`${id}/o`, opts]])], [hex(suback(5, 1, [opts & 3]))], 'open'));
  }
  // What the options ask for, kept.
  {
    const id = ns();
    const topic = `${id}/nl`;
    out.push(connected(5, id, 'No Local: a client does not get its own messages', ['MQTT-3.8.3-3'], [subscribe(5, 1, [[topic, 0x04]]), publish(5, { topic, payload: 'own' })], [hex(suback(5, 1, [0]))], 'open'));
  }
  for (const [rh, rules, expectRetained] of [
    [0, ['MQTT-3.3.1-9', 'MQTT-3.8.4-4'], [true, true]],
    [1, ['MQTT-3.3.1-10'], [true, false]],
    [2, ['MQTT-3.3.1-11'], [false, false]],
  ] as const) {
    const id = ns();
    const topic = `${id}/r`;
    const retainedCopy = hex(publish(5, { topic, retain: true, payload: 'kept' }));
    out.push(connected(5, id, `Retain Handling ${rh}: retained messages on subscribe and on re-subscribe`, [...rules, 'MQTT-3.8.4-3'], [publish(5, { topic, retain: true, payload: 'kept' }), subscribe(5, 1, [[topic, rh << 4]]), subscribe(5, 2, [[topic, rh << 4]])], [hex(suback(5, 1, [0])), ...(expectRetained[0] ? [retainedCopy] : []), hex(suback(5, 2, [0])), ...(expectRetained[1] ? [retainedCopy] : [])], 'open'));
  }
  return out;
}

/** Deliveries that depend on the subscriptions. */
function deliveries(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  {
    const id = ns();
    const topic = `${id}/x`;
    out.push(connected(version, id, 'overlapping subscriptions: one copy at the highest granted QoS', [rule(version, 'MQTT-3.3.5-1', 'MQTT-3.3.4-2')], [subscribe(version, 1, [[`${id}/#`, 0], [topic, 1]]), publish(version, { topic, qos: 1, id: 3, payload: 'o' })], [hex(suback(version, 1, [0, 1])), hex(publish(version, { topic, qos: 1, id: 1, payload: 'o' })), hex(packet(0x40, u16(3)))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/x`;
    out.push(connected(version, id, 'a subscription for the same filter replaces the old one (QoS 2 → 0)', ['MQTT-3.8.4-3'], [subscribe(version, 1, [[topic, 2]]), subscribe(version, 2, [[topic, 0]]), publish(version, { topic, qos: 2, id: 3, payload: 'r' })], [hex(suback(version, 1, [2])), hex(suback(version, 2, [0])), hex(publish(version, { topic, payload: 'r' })), hex(packet(0x50, u16(3)))], 'open'));
  }
  if (version === 5) {
    const id = ns();
    const topic = `${id}/s`;
    const ids = props(prop.vbi(0x0b, 5), prop.vbi(0x0b, 300));
    out.push(connected(5, id, 'Subscription Identifiers of every matching subscription ride on the one copy', ['MQTT-3.3.4-3', 'MQTT-3.3.4-4'], [subscribe(5, 1, [[`${id}/#`, 0]], props(prop.vbi(0x0b, 5))), subscribe(5, 2, [[topic, 0]], props(prop.vbi(0x0b, 300))), publish(5, { topic, payload: 'i' })], [hex(suback(5, 1, [0])), hex(suback(5, 2, [0])), { says: 'the PUBLISH with Subscription Identifiers 5 and 300', test: (f) => f.includes(prop.vbi(0x0b, 5)) && f.includes(prop.vbi(0x0b, 300)) && f.includes(Buffer.from('i')) && ids.length > 0 }], 'open'));
  }
  return out;
}

/** 5.0 SUBSCRIBE properties. */
function properties5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  {
    const id = ns();
    out.push(connected(5, id, 'a Subscription Identifier and User Properties are accepted', ['§2.2.2.2', '§3.8.2.1.2'], [subscribe(5, 1, [[`${id}/a`, 0]], props(prop.vbi(0x0b, 268_435_455), prop.pair(0x26, 'k', 'v')))], [hex(suback(5, 1, [0]))], 'open'));
  }
  out.push(breaks(5, ns(), 'Subscription Identifier 0', '§3.8.2.1.2', RC.protocol, [subscribe(5, 1, [['a', 0]], props(prop.vbi(0x0b, 0)))]));
  out.push(breaks(5, ns(), 'two Subscription Identifiers', '§2.2.2.2', RC.protocol, [subscribe(5, 1, [['a', 0]], props(prop.vbi(0x0b, 1), prop.vbi(0x0b, 2)))]));
  out.push(breaks(5, ns(), 'a Subscription Identifier in two bytes where one would do', 'MQTT-1.5.5-1', RC.malformed, [subscribe(5, 1, [['a', 0]], props(Buffer.from([0x0b, 0x81, 0x00])))]));
  out.push(breaks(5, ns(), 'a Subscription Identifier where the broker announced none (limits)', '§3.2.2.3.12', RC.subIdsNotSupported, [subscribe(5, 1, [['a', 0]], props(prop.vbi(0x0b, 1)))], { broker: 'limits' }));
  for (const [pid, entry] of Object.entries(SAMPLE_PROPERTY)) {
    if (Number(pid) === 0x0b || Number(pid) === 0x26) continue;
    out.push(breaks(5, ns(), `SUBSCRIBE property 0x${Number(pid).toString(16).padStart(2, '0')}, which it may not carry`, '§2.2.2.2', RC.malformed, [subscribe(5, 1, [['a', 0]], props(entry))]));
  }
  return out;
}

/** What CONNACK announced (broker 'limits'): no wildcards, no shared subscriptions, Maximum QoS 1. */
function limits(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const v5 = version === 5;
  const id = ns();
  out.push(connected(version, id, 'a QoS 2 subscription under Maximum QoS 1 is granted QoS 1', [rule(version, 'MQTT-3.8.4-6', 'MQTT-3.2.2-10')], [subscribe(version, 1, [[`${id}/q`, 2]])], [hex(suback(version, 1, [1]))], 'open', { broker: 'limits' }));
  const w = ns();
  out.push(connected(version, w, 'a wildcard filter where wildcards are not available', [rule(version, 'MQTT-3.8.3-2', '§3.2.2.3.11')], [subscribe(version, 1, [[`${w}/+`, 0], [`${w}/#`, 0], [`${w}/x`, 0]])], [refusedSuback(version, 1, v5 ? [0xa2, 0xa2, 0] : [0x80, 0x80, 0])], 'open', { broker: 'limits' }));
  if (v5) {
    const s = ns();
    out.push(connected(5, s, 'a shared subscription where they are not available', ['§3.2.2.3.13'], [subscribe(5, 1, [[`$share/g/${s}/x`, 0]])], [refusedSuback(5, 1, [0x9e])], 'open', { broker: 'limits' }));
  }
  return out;
}

/** Every SUBSCRIBE row. */
export function subscribeCases(): ConformanceCase[] {
  const dollar = (version: Version): ConformanceCase => {
    const id = ns();
    // '#' and '+/…' never match topics that begin with '$' [MQTT-4.7.2-1]; on a broker of its own, since '#' sees all.
    return connected(version, id, "'#' and '+/…' do not match a topic beginning with '$'", ['MQTT-4.7.2-1'], [subscribe(version, 1, [['#', 0], ['+/x', 0]]), publish(version, { topic: `$${id}/x`, payload: 'd' }), publish(version, { topic: `${id}/x`, payload: 'n' })], [hex(suback(version, 1, [0, 0])), hex(publish(version, { topic: `${id}/x`, payload: 'n' }))], 'open', { broker: `solo${version}` });
  };
  return [...VERSIONS.flatMap((v) => [...header(v), ...filters(v), ...options(v), ...deliveries(v), ...limits(v), dollar(v)]), ...properties5()];
}
