/**
 * Packets a client never sends: CONNACK, SUBACK, UNSUBACK, PINGRESP (table 2-1: Server to
 * Client), the reserved type 0, and AUTH before 5.0 (type 15 was reserved then).
 */

import type { ConformanceCase } from './driver';
import { packet, props, u16, type Version } from './frames';
import { breaks, ns, rule, VERSIONS } from './table';

function rows(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const section = rule(version, '§2.2.1', '§2.1.2');
  const v5 = version === 5 ? props() : Buffer.alloc(0);
  const frames: Array<[string, Buffer]> = [
    ['CONNACK', Buffer.from([0x20, 0x02, 0x00, 0x00])],
    ['SUBACK', packet(0x90, u16(1), v5, Buffer.from([0]))],
    ['UNSUBACK', packet(0xb0, u16(1), ...(version === 5 ? [v5, Buffer.from([0])] : []))],
    ['PINGRESP', Buffer.from([0xd0, 0x00])],
  ];
  for (const [name, frame] of frames) out.push(breaks(version, ns(), `${name} from a client`, section, 0x82, [frame]));
  for (const frame of [Buffer.from([0x00, 0x00]), Buffer.from([0x0f, 0x00]), Buffer.from([0x00, 0x02, 0x00, 0x01])]) {
    out.push(breaks(version, ns(), `a packet of the reserved type 0 (${frame.toString('hex')})`, section, 0x81, [frame]));
  }
  if (version !== 5) out.push(breaks(version, ns(), 'AUTH (type 15, reserved before 5.0)', section, 0x81, [Buffer.from([0xf0, 0x02, 0x18, 0x00])]));
  return out;
}

/** Every row for server-only and reserved packet types. */
export function serverOnlyCases(): ConformanceCase[] {
  return VERSIONS.flatMap(rows);
}
