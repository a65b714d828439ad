/**
 * C's strftime in the "C" locale, as glibc formats it (mosquitto_sub passes `@X` to
 * strftime as `%X`): every conversion glibc knows, and glibc's habit of printing an unknown
 * one (`%Q`) as written. Local time follows TZ like C's localtime.
 */

import { zoneAbbreviation } from './time-zone';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A broken-down local time (C's struct tm) with what %z, %Z and %s need. */
export interface LocalTime {
  year: number;
  /** 0-11 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
  /** 0-365 */
  yearDay: number;
  /** East of UTC, seconds. */
  offset: number;
  unixSeconds: number;
}

/** localtime(): the local broken-down time of a Unix time in seconds. */
export function localTime(unixSeconds: number): LocalTime {
  const date = new Date(unixSeconds * 1000);
  const start = new Date(date.getFullYear(), 0, 1);
  const yearDay = Math.round((Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) - Date.UTC(start.getFullYear(), 0, 1)) / 86400000);
  return {
    year: date.getFullYear(),
    month: date.getMonth(),
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    weekday: date.getDay(),
    yearDay,
    offset: -date.getTimezoneOffset() * 60,
    unixSeconds,
  };
}

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

/** ISO 8601 week-based year and week number (%G, %g, %V). */
function isoWeek(t: LocalTime): { year: number; week: number } {
  const isoDay = (t.weekday + 6) % 7; // Monday = 0
  const thursdayYearDay = t.yearDay - isoDay + 3;
  const daysIn = (y: number) => ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 366 : 365);
  if (thursdayYearDay < 0) {
    const year = t.year - 1;
    return { year, week: Math.floor((thursdayYearDay + daysIn(year)) / 7) + 1 };
  }
  if (thursdayYearDay >= daysIn(t.year)) return { year: t.year + 1, week: 1 };
  return { year: t.year, week: Math.floor(thursdayYearDay / 7) + 1 };
}

/** Formats one conversion character; undefined for ones glibc does not know. */
function conversion(c: string, t: LocalTime): string | undefined {
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  switch (c) {
    case 'a': return DAYS[t.weekday]!.slice(0, 3);
    case 'A': return DAYS[t.weekday];
    case 'b':
    case 'h': return MONTHS[t.month]!.slice(0, 3);
    case 'B': return MONTHS[t.month];
    case 'c': return `${conversion('a', t)} ${conversion('b', t)} ${pad(t.day, 2, ' ')} ${conversion('T', t)} ${t.year}`;
    case 'C': return pad(Math.floor(t.year / 100));
    case 'd': return pad(t.day);
    case 'D': return `${pad(t.month + 1)}/${pad(t.day)}/${pad(t.year % 100)}`;
    case 'e': return pad(t.day, 2, ' ');
    case 'F': return `${t.year}-${pad(t.month + 1)}-${pad(t.day)}`;
    case 'g': return pad(isoWeek(t).year % 100);
    case 'G': return String(isoWeek(t).year);
    case 'H': return pad(t.hour);
    case 'I': return pad(hour12);
    case 'j': return pad(t.yearDay + 1, 3);
    case 'k': return pad(t.hour, 2, ' ');
    case 'l': return pad(hour12, 2, ' ');
    case 'm': return pad(t.month + 1);
    case 'M': return pad(t.minute);
    case 'n': return '\n';
    case 'p': return t.hour < 12 ? 'AM' : 'PM';
    case 'P': return t.hour < 12 ? 'am' : 'pm';
    case 'r': return `${pad(hour12)}:${pad(t.minute)}:${pad(t.second)} ${conversion('p', t)}`;
    case 'R': return `${pad(t.hour)}:${pad(t.minute)}`;
    case 's': return String(t.unixSeconds);
    case 'S': return pad(t.second);
    case 't': return '\t';
    case 'T':
    case 'X': return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
    case 'u': return String(t.weekday === 0 ? 7 : t.weekday);
    case 'U': return pad(Math.floor((t.yearDay + 7 - t.weekday) / 7));
    case 'V': return pad(isoWeek(t).week);
    case 'w': return String(t.weekday);
    case 'W': return pad(Math.floor((t.yearDay + 7 - ((t.weekday + 6) % 7)) / 7));
    case 'x': return conversion('D', t);
    case 'y': return pad(t.year % 100);
    case 'Y': return String(t.year);
    case 'z': {
      const abs = Math.abs(t.offset);
      return `${t.offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}`;
    }
    case 'Z': return zoneAbbreviation(t.unixSeconds, t.offset);
    case '%': return '%';
    default: return undefined;
  }
}

/** strftime(format, localtime(t)) for a format of ASCII conversions. */
export function strftime(format: string, t: LocalTime): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%' || i === format.length - 1) {
      out += c;
      continue;
    }
    const next = format[++i]!;
    out += conversion(next, t) ?? `%${next}`;
  }
  return out;
}
