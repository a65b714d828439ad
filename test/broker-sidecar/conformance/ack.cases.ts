/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP from a client (3.1.1 §3.4–3.7 and §4.3; 5.0 §3.4–3.7,
 * §4.3). The client acknowledges what the broker sent it, and answers the broker's PUBREC
 * with PUBREL when it is the sender of a QoS 2 message.
 */

import type { ConformanceCase } from './driver';
import { ack, hex, packet, prop, props, publish, SAMPLE_PROPERTY, str, subscribe, suback, u16, type Version } from './frames';
import { breaks, connected, ns, rule, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82 } as const;
const NAMES = { 4: 'PUBACK', 5: 'PUBREC', 6: 'PUBREL', 7: 'PUBCOMP' } as const;
type AckType = 4 | 5 | 6 | 7;
const TYPES: readonly AckType[] = [4, 5, 6, 7];

function header(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const type of TYPES) {
    const name = NAMES[type];
    const required = type === 6 ? 0b0010 : 0;
    const flagsRule = type === 6 ? 'MQTT-3.6.1-1' : rule(version, 'MQTT-2.2.2-2', 'MQTT-2.1.3-1');
    for (let flags = 0; flags < 16; flags++) {
      const frame = packet((type << 4) | flags, u16(1));
      if (version === 3) {
        // 3.1: only PUBREL's QoS (1) is constrained; DUP and RETAIN are free. A sample of the flags.
        if (![0, 2, 5, 10, 15].includes(flags)) continue;
        const ok = type !== 6 || ((flags >> 1) & 3) === 1;
        const answer = type === 5 ? [hex(ack(6, 1))] : type === 6 ? [hex(ack(7, 1))] : [];
        out.push(ok ? connected(3, ns(), `${name} with flags ${flags.toString(2).padStart(4, '0')} in 3.1`, [`§3.${type}`], [frame], answer, 'open') : breaks(3, ns(), `${name} with QoS ${(flags >> 1) & 3} in 3.1`, `§3.${type}`, RC.malformed, [frame]));
        continue;
      }
      if (flags === required) continue;
      out.push(breaks(version, ns(), `${name} with flags ${flags.toString(2).padStart(4, '0')}`, flagsRule, RC.malformed, [frame]));
    }
    out.push(breaks(version, ns(), `${name} with Packet Identifier 0`, rule(version, 'MQTT-2.3.1-6', 'MQTT-2.2.1-5'), RC.protocol, [packet((type << 4) | required, u16(0))]));
    out.push(breaks(version, ns(), `${name} cut short (1 byte)`, `§3.${type}`, RC.malformed, [packet((type << 4) | required, Buffer.from([1]))]));
    if (version !== 5) out.push(breaks(version, ns(), `${name} with a byte after the Packet Identifier`, `§3.${type}`, RC.malformed, [packet((type << 4) | required, u16(1), Buffer.from([0]))]));
  }
  return out;
}

/** Acknowledgements for identifiers the broker does not know. 3.1.1 policy: PUBREC and PUBREL are answered as if known, PUBACK and PUBCOMP ignored. */
function unknownIds(version: Version): ConformanceCase[] {
  const v5 = version === 5;
  return [
    connected(version, ns(), 'PUBACK for an unknown identifier is ignored', ['§4.3.2'], [ack(4, 77)], [], 'open'),
    connected(version, ns(), 'PUBCOMP for an unknown identifier is ignored', ['§4.3.3'], [ack(7, 77)], [], 'open'),
    connected(version, ns(), v5 ? 'PUBREC for an unknown identifier: PUBREL 0x92' : 'PUBREC for an unknown identifier: PUBREL', v5 ? ['§3.6.2.1'] : ['§4.3.3'], [ack(5, 77)], [hex(v5 ? ack(6, 77, 0x92) : ack(6, 77))], 'open'),
    connected(version, ns(), v5 ? 'PUBREL for an unknown identifier: PUBCOMP 0x92' : 'PUBREL for an unknown identifier: PUBCOMP', v5 ? ['§3.7.2.1', 'MQTT-4.3.3-11'] : ['MQTT-4.3.3-2'], [ack(6, 77)], [hex(v5 ? ack(7, 77, 0x92) : ack(7, 77))], 'open'),
  ];
}

/** The broker as sender: what the client's acknowledgements make it do. */
function outgoing(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const v5 = version === 5;
  {
    const id = ns();
    const topic = `${id}/t`;
    out.push(connected(version, id, 'a QoS 1 delivery is settled by PUBACK with its identifier', [rule(version, 'MQTT-2.3.1-6', 'MQTT-2.2.1-5'), rule(version, 'MQTT-4.3.2-1', 'MQTT-4.3.2-3')], [subscribe(version, 1, [[topic, 1]]), publish(version, { topic, qos: 1, id: 9, payload: 'x' }), ack(4, 1)], [hex(suback(version, 1, [1])), hex(publish(version, { topic, qos: 1, id: 1, payload: 'x' })), hex(ack(4, 9))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/t`;
    out.push(connected(version, id, 'PUBREC for a QoS 2 delivery is answered by PUBREL, PUBCOMP ends it', [rule(version, 'MQTT-4.3.3-1', 'MQTT-4.3.3-4'), rule(version, 'MQTT-4.3.3-1', 'MQTT-4.3.3-5')], [subscribe(version, 1, [[topic, 2]]), publish(version, { topic, qos: 2, id: 9, payload: 'x' }), ack(5, 1), ack(7, 1)], [hex(suback(version, 1, [2])), hex(publish(version, { topic, qos: 2, id: 1, payload: 'x' })), hex(ack(5, 9)), hex(ack(6, 1))], 'open'));
  }
  if (v5) {
    const id = ns();
    const topic = `${id}/t`;
    out.push(connected(5, id, 'PUBREC 0x80 ends a QoS 2 delivery without PUBREL', ['MQTT-4.3.3-4', 'MQTT-4.4.0-2', 'MQTT-3.5.2-1'], [subscribe(5, 1, [[topic, 2]]), publish(5, { topic, qos: 2, id: 9, payload: 'x' }), ack(5, 1, 0x80)], [hex(suback(5, 1, [2])), hex(publish(5, { topic, qos: 2, id: 1, payload: 'x' })), hex(ack(5, 9))], 'open'));
  }
  return out;
}

/** 5.0 Reason Codes and properties. */
function reasons5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const valid: Record<AckType, number[]> = { 4: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99], 5: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99], 6: [0x00, 0x92], 7: [0x00, 0x92] };
  const rules: Record<AckType, string> = { 4: 'MQTT-3.4.2-1', 5: 'MQTT-3.5.2-1', 6: 'MQTT-3.6.2-1', 7: 'MQTT-3.7.2-1' };
  for (const type of TYPES) {
    const first = (type << 4) | (type === 6 ? 0b0010 : 0);
    const name = NAMES[type];
    const answer = (id: number): string[] => (type === 5 ? [hex(ack(6, id, 0x92))] : type === 6 ? [hex(ack(7, id, 0x92))] : []);
    for (const code of valid[type]) {
      out.push(connected(5, ns(), `${name} with Reason Code 0x${code.toString(16).padStart(2, '0')}`, [rules[type]], [packet(first, u16(5), Buffer.from([code]))], answer(5), 'open'));
    }
    for (const code of [0x01, 0x04, 0x11, 0x18, 0x81, 0x82, 0x8f, 0x92, 0x93, 0xa2, 0xff].filter((c) => !valid[type].includes(c))) {
      out.push(breaks(5, ns(), `${name} with Reason Code 0x${code.toString(16).padStart(2, '0')}, which a client cannot send there`, rules[type], RC.protocol, [packet(first, u16(5), Buffer.from([code]))]));
    }
    out.push(connected(5, ns(), `${name} with a Reason String and User Properties`, ['§2.2.2.2'], [packet(first, u16(6), Buffer.from([0]), props(prop.str(0x1f, 'fine'), prop.pair(0x26, 'a', 'b'), prop.pair(0x26, 'a', 'c')))], answer(6), 'open'));
    out.push(connected(5, ns(), `${name} with an empty property list`, ['MQTT-2.2.2-1'], [packet(first, u16(6), Buffer.from([0]), props())], answer(6), 'open'));
    out.push(breaks(5, ns(), `${name} with two Reason Strings`, '§2.2.2.2', RC.protocol, [packet(first, u16(6), Buffer.from([0]), props(prop.str(0x1f, 'a'), prop.str(0x1f, 'b')))]));
    out.push(breaks(5, ns(), `${name} with a Reason String that is not UTF-8`, 'MQTT-1.5.4-1', RC.malformed, [packet(first, u16(6), Buffer.from([0]), props(prop.str(0x1f, Buffer.from([0xc3]))))]));
    out.push(breaks(5, ns(), `${name} whose property list runs past it`, '§2.2.2.1', RC.malformed, [packet(first, u16(6), Buffer.from([0]), Buffer.from([0x09, 0x1f]))]));
    for (const [pid, entry] of Object.entries(SAMPLE_PROPERTY)) {
      if (Number(pid) === 0x1f || Number(pid) === 0x26) continue;
      out.push(breaks(5, ns(), `${name} with property 0x${Number(pid).toString(16).padStart(2, '0')}, which it may not carry`, '§2.2.2.2', RC.malformed, [packet(first, u16(6), Buffer.from([0]), props(entry))]));
    }
  }
  return out;
}

/** Every PUBACK, PUBREC, PUBREL and PUBCOMP row. */
export function ackCases(): ConformanceCase[] {
  const extra: ConformanceCase[] = [connected(4, ns(), 'PUBREL answered with the PUBREL\'s identifier in PUBCOMP', ['MQTT-4.3.3-2'], [packet(0x62, u16(0x0a0b))], [hex(ack(7, 0x0a0b))], 'open'), breaks(5, ns(), 'PUBACK with a Property Length in two bytes for 0', 'MQTT-1.5.5-1', RC.malformed, [packet(0x40, u16(1), Buffer.from([0, 0x80, 0x00]))]), connected(5, ns(), 'PUBACK with only a Reason Code (no property list)', ['MQTT-3.4.2-1'], [packet(0x40, u16(1), Buffer.from([0]))], [], 'open'), breaks(4, ns(), 'PUBACK with a 5.0 Reason Code in 3.1.1', '§3.4', RC.malformed, [packet(0x40, u16(1), Buffer.from([0x10]))]), breaks(5, ns(), 'PUBREL with a topic-like body', '§3.6', RC.malformed, [packet(0x62, u16(1), Buffer.from([0]), str('x'))])];
  return [...VERSIONS.flatMap((v) => [...header(v), ...unknownIds(v), ...outgoing(v)]), ...reasons5(), ...extra];
}
