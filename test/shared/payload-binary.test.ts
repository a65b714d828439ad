import { encode as cborEncode } from 'cborg';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { encodeBinary, formatBinary, looksLike } from '../../shared/payload-binary';

describe('MessagePack and CBOR views', () => {
  const value = { t: 21.5, unit: 'C', tags: ['a', 'b'], ok: true, n: null };

  it.each([
    ['msgpack', msgpackEncode(value)],
    ['cbor', cborEncode(value)],
  ] as const)('%s decodes to indented JSON', (format, bytes) => {
    expect(JSON.parse(formatBinary(bytes, format))).toEqual(value);
    expect(formatBinary(bytes, format)).toContain('\n  "t": 21.5');
  });

  it.each([
    ['msgpack', 'MessagePack'],
    ['cbor', 'CBOR'],
  ] as const)('encodes JSON text as %s (%s) that decodes back', (format, _name) => {
    const bytes = encodeBinary('{"t":21.5,"list":[1,2,3]}', format);
    expect(JSON.parse(formatBinary(bytes, format))).toEqual({ t: 21.5, list: [1, 2, 3] });
  });

  it('shows binary blobs, big integers and maps with non-string keys', () => {
    const bytes = msgpackEncode({ blob: new Uint8Array([1, 2, 255]), big: 2n ** 63n - 1n }, { useBigInt64: true });
    expect(JSON.parse(formatBinary(bytes, 'msgpack'))).toEqual({ blob: '<3 bytes: 01 02 ff>', big: '9223372036854775807' });
    const cbor = cborEncode(new Map<unknown, unknown>([[1, 'one']]), { mapSorter: () => 0 } as never);
    expect(JSON.parse(formatBinary(cbor, 'cbor'))).toEqual({ '1': 'one' });
  });

  it.each([
    [new Uint8Array([0xc1]), 'msgpack', /Not MessagePack/],
    [new Uint8Array([0x81]), 'msgpack', /Not MessagePack/],
    [new Uint8Array([0xff, 0xff]), 'cbor', /Not CBOR/],
    [new Uint8Array([0x01, 0x02]), 'cbor', /Not CBOR/],
  ] as const)('refuses %j as %s', (bytes, format, message) => {
    expect(() => formatBinary(bytes, format)).toThrow(message);
    expect(looksLike(bytes, format)).toBe(false);
  });

  it('refuses non-JSON text when encoding', () => {
    expect(() => encodeBinary('{nope', 'cbor')).toThrow(/not valid JSON/);
  });
});
