// Every decode error names the byte offset: one table, one broken payload per case, the
// expected offset worked out by hand from the bytes (comments say which byte and why), not
// read back from the implementation. Offsets are the first byte of the tag, value or item
// that is wrong or cut short; for JSON the first byte that cannot continue the text.
import { describe, expect, it } from 'vitest';
import { decodeErrorText, decodeJsonBytes, DecodeFailure, firstInvalidUtf8, toDecodeError, type DecodeError } from '../../shared/decode-error';
import { formatBinary } from '../../shared/payload-binary';
import { compileSchema } from '../../shared/schema-codecs/compile';
import { SparkplugTracker } from '../../shared/sparkplug/tracker';

const hex = (text: string) => new Uint8Array(text.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)));
const utf8 = (text: string) => new TextEncoder().encode(text);

const PROTO = 'syntax = "proto3";\npackage t;\nmessage M {\n  int32 id = 1;\n  string name = 2;\n  double v = 3;\n  M child = 5;\n}\n';
const protobufCodec = compileSchema({ kind: 'protobuf', messageType: 't.M', files: [{ name: 'm.proto', text: PROTO }] });
const AVSC = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'id', type: 'int' }, { name: 'tag', type: ['null', 'string'] }, { name: 'k', type: { type: 'enum', name: 'K', symbols: ['A', 'B'] } }, { name: 'b', type: 'bytes' }] });
const avroCodec = compileSchema({ kind: 'avro', messageType: '', files: [{ name: 'r.avsc', text: AVSC }] });
const jsonSchemaCodec = compileSchema({ kind: 'json-schema', messageType: '', files: [{ name: 's.json', text: '{"type": "object"}' }] });

/** Decodes with one format's decoder, as the app does, and returns its error. */
const decoders: Record<string, (bytes: Uint8Array) => DecodeError | undefined> = {
  protobuf: (bytes) => protobufCodec.decode(bytes).error,
  avro: (bytes) => avroCodec.decode(bytes).error,
  'json-schema': (bytes) => jsonSchemaCodec.decode(bytes).error,
  sparkplug: (bytes) => new SparkplugTracker().decode('spBv1.0/G/NDATA/E', bytes)?.error,
  'sparkplug STATE': (bytes) => new SparkplugTracker().decode('spBv1.0/STATE/scada', bytes)?.error,
  msgpack: (bytes) => thrown(() => formatBinary(bytes, 'msgpack')),
  cbor: (bytes) => thrown(() => formatBinary(bytes, 'cbor')),
  json: (bytes) => thrown(() => decodeJsonBytes(bytes)),
};

function thrown(f: () => unknown): DecodeError | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeFailure);
    return toDecodeError(error);
  }
}

// [format, what is broken, payload, offset, message]
const CASES: Array<[string, string, Uint8Array, number, RegExp]> = [
  // 08 01 = id 1; 12 = tag of name at 2; its length prefix 05 at 3 promises 5 bytes, 2 follow.
  ['protobuf', 'a string cut short', hex('08 01 12 05 61 62'), 3, /^Not a M: the payload ends inside the value/],
  // 19 = tag of v (fixed64) at 2; the double at 3 needs 8 bytes, 2 follow.
  ['protobuf', 'a double cut short', hex('08 01 19 00 00'), 3, /ends inside/],
  // A second tag 08 at 2; its varint at 3 has the continuation bit set and nothing after it.
  ['protobuf', 'a varint cut short', hex('08 01 08 ff'), 3, /ends inside/],
  // 27 at 2 = field 4 with wire type 7, which does not exist.
  ['protobuf', 'an invalid wire type', hex('08 01 27 00'), 2, /invalid wire type 7/],
  // 2a 04 = child, 4 bytes from 2; inside it 08 01, then tag 12 at 4 and length 05 at 5 with 1 byte after.
  ['protobuf', 'a string cut short in a nested message', hex('2a 04 08 01 12 05 61'), 5, /ends inside/],
  // 08 01 = timestamp 1; 18 = tag of seq at 2; its varint would start at 3, the end.
  ['sparkplug', 'a seq cut short', hex('08 01 18'), 3, /^Not a Payload: the payload ends inside/],
  // 12 0e = a metric of 14 bytes: name "a" (0a 01 61), datatype 30 FloatArray (20 1e), bytes_value
  // (82 01, length 06 at 9) from 10: one float at 10..13, then 2 bytes left at 14.
  ['sparkplug', 'a FloatArray that is not whole floats', hex('12 0e 0a 01 61 20 1e 82 01 06 00 00 80 3f 00 00'), 14, /FloatArray value of 6 bytes is not a whole number of 4-byte entries/],
  // 20 = BooleanArray (32): count 9 (09 00 00 00 at 10) needs 2 bytes of bits; 1 follows, so the missing one is at 15.
  ['sparkplug', 'a BooleanArray shorter than its count', hex('12 0d 0a 01 61 20 20 82 01 05 09 00 00 00 ff'), 15, /BooleanArray of 9 entries needs 6 bytes/],
  // {"online": true,} : the "}" at 16 is where a property name must be.
  ['sparkplug STATE', 'JSON that does not parse', utf8('{"online": true,}'), 16, /^A STATE payload must be JSON .*: Not JSON/],
  ['sparkplug STATE', 'JSON without online', utf8('{"online": "yes"}'), 0, /no "online" true or false/],
  // 02 = id 1; the union index at 1 is 04 = 2, and the union has 2 branches.
  ['avro', 'a union index out of range', hex('02 04 06 61 62 63'), 1, /^Not a R: invalid union index: 2/],
  // Union branch 1 (02 at 1) is a string from 2: length 06 = 3, one byte follows.
  ['avro', 'a string cut short', hex('02 02 06 61'), 2, /^Not a R: the payload ends inside the value/],
  // null branch (00 at 1); the enum index at 2 is 08 = 4, K has 2 symbols.
  ['avro', 'an enum index out of range', hex('02 00 08'), 2, /invalid K enum index: 4|enum/],
  // Enum index 02 = 1 at 2; the bytes at 3 have length 03 = -2.
  ['avro', 'a negative length', hex('02 00 02 03 00'), 3, /negative length -2/],
  // The enum at 2 is not there at all.
  ['avro', 'a record cut short', hex('02 00'), 2, /ends inside/],
  // A whole record (10 bytes) and one more byte at 10.
  ['avro', 'trailing bytes', hex('02 02 06 61 62 63 02 04 01 02 ff'), 10, /1 bytes left over/],
  // fixarray of 2: 01 at 1, the second item would start at 2, the end.
  ['msgpack', 'an array cut short', hex('92 01'), 2, /^Not MessagePack: the payload ends inside/],
  // c1 is never used in MessagePack.
  ['msgpack', 'a reserved type byte', hex('92 01 c1'), 2, /Unrecognized type byte: 0xc1/],
  // map {"a": 1, "b": float64}: the float64 head cb at 6 has 2 of its 8 bytes.
  ['msgpack', 'a float64 cut short', hex('82 a1 61 01 a1 62 cb 00 00'), 6, /ends inside/],
  // fixstr of 5 at 0, 2 bytes follow.
  ['msgpack', 'a string cut short', hex('a5 61 62'), 0, /ends inside/],
  ['msgpack', 'trailing bytes', hex('01 02'), 1, /1 bytes left over/],
  // array of 2: 01 at 1, the second item would start at 2, the end.
  ['cbor', 'an array cut short', hex('82 01'), 2, /^Not CBOR: /],
  // text string of 5 at 2, 1 byte follows.
  ['cbor', 'a string cut short', hex('82 01 65 61'), 2, /not enough data/],
  // {"a": fc}: fc at 3 is major 7 minor 28, reserved.
  ['cbor', 'a reserved simple value', hex('a1 61 61 fc'), 3, /invalid minor \(28\)/],
  ['cbor', 'trailing bytes', hex('01 02'), 1, /1 bytes left over/],
  // {"t": "°C", x}: "°" is 2 bytes, so the "x" at character 12 is at byte 13.
  ['json', 'a bare word after UTF-8 text', utf8('{"t": "°C", x}'), 13, /^Not JSON: /],
  // ff at 5 is not UTF-8.
  ['json', 'bytes that are not UTF-8', hex('7b 22 61 22 3a ff 7d'), 5, /not UTF-8/],
  ['json-schema', 'a bare word after UTF-8 text', utf8('{"t": "°C", x}'), 13, /^Not JSON: /],
  // "€" (e2 82 ac) at 1..3, then e2 82 at 4 is a sequence cut short.
  ['json-schema', 'a UTF-8 sequence cut short', hex('22 e2 82 ac e2 82 22'), 4, /not UTF-8/],
];

describe('decode errors name the byte offset', () => {
  it.each(CASES)('%s: %s', (format, _what, payload, offset, message) => {
    const error = decoders[format]!(payload);
    expect(error).toBeDefined();
    expect(error!.offset).toBe(offset);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('at byte'); // the offset travels apart; decodeErrorText adds it
    expect(decodeErrorText(error!)).toBe(`${error!.message} (at byte ${offset})`);
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['valid text', utf8('a°€😀'), undefined],
    ['a real U+FFFD before a bad byte', hex('61 ef bf bd 62 c0 80'), 5],
    ['a lone continuation byte', hex('80'), 0],
    ['a 4-byte sequence cut short', hex('61 f0 9f 98'), 1],
  ])('%s', (_what, bytes, offset) => {
    expect(firstInvalidUtf8(bytes)).toBe(offset);
  });
});
