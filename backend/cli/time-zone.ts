/**
 * The local time zone as C's localtime sees it: the offset comes from JavaScript's Date
 * (which follows TZ), the abbreviation (%Z: CET, CEST, EST) from the zone's TZif file, as
 * glibc reads it. Intl only offers "GMT+1" for many zones, which is not what strftime prints.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ZoneTable {
  /** Transition times (Unix seconds) and the type index in force from each. */
  times: number[];
  types: number[];
  /** Per type: UTC offset in seconds, daylight saving, abbreviation. */
  infos: Array<{ offset: number; dst: boolean; abbr: string }>;
  /** From the footer's POSIX rule, for times past the last transition. */
  footer?: { std: string; dst?: string };
}

const cache = new Map<string, ZoneTable | null>();

/** Where glibc looks for the zone named by TZ (unset: /etc/localtime). */
function zoneFile(tz: string | undefined): string | undefined {
  if (tz === undefined) return '/etc/localtime';
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  if (name === '') return path.join('/usr/share/zoneinfo', 'UTC');
  if (path.isAbsolute(name)) return name;
  if (name.includes('..')) return undefined;
  return path.join(process.env.TZDIR ?? '/usr/share/zoneinfo', name);
}

function readTable(file: string): ZoneTable | null {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return null;
  }
  if (data.subarray(0, 4).toString('latin1') !== 'TZif') return null;
  const header = (at: number) => {
    const n = (k: number) => data.readUInt32BE(at + 20 + 4 * k);
    return { isutc: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
  };
  const v1 = header(0);
  const v1Size = v1.time * 5 + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isutc;
  const version = data[4]!;
  // Version 2+ files repeat the data with 64-bit times after the first block: read those.
  const wide = version >= 0x32;
  const start = wide ? 44 + v1Size : 0;
  const h = header(start);
  const timeSize = wide ? 8 : 4;
  let at = start + 44;
  const times: number[] = [];
  for (let i = 0; i < h.time; i++, at += timeSize) times.push(wide ? Number(data.readBigInt64BE(at)) : data.readInt32BE(at));
  const types: number[] = [];
  for (let i = 0; i < h.time; i++) types.push(data[at++]!);
  const raw: Array<{ offset: number; dst: boolean; index: number }> = [];
  for (let i = 0; i < h.type; i++, at += 6) raw.push({ offset: data.readInt32BE(at), dst: data[at + 4] === 1, index: data[at + 5]! });
  const chars = data.subarray(at, at + h.char).toString('latin1');
  const infos = raw.map((t) => ({ offset: t.offset, dst: t.dst, abbr: chars.slice(t.index, chars.indexOf('\0', t.index)) }));
  at += h.char + h.leap * (timeSize + 4) + h.isstd + h.isutc;
  let footer: ZoneTable['footer'];
  if (wide) {
    const rule = data.subarray(at).toString('latin1').split('\n')[1] ?? '';
    const names = /^(<[^>]+>|[A-Za-z]+)[-+0-9:]+(<[^>]+>|[A-Za-z]+)?/.exec(rule);
    if (names) footer = { std: names[1]!.replace(/[<>]/g, ''), ...(names[2] ? { dst: names[2].replace(/[<>]/g, '') } : {}) };
  }
  return { times, types, infos, ...(footer ? { footer } : {}) };
}

/**
 * The abbreviation C's strftime prints for %Z at `unixSeconds`, given the offset in force
 * (east of UTC, seconds). Falls back to "UTC" or a numeric name when no table is found.
 */
export function zoneAbbreviation(unixSeconds: number, offsetSeconds: number, tz = process.env.TZ): string {
  const file = zoneFile(tz);
  let table = file ? cache.get(file) : null;
  if (file && table === undefined) {
    table = readTable(file);
    cache.set(file, table);
  }
  if (!table || table.infos.length === 0) return offsetSeconds === 0 ? 'UTC' : numericName(offsetSeconds);
  const { times, types, infos } = table;
  if (times.length === 0 || unixSeconds < times[0]!) {
    // Before the first transition: the first standard-time type, as glibc does.
    return (infos.find((i) => !i.dst) ?? infos[0]!).abbr;
  }
  if (unixSeconds >= times[times.length - 1]! && table.footer) {
    const last = infos[types[types.length - 1]!]!;
    if (last.offset === offsetSeconds) return last.abbr;
    return table.footer.dst && offsetSeconds !== infos.find((i) => i.abbr === table!.footer!.std)?.offset ? table.footer.dst : table.footer.std;
  }
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= unixSeconds) lo = mid;
    else hi = mid - 1;
  }
  return infos[types[lo]!]!.abbr;
}

function numericName(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}${abs % 3600 ? String(Math.floor((abs % 3600) / 60)).padStart(2, '0') : ''}`;
}
