import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode } from '../../shared/base64';
import { detectPayloadFormat, formatPayload, fromHex, parsePayload, toHex } from '../../shared/payload';
import { utf8Decode, utf8DecodeStrict, utf8Encode } from '../../shared/utf8';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('base64', () => {
  it.each([
    [bytes(), ''],
    [bytes(0x66), 'Zg=='],
    [bytes(0x66, 0x6f), 'Zm8='],
    [bytes(0x66, 0x6f, 0x6f), 'Zm9v'],
    [bytes(0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72), 'Zm9vYmFy'],
    [bytes(0x00, 0xff, 0xfe, 0x80), 'AP/+gA=='],
  ])('%j <-> %s', (raw, text) => {
    expect(base64Encode(raw)).toBe(text);
    expect(base64Decode(text)).toEqual(raw);
  });

  it('matches Node for random data of every length up to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const data = new Uint8Array(n).map((_, i) => (i * 151 + n * 7) & 0xff);
      expect(base64Encode(data)).toBe(Buffer.from(data).toString('base64'));
      expect(base64Decode(Buffer.from(data).toString('base64'))).toEqual(data);
    }
  });

  it.each([
    ['Zg', bytes(0x66)],
    ['Zm8', bytes(0x66, 0x6f)],
    ['Z m 9 v', bytes(0x66, 0x6f, 0x6f)],
    ['Zm9v\n', bytes(0x66, 0x6f, 0x6f)],
    ['AP/+\r\ngA', bytes(0x00, 0xff, 0xfe, 0x80)],
  ])('accepts unpadded or spaced input %j', (text, raw) => {
    expect(base64Decode(text)).toEqual(raw);
  });

  it.each([['Zm9v!'], ['Z'], ['é']])('rejects %j', (text) => {
    expect(() => base64Decode(text)).toThrow(/Invalid base64/);
  });
});

describe('utf8', () => {
  it.each([
    ['', bytes()],
    ['A', bytes(0x41)],
    ['é', bytes(0xc3, 0xa9)],
    ['📡', bytes(0xf0, 0x9f, 0x93, 0xa1)],
  ])('%j', (text, raw) => {
    expect(utf8Encode(text)).toEqual(raw);
    expect(utf8Decode(raw)).toBe(text);
    expect(utf8DecodeStrict(raw)).toBe(text);
  });

  it('strict decoding refuses invalid sequences; lenient replaces them', () => {
    expect(utf8DecodeStrict(bytes(0xc3))).toBeUndefined();
    expect(utf8Decode(bytes(0x41, 0xff))).toBe('A\uFFFD');
  });
});

describe('payload formats', () => {
  const json = utf8Encode('{"t":21.5}');
  it.each([
    [json, 'text', '{"t":21.5}'],
    [json, 'json', '{\n  "t": 21.5\n}'],
    [json, 'hex', '7b 22 74 22 3a 32 31 2e 35 7d'],
    [json, 'base64', 'eyJ0IjoyMS41fQ=='],
    [utf8Encode('not json'), 'json', 'not json'],
    [bytes(0xff, 0x00), 'hex', 'ff 00'],
  ] as const)('formats %j as %s', (raw, format, expected) => {
    expect(formatPayload(raw, format)).toBe(expected);
  });

  it.each([
    ['{"t":21.5}', 'json', json],
    ['7b22', 'hex', bytes(0x7b, 0x22)],
    ['7B 22', 'hex', bytes(0x7b, 0x22)],
    ['eyJ0IjoyMS41fQ==', 'base64', json],
    ['héllo', 'text', utf8Encode('héllo')],
  ] as const)('parses %j as %s', (text, format, expected) => {
    expect(parsePayload(text, format)).toEqual(expected);
  });

  it.each([
    ['{"t":', 'json', /not valid JSON/],
    ['7g', 'hex', /Invalid hex/],
    ['abc', 'hex', /odd number/],
    ['**', 'base64', /Invalid base64/],
  ] as const)('refuses %j as %s with a message for the field', (text, format, message) => {
    expect(() => parsePayload(text, format)).toThrow(message);
  });

  it.each([
    [json, 'json'],
    [utf8Encode('[1,2]'), 'json'],
    [utf8Encode('{broken'), 'text'],
    [utf8Encode('21.5'), 'text'],
    [bytes(0xff, 0xfe), 'hex'],
  ] as const)('detects %j as %s', (raw, format) => {
    expect(detectPayloadFormat(raw)).toBe(format);
  });

  it('hex round-trips', () => {
    const raw = bytes(0, 1, 127, 128, 255);
    expect(fromHex(toHex(raw))).toEqual(raw);
  });
});
