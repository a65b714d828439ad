/** UNSUBSCRIBE as a server receives it (3.1.1 §3.10, 5.0 §3.10) and the UNSUBACK that follows. */

import type { ConformanceCase } from './driver';
import { codePoint, CONTROL_CHARACTERS, hex, ILL_FORMED_UTF8, packet, prop, props, publish, SAMPLE_PROPERTY, str, subscribe, suback, unsubscribe, unsuback, u16, type Version } from './frames';
import { breaks, connected, ns, refused, rule, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82 } as const;

function header(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (let flags = 0; flags < 16; flags++) {
    const frame = unsubscribe(version, 1, ['a'], undefined, 0xa0 | flags);
    if (version === 3) {
      if (![0, 2, 10, 4].includes(flags)) continue;
      const ok = ((flags >> 1) & 3) === 1;
      out.push(ok ? connected(3, ns(), `UNSUBSCRIBE with flags ${flags.toString(2).padStart(4, '0')} in 3.1`, ['§3.10'], [frame], [hex(unsuback(3, 1, []))], 'open') : breaks(3, ns(), `UNSUBSCRIBE with QoS ${(flags >> 1) & 3} in 3.1`, '§3.10', RC.malformed, [frame]));
      continue;
    }
    if (flags === 0b0010) continue;
    out.push(breaks(version, ns(), `UNSUBSCRIBE with flags ${flags.toString(2).padStart(4, '0')}`, 'MQTT-3.10.1-1', RC.malformed, [frame]));
  }
  out.push(breaks(version, ns(), 'UNSUBSCRIBE with Packet Identifier 0', rule(version, 'MQTT-2.3.1-1', 'MQTT-2.2.1-3'), RC.protocol, [unsubscribe(version, 0, ['a'])]));
  out.push(breaks(version, ns(), 'UNSUBSCRIBE without a Topic Filter', 'MQTT-3.10.3-2', RC.protocol, [unsubscribe(version, 1, [])]));
  out.push(breaks(version, ns(), 'UNSUBSCRIBE whose Topic Filter runs past the packet', '§3.10', RC.malformed, [packet(0xa2, u16(1), version === 5 ? props() : Buffer.alloc(0), Buffer.from([0, 5, 0x61]))]));
  out.push(breaks(version, ns(), 'UNSUBSCRIBE with one stray byte after its filters', '§3.10', RC.malformed, [packet(0xa2, u16(1), version === 5 ? props() : Buffer.alloc(0), str('a'), Buffer.from([0]))]));
  for (const [what, bad] of ILL_FORMED_UTF8) {
    out.push(connected(version, ns(), `an UNSUBSCRIBE Topic Filter with ${what}`, ['MQTT-3.10.3-1', rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1')], [unsubscribe(version, 1, [Buffer.concat([Buffer.from('f/'), bad])])], refused(version, false, RC.malformed, rule(version, 'MQTT-1.5.3-1', 'MQTT-1.5.4-1')), 'closed'));
  }
  out.push(breaks(version, ns(), 'an UNSUBSCRIBE Topic Filter with U+0000', 'MQTT-4.7.3-2', RC.malformed, [unsubscribe(version, 1, ['f\u0000'])]));
  for (const cp of CONTROL_CHARACTERS.filter((_, i) => i % 8 === 0)) {
    out.push(breaks(version, ns(), `an UNSUBSCRIBE Topic Filter with U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, rule(version, '§1.5.3', '§1.5.4'), RC.malformed, [unsubscribe(version, 1, [Buffer.concat([Buffer.from('f'), codePoint(cp)])])]));
  }
  return out;
}

function behaviour(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const v5 = version === 5;
  {
    const id = ns();
    out.push(connected(version, id, 'UNSUBACK with the same identifier even when nothing was subscribed', ['MQTT-3.10.4-4', 'MQTT-3.10.4-5', ...(v5 ? ['MQTT-3.11.3-1'] : [])], [unsubscribe(version, 0x0102, [`${id}/none`])], [hex(unsuback(version, 0x0102, [0x11]))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/t`;
    out.push(connected(version, id, 'after UNSUBSCRIBE no more messages for the filter', ['MQTT-3.10.4-2', 'MQTT-3.10.4-1'], [subscribe(version, 1, [[topic, 0]]), unsubscribe(version, 2, [topic]), publish(version, { topic, payload: 'late' })], [hex(suback(version, 1, [0])), hex(unsuback(version, 2, [0x00]))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/t`;
    // Filters are compared character by character: 'k/+' does not remove 'k/t' [MQTT-3.10.4-1].
    out.push(connected(version, id, 'UNSUBSCRIBE compares filters character by character', ['MQTT-3.10.4-1'], [subscribe(version, 1, [[topic, 0]]), unsubscribe(version, 2, [`${id}/+`]), publish(version, { topic, payload: 'still' })], [hex(suback(version, 1, [0])), hex(unsuback(version, 2, [0x11])), hex(publish(version, { topic, payload: 'still' }))], 'open'));
  }
  {
    const id = ns();
    out.push(connected(version, id, 'several filters: one UNSUBACK, one code each in order', ['MQTT-3.10.4-6', ...(v5 ? ['MQTT-3.11.3-1', 'MQTT-3.11.3-2'] : [])], [subscribe(version, 1, [[`${id}/a`, 0], [`${id}/c`, 0]]), unsubscribe(version, 2, [`${id}/a`, `${id}/b`, `${id}/c`])], [hex(suback(version, 1, [0, 0])), hex(unsuback(version, 2, [0x00, 0x11, 0x00]))], 'open'));
  }
  {
    const id = ns();
    const topic = `${id}/q`;
    // A QoS 1 message in flight is still completed after the unsubscribe [MQTT-3.10.4-3].
    out.push(connected(version, id, 'a QoS 1 delivery begun before UNSUBSCRIBE can still be acknowledged', ['MQTT-3.10.4-3'], [subscribe(version, 1, [[topic, 1]]), publish(version, { topic, qos: 1, id: 5, payload: 'q' }), unsubscribe(version, 2, [topic]), packet(0x40, u16(1))], [hex(suback(version, 1, [1])), hex(publish(version, { topic, qos: 1, id: 1, payload: 'q' })), hex(packet(0x40, u16(5))), hex(unsuback(version, 2, [0]))], 'open'));
  }
  return out;
}

function properties5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const id = ns();
  out.push(connected(5, id, 'UNSUBSCRIBE with User Properties', ['§2.2.2.2'], [unsubscribe(5, 1, [`${id}/a`], props(prop.pair(0x26, 'k', 'v'), prop.pair(0x26, 'k', 'w')))], [hex(unsuback(5, 1, [0x11]))], 'open'));
  for (const [pid, entry] of Object.entries(SAMPLE_PROPERTY)) {
    if (Number(pid) === 0x26) continue;
    out.push(breaks(5, ns(), `UNSUBSCRIBE property 0x${Number(pid).toString(16).padStart(2, '0')}, which it may not carry`, '§2.2.2.2', RC.malformed, [unsubscribe(5, 1, ['a'], props(entry))]));
  }
  out.push(breaks(5, ns(), 'an UNSUBSCRIBE property list longer than the packet', '§2.2.2.1', RC.malformed, [packet(0xa2, u16(1), Buffer.from([0x20]), str('a'))]));
  return out;
}

/** Every UNSUBSCRIBE row. */
export function unsubscribeCases(): ConformanceCase[] {
  return [...VERSIONS.flatMap((v) => [...header(v), ...behaviour(v)]), ...properties5()];
}
