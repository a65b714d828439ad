/** DISCONNECT as a server receives it (3.1.1 §3.14, 5.0 §3.14). */

import type { ConformanceCase } from './driver';
import { DISCONNECT, hex, packet, prop, props, publish, SAMPLE_PROPERTY, type Version } from './frames';
import { accepted, breaks, connected, hello, ns, VERSIONS } from './table';

const RC = { malformed: 0x81, protocol: 0x82 } as const;

function rows(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  out.push(connected(version, ns(), 'DISCONNECT ends the connection', ['MQTT-3.14.4-3'], [DISCONNECT], [], 'closed'));
  for (let flags = 1; flags < 16; flags++) {
    const frame = Buffer.from([0xe0 | flags, 0x00]);
    if (version === 3) {
      if (flags % 5 === 0) out.push(connected(3, ns(), `DISCONNECT with flags ${flags.toString(2).padStart(4, '0')} in 3.1`, ['§3.14'], [frame], [], 'closed'));
      continue;
    }
    out.push(breaks(version, ns(), `DISCONNECT with flags ${flags.toString(2).padStart(4, '0')}`, 'MQTT-3.14.1-1', RC.malformed, [frame]));
  }
  if (version !== 5) out.push(breaks(version, ns(), 'DISCONNECT with a byte after its header', '§3.14', RC.malformed, [Buffer.from([0xe0, 0x01, 0x00])]));
  return out;
}

function reasons5(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const code of [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99]) {
    out.push(connected(5, ns(), `DISCONNECT with Reason Code 0x${code.toString(16).padStart(2, '0')}`, ['MQTT-3.14.2-1'], [packet(0xe0, Buffer.from([code]))], [], 'closed'));
  }
  for (const code of [0x01, 0x11, 0x18, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x9a, 0x9c, 0xa2, 0xff]) {
    out.push(breaks(5, ns(), `DISCONNECT with Reason Code 0x${code.toString(16).padStart(2, '0')}, which a client cannot send`, 'MQTT-3.14.2-1', RC.protocol, [packet(0xe0, Buffer.from([code]))]));
  }
  // Will: 0x04 asks for it, 0x00 discards it [MQTT-3.14.4-3].
  const w = ns();
  out.push({ name: 'DISCONNECT 0x04 publishes the Will Message', version: 5, rules: ['MQTT-3.14.4-3', 'MQTT-3.1.2-8'], watch: { filter: `${w}/will`, expect: [hex(publish(5, { topic: `${w}/will`, payload: 'bye' }))] }, connections: [{ send: [hello(5, w, { will: { topic: `${w}/will`, payload: Buffer.from('bye') } }), hex(packet(0xe0, Buffer.from([0x04])))], expect: [accepted(5)], then: 'closed' }] });
  const n = ns();
  out.push({ name: 'DISCONNECT 0x00 discards the Will Message', version: 5, rules: ['MQTT-3.14.4-3', 'MQTT-3.1.2-10'], watch: { filter: `${n}/will`, expect: [] }, connections: [{ send: [hello(5, n, { will: { topic: `${n}/will`, payload: Buffer.from('bye') } }), hex(packet(0xe0, Buffer.from([0x00])))], expect: [accepted(5)], then: 'closed' }] });
  // Properties.
  out.push(connected(5, ns(), 'DISCONNECT with a Reason String and User Properties', ['§2.2.2.2'], [packet(0xe0, Buffer.from([0]), props(prop.str(0x1f, 'done'), prop.pair(0x26, 'k', 'v')))], [], 'closed'));
  out.push(connected(5, ns(), 'a Session Expiry Interval raised from one that was not 0', ['§3.14.2.2.2'], [packet(0xe0, Buffer.from([0]), props(prop.u32(0x11, 60)))], [], 'closed', { connect: { properties: props(prop.u32(0x11, 10)) } }));
  out.push(breaks(5, ns(), 'a Session Expiry Interval set at DISCONNECT where CONNECT had 0', '§3.14.2.2.2', RC.protocol, [packet(0xe0, Buffer.from([0]), props(prop.u32(0x11, 60)))]));
  out.push(breaks(5, ns(), 'a Server Reference from a client', '§3.14.2.2.5', RC.protocol, [packet(0xe0, Buffer.from([0]), props(prop.str(0x1c, 'elsewhere')))]));
  out.push(breaks(5, ns(), 'two Reason Strings in DISCONNECT', '§2.2.2.2', RC.protocol, [packet(0xe0, Buffer.from([0]), props(prop.str(0x1f, 'a'), prop.str(0x1f, 'b')))]));
  out.push(breaks(5, ns(), 'a DISCONNECT property list past the packet', '§2.2.2.1', RC.malformed, [packet(0xe0, Buffer.from([0, 0x05]))]));
  for (const [pid, entry] of Object.entries(SAMPLE_PROPERTY)) {
    if ([0x11, 0x1f, 0x26, 0x1c].includes(Number(pid))) continue;
    out.push(breaks(5, ns(), `DISCONNECT property 0x${Number(pid).toString(16).padStart(2, '0')}, which it may not carry`, '§2.2.2.2', RC.malformed, [packet(0xe0, Buffer.from([0]), props(entry))]));
  }
  return out;
}

/** Every DISCONNECT row. */
export function disconnectCases(): ConformanceCase[] {
  return [...VERSIONS.flatMap(rows), ...reasons5()];
}
