// Compact Sparkplug records (shared/sparkplug/compact.ts): what the tracker gives for real
// payloads (Eclipse Tahu's encoder) reads back as the same object with the same JSON text
// (the page's detail, exports and search show that text); shapes it does not take are
// refused with nothing written; malformed records are refused with the byte.
import Long from 'long';
import { encodePayload, type UMetric } from 'sparkplug-payload/lib/sparkplugbpayload';
import { describe, expect, it } from 'vitest';
import type { DecodedPayload } from '../../shared/decoded';
import { COMPACT_MAGIC, CompactWriter, readCompactSparkplug, writeCompactSparkplug } from '../../shared/sparkplug/compact';
import { SparkplugTracker } from '../../shared/sparkplug/tracker';

const tahu = (metrics: UMetric[], extra: { seq?: number; uuid?: string; body?: Uint8Array } = {}) => encodePayload({ timestamp: 1_700_000_000_000, seq: 0, metrics, ...extra });
const doubles = (n: number) => Array.from({ length: n }, (_, i) => ({ alias: i + 1, type: 'Double', value: i + 0.5 }) as UMetric);

/** The tracker's decoded payload of each message in turn (births first, so aliases resolve), the last one returned. */
function tracked(...messages: Array<[string, Uint8Array]>): DecodedPayload {
  const tracker = new SparkplugTracker();
  let last: DecodedPayload | undefined;
  for (const [topic, payload] of messages) last = tracker.decode(topic, payload);
  return last!;
}

const birth: [string, Uint8Array] = ['spBv1.0/Plant/NBIRTH/node1', tahu([{ name: 'bdSeq', type: 'UInt64', value: 0 }, ...doubles(5).map((m, i) => ({ ...m, name: `Line/Sensor ${i + 1}` }))])];

/** Writes a record and returns its bytes (a copy), or undefined when refused. */
function compact(decoded: DecodedPayload): Uint8Array | undefined {
  const writer = new CompactWriter();
  writer.u8(0xee); // something before it: records are written back to back
  const before = writer.length;
  if (!writeCompactSparkplug(writer, decoded)) {
    expect(writer.length).toBe(before);
    return undefined;
  }
  return writer.bytes.slice(before, writer.length);
}

describe('compact Sparkplug records read back as the tracker decoded them', () => {
  it.each<[string, DecodedPayload]>([
    ['NDATA by alias, five Doubles (the fleet bench)', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu(doubles(5), { seq: 1 })])],
    ['NBIRTH with names, aliases and bdSeq', tracked(birth)],
    ['a seq gap warning', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu(doubles(2), { seq: 7 })])],
    ['aliases with no birth (warning, alias names)', tracked(['spBv1.0/Plant/NDATA/node9', tahu(doubles(2), { seq: 1 })])],
    ['DDATA of a device, Unicode names and text', tracked(birth, ['spBv1.0/Plant/DDATA/node1/Pumpe-Ü', tahu([{ name: 'température', type: 'String', value: 'héllo 𝄞' }], { seq: 1 })])],
    ['integers, Boolean, DateTime, a 64-bit value below 2^53', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([{ name: 'i8', type: 'Int8', value: -5 }, { name: 'u32', type: 'UInt32', value: 4000000000 }, { name: 'b', type: 'Boolean', value: false }, { name: 't', type: 'DateTime', value: 1_700_000_000_123 }, { name: 'l', type: 'UInt64', value: Long.fromNumber(2 ** 52 + 1, true) }], { seq: 1 })])],
    ['a 64-bit value beyond 2^53 (a decimal string)', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([{ name: 'big', type: 'UInt64', value: Long.fromString('18446744073709551615', true) }], { seq: 1 })])],
    ['a null metric, flags, a metric timestamp', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([{ name: 'n', type: 'Int32', value: null, isNull: true } as unknown as UMetric, { name: 'h', type: 'Double', value: 1, timestamp: 1_700_000_000_001, isHistorical: true, isTransient: true } as UMetric], { seq: 1 })])],
    ['uuid (the body is not carried by the tracker)', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([], { seq: 1, uuid: 'abc', body: new Uint8Array([9, 8]) })])],
    ['NDEATH with a bdSeq mismatch', tracked(birth, ['spBv1.0/Plant/NDEATH/node1', encodePayload({ timestamp: 5, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 3 }] })])],
    ['a metric with no datatype (Unknown) and no value', tracked(['spBv1.0/Plant/NDATA/node1', new Uint8Array([0x12, 0x02, 0x10, 0x07])])],
    ['an empty DCMD', tracked(['spBv1.0/Plant/DCMD/node1/dev', new Uint8Array(0)])],
    ['long text values, ASCII and not (decoded, not interned)', tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([{ name: 'log', type: 'String', value: 'x'.repeat(5000) }, { name: 'log2', type: 'Text', value: 'é'.repeat(100) }], { seq: 1 })])],
  ])('%s', (_name, decoded) => {
    const bytes = compact(decoded);
    expect(bytes, 'taken as a compact record').toBeDefined();
    expect(bytes![0]).toBe(COMPACT_MAGIC);
    const read = readCompactSparkplug(bytes!, 0, bytes!.byteLength);
    expect(read).toEqual(decoded);
    // The same text in the detail, exports and search.
    expect(JSON.stringify(read)).toBe(JSON.stringify(decoded));
  });

  it('reads records written back to back, from any offset in a larger buffer', () => {
    const a = tracked(birth);
    const b = tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu(doubles(3), { seq: 1 })]);
    const writer = new CompactWriter();
    // Enough records to grow the writer's buffer past its first 16 KiB.
    const ends: number[] = [];
    for (let i = 0; i < 300; i++) {
      expect(writeCompactSparkplug(writer, i % 2 ? a : b)).toBe(true);
      ends.push(writer.length);
    }
    const frame = new Uint8Array(writer.length + 3);
    frame.set(writer.bytes.subarray(0, writer.length), 3);
    for (let i = 0, start = 0; i < ends.length; start = ends[i]!, i++) expect(readCompactSparkplug(frame.subarray(3), start, ends[i]!)).toEqual(i % 2 ? a : b);
  });
});

describe('shapes other than the common one stay JSON (nothing written)', () => {
  const ndata = () => structuredClone(tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu(doubles(2), { seq: 1 })]));
  const metric0 = (d: DecodedPayload) => d.sparkplug!.metrics[0]! as unknown as Record<string, unknown>;
  it.each<[string, () => DecodedPayload]>([
    ['STATE', () => tracked(['spBv1.0/STATE/host1', new TextEncoder().encode('{"online":true,"timestamp":1}')])],
    ['a decode error', () => tracked(['spBv1.0/Plant/NDATA/node1', new Uint8Array([0xff, 0xff])])],
    ['a schema decoder', () => ({ kind: 'protobuf', type: 'p.R', value: { t: 1 } })],
    ['a value on the payload', () => Object.assign(ndata(), { value: { seq: 1 } })],
    ['a partial preview', () => Object.assign(ndata(), { partial: true as const })],
    ['metric properties (quality)', () => tracked(birth, ['spBv1.0/Plant/NDATA/node1', tahu([{ name: 'm', type: 'Int32', value: 1, properties: { Quality: { type: 'Int32', value: 192 } } } as UMetric], { seq: 1 })])],
    ['a data set value', () => {
      const d = ndata();
      metric0(d).value = { columns: ['a'], types: ['Int32'], rows: [[1]] };
      return d;
    }],
    ['NaN (JSON writes null)', () => {
      const d = ndata();
      metric0(d).value = Number.NaN;
      return d;
    }],
    ['keys out of order (the JSON would differ)', () => {
      const d = ndata();
      const { name, ...rest } = metric0(d);
      d.sparkplug!.metrics[0] = { ...rest, name } as never;
      return d;
    }],
    ['a type that does not match the message type', () => Object.assign(ndata(), { type: 'Sparkplug B DDATA' })],
    ['a 64-bit seq carried as a string', () => {
      const d = ndata();
      (d.sparkplug as unknown as Record<string, unknown>).seq = '18446744073709551615';
      return d;
    }],
  ])('%s', (_name, make) => {
    expect(compact(make())).toBeUndefined();
  });
});

describe('malformed records are refused with the byte', () => {
  const good = compact(tracked(birth, ['spBv1.0/Plant/DDATA/node1/dev', tahu(doubles(2), { seq: 1, uuid: 'u' })]))!;
  const patched = (at: number, value: number) => Object.assign(good.slice(), { [at]: value });
  it.each<[string, () => Uint8Array, RegExp]>([
    ['another first byte (JSON text)', () => new TextEncoder().encode('{"kind":"sparkplug"}'), /starts with 0x7b, not 0xc1 at byte 0/],
    ['unknown info flags', () => patched(1, 0xff), /unknown info flags 0xff at byte 1/],
    ['empty', () => new Uint8Array(0), /the header runs past its end \(0 bytes\) at byte 0/],
    ['a string longer than the record', () => patched(2, 0x7f), /the group runs past its end/],
    ['a length of more than five bytes', () => new Uint8Array([COMPACT_MAGIC, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /a length longer than five bytes at byte 7/],
    ['a byte too many', () => Uint8Array.from([...good, 0]), /1 bytes left after the metrics/],
    ['more metrics than bytes', () => new Uint8Array([COMPACT_MAGIC, 0, 1, 0x67, 1, 0x4e, 1, 0x6e, 0x7f]), /127 metrics in 0 bytes/],
  ])('%s', (_name, make, error) => {
    const bytes = make();
    expect(() => readCompactSparkplug(bytes, 0, bytes.byteLength)).toThrow(error);
  });

  it('every truncation of a good record is refused, none read past its end', () => {
    for (let length = 0; length < good.byteLength; length++) {
      // The bytes after the end are there (the rest of a frame) but must not be read.
      expect(() => readCompactSparkplug(good, 0, length), `${length} bytes`).toThrow(/Malformed compact Sparkplug record: .* at byte \d+/);
    }
    expect(() => readCompactSparkplug(good, 0, good.byteLength + 1)).toThrow(/Malformed compact Sparkplug record/);
  });

  it('a bad value tag names the metric', () => {
    const one = compact({ kind: 'sparkplug', type: 'Sparkplug B NDATA', sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: 'n', metrics: [{ name: 'm', datatype: 'Double', value: 1 }] } })!;
    // magic, info flags, "g", "NDATA", "n" (each after its length), the metric count, the metric's flags: then its value tag.
    const tagAt = 1 + 1 + 2 + 6 + 2 + 1 + 1;
    expect(one[tagAt]).toBe(1);
    one[tagAt] = 9;
    expect(() => readCompactSparkplug(one, 0, one.byteLength)).toThrow(/metric 0 has value tag 9 at byte 14/);
  });
});
