// The Sparkplug fast path (shared/sparkplug/fast-decode.ts) against the full protobufjs
// decoder (codec.ts decodeFull): for every payload, decodeSparkplug gives the same JSON as
// decodeFull, or throws the same error at the same offset; the table also pins which
// payloads the fast path takes and which it leaves to protobufjs.
import Long from 'long';
import { encodePayload, type UMetric } from 'sparkplug-payload/lib/sparkplugbpayload';
import { describe, expect, it } from 'vitest';
import { decodeFull, decodeSparkplug } from '../../shared/sparkplug/codec';
import { decodeSparkplugFast } from '../../shared/sparkplug/fast-decode';

const tahu = (metrics: UMetric[], extra: { seq?: number; uuid?: string; body?: Uint8Array } = {}) => encodePayload({ timestamp: 1_700_000_000_000, seq: 3, metrics, ...extra });

/** What a decode gives, as text: the JSON, or the error's name, message and offset. */
function outcome(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): string {
  try {
    return JSON.stringify(decode(bytes));
  } catch (error) {
    const e = error as Error & { offset?: number };
    return `${e.name}: ${e.message} @${e.offset}`;
  }
}

/** A metric's bytes wrapped as field 2 of a Payload. */
const payloadOf = (...metric: number[]) => new Uint8Array([0x12, metric.length, ...metric]);

describe('the fast path decodes as protobufjs does', () => {
  it.each<[string, Uint8Array, boolean]>([
    ['NDATA by alias, five Doubles (the fleet bench)', tahu([1, 2, 3, 4, 5].map((alias) => ({ alias, type: 'Double', value: alias + 0.5 }) as UMetric)), true],
    ['NBIRTH with names, aliases and bdSeq', tahu([{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Line/Sensor 1', alias: 1, type: 'Double', value: 0 }]), true],
    ['Int8 negative', tahu([{ name: 'm', type: 'Int8', value: -5 }]), true],
    ['Int32 negative', tahu([{ name: 'm', type: 'Int32', value: -70000 }]), true],
    ['Int64 negative (beyond 2^53 unsigned)', tahu([{ name: 'm', type: 'Int64', value: Long.fromString('-9000000000') }]), false],
    ['UInt64 beyond 2^53', tahu([{ name: 'm', type: 'UInt64', value: Long.fromString('18446744073709551615', true) }]), false],
    ['UInt32 in long_value', tahu([{ name: 'm', type: 'UInt32', value: 4000000000 }]), true],
    ['UInt16', tahu([{ name: 'm', type: 'UInt16', value: 65000 }]), true],
    ['Float', tahu([{ name: 'm', type: 'Float', value: 1.1 }]), true],
    ['Boolean false', tahu([{ name: 'm', type: 'Boolean', value: false }]), true],
    ['String, not ASCII', tahu([{ name: 'température', type: 'String', value: 'héllo 𝄞' }]), true],
    ['DateTime', tahu([{ name: 'm', type: 'DateTime', value: 1_700_000_000_123 }]), true],
    ['Bytes', tahu([{ name: 'm', type: 'Bytes', value: new Uint8Array([1, 2, 0xff]) }]), false],
    ['a null metric', tahu([{ name: 'm', type: 'Int32', value: null, isNull: true } as unknown as UMetric]), true],
    ['flags and a metric timestamp', tahu([{ name: 'm', type: 'Double', value: 1, timestamp: 1_700_000_000_001, isHistorical: true, isTransient: true } as UMetric]), true],
    ['properties (quality)', tahu([{ name: 'm', type: 'Int32', value: 1, properties: { Quality: { type: 'Int32', value: 192 } } } as UMetric]), false],
    ['uuid and body', tahu([], { uuid: 'abc', body: new Uint8Array([9, 8]) }), true],
    ['no metrics, no seq', encodePayload({ timestamp: 5, metrics: [] }), true],
    ['empty payload', new Uint8Array(0), true],
    ['a metric with no datatype (Unknown) and no value', payloadOf(0x10, 0x07), true],
    ['double_value then int_value: the last of the oneof wins', payloadOf(0x20, 0x03, 0x69, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x50, 0x05), true],
    ['int_value then long_value: the last of the oneof wins', payloadOf(0x0a, 0x01, 0x61, 0x50, 0x08, 0x58, 0x07), true],
    ['double_value twice: the last wins', payloadOf(0x69, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x69, 0, 0, 0, 0, 0, 0, 0, 0x40), true],
    ['name twice: the last wins', payloadOf(0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62), true],
    ['empty name', payloadOf(0x0a, 0x00, 0x10, 0x01), true],
    ['int_value in five bytes (Int32 -1)', payloadOf(0x20, 0x03, 0x50, 0xff, 0xff, 0xff, 0xff, 0x0f), true],
    ['int_value in ten bytes (sign-extended -1)', payloadOf(0x20, 0x03, 0x50, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), false],
    ['a fifth byte with bits beyond 32', payloadOf(0x50, 0xff, 0xff, 0xff, 0xff, 0x1f), false],
    ['is_null by a non-zero varint', payloadOf(0x38, 0x02), true],
    ['datatype beyond the enum', payloadOf(0x20, 0x63), true],
    ['invalid UTF-8 in a name', payloadOf(0x0a, 0x02, 0xc3, 0x28), false],
    ['name as a varint (wrong wire type)', payloadOf(0x08, 0x01), false],
    ['an unknown payload field', new Uint8Array([0x30, 0x01]), false],
    ['cut inside the timestamp', new Uint8Array([0x08, 0x80]), false],
    ['a metric longer than the payload', new Uint8Array([0x12, 0x05, 0x10, 0x01]), false],
    ['a string past its metric', new Uint8Array([0x12, 0x02, 0x0a, 0x03, 0x61, 0x62, 0x63]), false],
    ['a double cut short', payloadOf(0x69, 0, 0, 0), false],
    ['field number 0', new Uint8Array([0x00, 0x00]), false],
  ])('%s', (_label, bytes, fast) => {
    expect(decodeSparkplugFast(bytes) !== undefined).toBe(fast);
    expect(outcome(decodeSparkplug, bytes)).toBe(outcome(decodeFull, bytes));
  });

  it('every truncation and every single-byte change of a birth decodes (or fails) the same both ways', () => {
    const birth = tahu([
      { name: 'bdSeq', type: 'UInt64', value: 7 },
      { name: 'Line/Sensor 1', alias: 1, type: 'Double', value: 21.5 },
      { name: 'On', alias: 2, type: 'Boolean', value: true },
      { name: 'Count', alias: 3, type: 'Int16', value: -3 },
      { name: 'Label', alias: 4, type: 'String', value: 'ok' },
      { name: 'Ratio', alias: 5, type: 'Float', value: 0.25 },
    ]);
    let fastTaken = 0;
    const check = (bytes: Uint8Array) => {
      if (decodeSparkplugFast(bytes)) fastTaken++;
      expect(outcome(decodeSparkplug, bytes)).toBe(outcome(decodeFull, bytes));
    };
    for (let length = 0; length <= birth.length; length++) check(birth.subarray(0, length));
    for (let at = 0; at < birth.length; at++) {
      for (const byte of [0x00, 0x01, 0x08, 0x0a, 0x12, 0x50, 0x69, 0x7f, 0x80, 0xff]) {
        const changed = Uint8Array.from(birth);
        changed[at] = byte;
        check(changed);
      }
    }
    // Most variants are still of the common shape: the comparison above is mostly of the fast path.
    expect(fastTaken).toBeGreaterThan(birth.length * 3);
  });
});
