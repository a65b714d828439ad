/**
 * How mosquitto_sub 2.0.11 prints a message: the payload alone, `-v` topic and payload,
 * or a `-F` format with its % fields, @ strftime codes and \ escapes, byte for byte
 * (field widths count bytes, a %-p pads by the payload's length, %j/%J go through cJSON).
 */

import type { FormatPiece } from '../../shared/mosquitto/output-format';
import { cj, parseCJson, printCJson, type CJson } from './cjson';
import { localTime, strftime, type LocalTime } from './strftime';

/** A received message as the printer needs it. */
export interface ReceivedMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Packet identifier; 0 for QoS 0. */
  mid: number;
  /** MQTT 5 properties as MQTT.js decodes them, in the order they arrived. */
  properties?: Record<string, unknown>;
}

/** When the message is printed: Unix seconds and the nanoseconds within the second. */
export interface PrintTime {
  seconds: number;
  nanos: number;
}

/** The printer's settings (from the command line). */
export interface PrintOptions {
  format?: FormatPiece[];
  verbose: boolean;
  eol: boolean;
  pretty: boolean;
  quiet: boolean;
}

const enc = new TextEncoder();

/** Collects output bytes. */
class Out {
  readonly parts: Uint8Array[] = [];
  bytes(b: Uint8Array): void {
    this.parts.push(b);
  }
  text(s: string): void {
    this.parts.push(enc.encode(s));
  }
  byte(b: number): void {
    this.parts.push(Uint8Array.of(b));
  }
  result(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** Formats one message; `stderr` holds what mosquitto_sub would print as an error. */
export function printMessage(message: ReceivedMessage, options: PrintOptions, now: PrintTime): { stdout: Uint8Array; stderr: string } {
  const out = new Out();
  let stderr = '';
  if (options.format) {
    const tm = localTime(now.seconds);
    for (const piece of options.format) {
      if (piece.kind === 'text') out.bytes(piece.bytes);
      else if (piece.kind === 'escape') out.byte(piece.byte);
      else if (piece.kind === 'time') out.text(piece.code === 'N' ? String(now.nanos).padStart(9, '0') : strftime(`%${piece.code}`, tm));
      else stderr += percent(out, message, piece, options, tm, now);
    }
    if (options.eol) out.byte(10);
  } else if (options.verbose) {
    if (message.payload.length) {
      out.text(`${message.topic} `);
      out.bytes(message.payload);
      if (options.eol) out.byte(10);
    } else if (options.eol) out.text(`${message.topic} (null)\n`);
  } else if (message.payload.length) {
    out.bytes(message.payload);
    if (options.eol) out.byte(10);
  }
  return { stdout: out.result(), stderr: options.quiet ? '' : stderr };
}

/** A C string: the bytes up to the first NUL. */
function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul >= 0 ? bytes.subarray(0, nul) : bytes;
}

const spaces = (n: number, pad = ' ') => (n > 0 ? pad.repeat(n) : '');

/** printf("%d") with mosquitto's alignment, zero padding and width. */
function printInt(out: Out, value: number, p: Extract<FormatPiece, { kind: 'percent' }>): void {
  const text = String(value);
  if (p.width === 0) return out.text(text);
  if (p.align === '-') return out.text(text + spaces(p.width - text.length));
  if (p.pad === '0') {
    const digits = text.replace('-', '');
    const sign = value < 0 ? '-' : '';
    return out.text(sign + digits.padStart(p.width - sign.length, '0'));
  }
  out.text(spaces(p.width - text.length) + text);
}

/** printf("%*.*s") on bytes. */
function printStr(out: Out, value: Uint8Array, p: Extract<FormatPiece, { kind: 'percent' }>): void {
  const cut = p.precision >= 0 ? value.subarray(0, p.precision) : value;
  const fill = spaces(p.width - cut.length);
  if (p.align === '-') {
    out.bytes(cut);
    out.text(fill);
  } else {
    out.text(fill);
    out.bytes(cut);
  }
}

/** write_payload: a width truncates the payload; %-p without a width pads by its length. */
function printPayload(out: Out, payload: Uint8Array, hex: 0 | 1 | 2, p: Extract<FormatPiece, { kind: 'percent' }>): void {
  let length = payload.length;
  let padlen: number;
  if (p.width > 0) {
    if (length > p.width) length = p.width;
    if (hex > 0) {
      length = Math.floor(length / 2);
      padlen = p.width - length * 2;
    } else padlen = p.width - length;
  } else padlen = p.width - length;
  if (p.align !== '-') out.text(spaces(padlen, p.pad));
  const body = payload.subarray(0, length);
  if (hex === 0) out.bytes(body);
  else out.text(Buffer.from(body).toString('hex')[hex === 2 ? 'toUpperCase' : 'toLowerCase']());
  // printf("%*s", padlen, "") pads |padlen| spaces, whatever padlen's sign.
  if (p.align === '-') out.text(spaces(Math.abs(padlen)));
}

/** A property value as MQTT.js gives it. */
function prop<T>(message: ReceivedMessage, name: string): T | undefined {
  return message.properties?.[name] as T | undefined;
}

function percent(out: Out, m: ReceivedMessage, p: Extract<FormatPiece, { kind: 'percent' }>, options: PrintOptions, tm: LocalTime, now: PrintTime): string {
  const blank = (pad: string) => out.text(spaces(p.width, pad));
  switch (p.code) {
    case '%':
      out.text('%');
      break;
    case 'A': {
      const v = prop<number>(m, 'topicAlias');
      if (v !== undefined) printInt(out, v, p);
      else blank(p.pad);
      break;
    }
    case 'C': {
      const v = prop<string>(m, 'contentType');
      if (v !== undefined) printStr(out, cString(enc.encode(v)), p);
      else blank(' ');
      break;
    }
    case 'D': {
      const v = prop<Uint8Array>(m, 'correlationData');
      if (v !== undefined) out.bytes(v);
      break;
    }
    case 'E': {
      const v = prop<number>(m, 'messageExpiryInterval');
      if (v !== undefined) printInt(out, v | 0, p);
      else blank(p.pad);
      break;
    }
    case 'F': {
      const v = prop<boolean | number>(m, 'payloadFormatIndicator');
      if (v !== undefined) printInt(out, Number(v), p);
      else blank(p.pad);
      break;
    }
    case 'I':
      printStr(out, enc.encode(strftime('%FT%T%z', tm)), p);
      break;
    case 'j':
    case 'J': {
      const json = jsonLine(m, tm, now, p.code === 'j', options.pretty);
      if (json) out.bytes(json);
      else return `Error: Message payload is not valid JSON on topic ${m.topic}.\n`;
      break;
    }
    case 'l':
      printInt(out, m.payload.length, p);
      break;
    case 'm':
      printInt(out, m.mid, p);
      break;
    case 'P':
      out.text(userProperties(m).map(([k, v]) => `${k}:${v}`).join(' '));
      break;
    case 'p':
      printPayload(out, m.payload, 0, p);
      break;
    case 'q':
      out.text(String(m.qos));
      break;
    case 'R': {
      const v = prop<string>(m, 'responseTopic');
      if (v !== undefined) printStr(out, cString(enc.encode(v)), p);
      break;
    }
    case 'r':
      out.text(m.retain ? '1' : '0');
      break;
    case 'S': {
      const v = prop<number | number[]>(m, 'subscriptionIdentifier');
      if (v !== undefined) printInt(out, (Array.isArray(v) ? v[0]! : v) | 0, p);
      else blank(p.pad);
      break;
    }
    case 't':
      printStr(out, enc.encode(m.topic), p);
      break;
    case 'U':
      out.text(`${now.seconds}.${String(now.nanos).padStart(9, '0')}`);
      break;
    case 'x':
      printPayload(out, m.payload, 1, p);
      break;
    case 'X':
      printPayload(out, m.payload, 2, p);
      break;
  }
  return '';
}

/** User properties in arrival order (MQTT.js groups repeated keys into arrays). */
function userProperties(m: ReceivedMessage): Array<[string, string]> {
  const users = prop<Record<string, string | string[]>>(m, 'userProperties') ?? {};
  return Object.entries(users).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((value) => [k, value] as [string, string]));
}

/** The %j / %J object; undefined when %J's payload is not JSON. */
function jsonLine(m: ReceivedMessage, tm: LocalTime, now: PrintTime, escaped: boolean, pretty: boolean): Uint8Array | undefined {
  const zone = strftime('%z', tm);
  const tst = `${strftime('%Y-%m-%dT%H:%M:%S', tm)}.${String(Math.floor(now.nanos / 1000)).padStart(6, '0')}Z${zone}`;
  const entries: Array<[string, CJson]> = [
    ['tst', cj.str(tst)],
    ['topic', cj.str(m.topic)],
    ['qos', cj.num(m.qos)],
    ['retain', cj.num(m.retain ? 1 : 0)],
    ['payloadlen', cj.num(m.payload.length)],
  ];
  if (m.qos > 0) entries.push(['mid', cj.num(m.mid)]);
  if (m.properties && Object.keys(m.properties).length > 0) entries.push(['properties', jsonProperties(m)]);
  let payload: CJson | undefined;
  if (m.payload.length === 0) payload = { type: 'null' };
  else if (escaped) payload = cj.str(m.payload);
  else payload = parseCJson(m.payload);
  if (!payload) return undefined;
  entries.push(['payload', payload]);
  return printCJson(cj.obj(entries), pretty);
}

/** json_print_properties: mosquitto's names, user properties in one object. */
function jsonProperties(m: ReceivedMessage): CJson {
  const entries: Array<[string, CJson]> = [];
  // mosquitto reads the topic alias into a variable last set by the correlation data's length.
  let int16 = 0;
  for (const [name, value] of Object.entries(m.properties ?? {})) {
    switch (name) {
      case 'payloadFormatIndicator':
        entries.push(['payload-format-indicator', cj.num(Number(value))]);
        break;
      case 'messageExpiryInterval':
        entries.push(['message-expiry-interval', cj.num(value as number)]);
        break;
      case 'contentType':
        entries.push(['content-type', cj.str(value as string)]);
        break;
      case 'responseTopic':
        entries.push(['response-topic', cj.str(value as string)]);
        break;
      case 'correlationData':
        int16 = (value as Uint8Array).length;
        entries.push(['correlation-data', cj.str(cString(value as Uint8Array))]);
        break;
      case 'subscriptionIdentifier':
        for (const id of Array.isArray(value) ? value : [value]) entries.push(['subscription-identifier', cj.num(id as number)]);
        break;
      case 'topicAlias':
        entries.push(['topic-alias', cj.num(int16)]);
        break;
      case 'userProperties':
        entries.push(['user-properties', cj.obj(userProperties(m).map(([k, v]) => [k, cj.str(v)]))]);
        break;
    }
  }
  return cj.obj(entries);
}

/** The wall clock with the best resolution JavaScript offers (see README, CLI: timestamps). */
export function wallClock(): PrintTime {
  const ms = Date.now();
  const precise = performance.timeOrigin + performance.now();
  // The monotonic clock carries sub-millisecond digits only while it agrees with the wall
  // clock (it drifts when the clock is set or slewed); otherwise milliseconds it is.
  const use = Math.abs(precise - ms) < 1 ? precise : ms;
  const seconds = Math.floor(use / 1000);
  const micros = Math.floor((use - seconds * 1000) * 1000);
  return { seconds, nanos: Math.min(999_999_999, micros * 1000) };
}
