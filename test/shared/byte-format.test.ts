/** Copying bytes out of the hex dump: each format, table-driven, and the dump's ASCII cells. */

import { describe, expect, it } from 'vitest';
import { asciiCell, formatBytes, type ByteFormat } from '../../shared/byte-format';

const mqttConnectHead = new Uint8Array([0x10, 0x11, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]);
const seventeen = Uint8Array.from({ length: 17 }, (_, i) => i);

describe('formatBytes', () => {
  const cases: Array<[ByteFormat, Uint8Array, string]> = [
    ['hex', mqttConnectHead, '10 11 00 04 4d 51 54 54'],
    ['hex', seventeen, '00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n10'],
    ['hex', new Uint8Array(0), ''],
    ['text', new Uint8Array([0x64, 0x65, 0x6d, 0x6f, 0x2f, 0xc3, 0xa9]), 'demo/é'],
    ['text', new Uint8Array([0x61, 0xff]), 'a\uFFFD'],
    ['c', mqttConnectHead, 'unsigned char packet[8] = {\n  0x10, 0x11, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54\n};'],
    ['c', seventeen, `unsigned char packet[17] = {\n  ${Array.from({ length: 16 }, (_, i) => `0x${i.toString(16).padStart(2, '0')}`).join(', ')},\n  0x10\n};`],
    ['c', new Uint8Array(0), 'unsigned char packet[0] = {};'],
    ['js', mqttConnectHead, 'new Uint8Array([\n  0x10, 0x11, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54\n])'],
    ['js', new Uint8Array(0), 'new Uint8Array([])'],
  ];
  it.each(cases)('formats as %s: %o', (format, bytes, expected) => {
    expect(formatBytes(bytes, format)).toBe(expected);
  });

  it('writes C arrays that a C compiler would read back as the same bytes (checked by evaluating the JS form)', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff);
    const js = formatBytes(bytes, 'js');
    expect(Array.from(new Function(`return ${js}`)() as Uint8Array)).toEqual(Array.from(bytes));
    const c = formatBytes(bytes, 'c');
    const values = /\{([^}]*)\}/.exec(c)![1]!.split(',').map((v) => Number.parseInt(v.trim(), 16));
    expect(values).toEqual(Array.from(bytes));
  });
});

describe('asciiCell', () => {
  it.each([
    [0x41, 'A'],
    [0x20, ' '],
    [0x7e, '~'],
    [0x7f, '.'],
    [0x00, '.'],
    [0x0a, '.'],
    [0xc3, '.'],
  ])('shows 0x%s as %o', (byte, cell) => expect(asciiCell(byte)).toBe(cell));
});
