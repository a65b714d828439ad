/** PINGREQ as a server receives it (3.1.1 §3.12, 5.0 §3.12). */

import type { ConformanceCase } from './driver';
import { hex, PINGREQ, PINGRESP, type Version } from './frames';
import { breaks, connected, ns, rule, VERSIONS } from './table';

function rows(version: Version): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  out.push(connected(version, ns(), 'PINGREQ is answered with PINGRESP', ['MQTT-3.12.4-1'], [PINGREQ], [hex(PINGRESP)], 'open'));
  out.push(connected(version, ns(), 'three PINGREQs, three PINGRESPs', ['MQTT-3.12.4-1'], [PINGREQ, PINGREQ, PINGREQ], [hex(PINGRESP), hex(PINGRESP), hex(PINGRESP)], 'open'));
  for (let flags = 1; flags < 16; flags++) {
    const frame = Buffer.from([0xc0 | flags, 0x00]);
    if (version === 3) {
      if (flags % 5 === 0) out.push(connected(3, ns(), `PINGREQ with flags ${flags.toString(2).padStart(4, '0')} in 3.1`, ['§3.12'], [frame], [hex(PINGRESP)], 'open'));
      continue;
    }
    out.push(breaks(version, ns(), `PINGREQ with flags ${flags.toString(2).padStart(4, '0')}`, rule(version, 'MQTT-2.2.2-2', 'MQTT-2.1.3-1'), 0x81, [frame]));
  }
  for (const extra of [[0x00], [0x00, 0x00], [0xff]]) {
    out.push(breaks(version, ns(), `PINGREQ with ${extra.length} byte(s) after its header`, '§3.12', 0x81, [Buffer.from([0xc0, extra.length, ...extra])]));
  }
  return out;
}

/** Every PINGREQ row. */
export function pingreqCases(): ConformanceCase[] {
  return VERSIONS.flatMap(rows);
}
