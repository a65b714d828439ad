/**
 * strftime(3) in the C locale and local time, for mosquitto's `log_timestamp_format`
 * (e.g. `%Y-%m-%dT%H:%M:%S`). The format is compiled once; each line then costs a few
 * Date getters. Unknown conversions are copied as written, as glibc does.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2, fill = '0'): string => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** ISO 8601 week number and its year (%V, %G). */
function isoWeek(d: Date): { week: number; year: number } {
  const date = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const year = date.getUTCFullYear();
  return { week: Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7), year };
}

function zoneOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

const hour12 = (d: Date): number => d.getHours() % 12 || 12;

const CONVERSIONS: Record<string, (d: Date) => string> = {
  a: (d) => DAYS[d.getDay()]!.slice(0, 3),
  A: (d) => DAYS[d.getDay()]!,
  b: (d) => MONTHS[d.getMonth()]!.slice(0, 3),
  h: (d) => MONTHS[d.getMonth()]!.slice(0, 3),
  B: (d) => MONTHS[d.getMonth()]!,
  c: (d) => format(d, '%a %b %e %H:%M:%S %Y'),
  C: (d) => pad(Math.floor(d.getFullYear() / 100)),
  d: (d) => pad(d.getDate()),
  D: (d) => format(d, '%m/%d/%y'),
  e: (d) => pad(d.getDate(), 2, ' '),
  F: (d) => format(d, '%Y-%m-%d'),
  g: (d) => pad(isoWeek(d).year % 100),
  G: (d) => String(isoWeek(d).year),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(hour12(d)),
  j: (d) => pad(dayOfYear(d), 3),
  k: (d) => pad(d.getHours(), 2, ' '),
  l: (d) => pad(hour12(d), 2, ' '),
  m: (d) => pad(d.getMonth() + 1),
  M: (d) => pad(d.getMinutes()),
  n: () => '\n',
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  P: (d) => (d.getHours() < 12 ? 'am' : 'pm'),
  r: (d) => format(d, '%I:%M:%S %p'),
  R: (d) => format(d, '%H:%M'),
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  S: (d) => pad(d.getSeconds()),
  t: () => '\t',
  T: (d) => format(d, '%H:%M:%S'),
  u: (d) => String(d.getDay() || 7),
  U: (d) => pad(Math.floor((dayOfYear(d) - 1 + 7 - d.getDay()) / 7)),
  V: (d) => pad(isoWeek(d).week),
  w: (d) => String(d.getDay()),
  W: (d) => pad(Math.floor((dayOfYear(d) - 1 + 7 - ((d.getDay() + 6) % 7)) / 7)),
  x: (d) => format(d, '%m/%d/%y'),
  X: (d) => format(d, '%H:%M:%S'),
  y: (d) => pad(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  z: zoneOffset,
  Z: zoneName,
  '%': () => '%',
};

/** Compiles a strftime format into a function of the time. */
export function compileStrftime(pattern: string): (d: Date) => string {
  const parts: Array<string | ((d: Date) => string)> = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const conversion = ch === '%' && i + 1 < pattern.length ? CONVERSIONS[pattern[i + 1]!] : undefined;
    if (!conversion) {
      literal += ch;
      continue;
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(conversion);
    i++;
  }
  if (literal) parts.push(literal);
  return (d) => parts.map((p) => (typeof p === 'string' ? p : p(d))).join('');
}

/** Formats one time (compiles the pattern each call; use compileStrftime for repeated use). */
export function format(d: Date, pattern: string): string {
  return compileStrftime(pattern)(d);
}
