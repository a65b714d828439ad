// `--format`: the CLI's payloads through the desk's shared decoders, table by table.
import { describe, expect, it } from 'vitest';
import { DeskPayloads, checkCliFormat } from '../../../backend/cli/desk-payload';
import type { SchemaMapping } from '../../../shared/schema-mapping';
import { encodeSparkplug } from '../../../shared/sparkplug/codec';

const READING = `syntax = "proto3";
package sensors;
message Reading { string sensor = 1; double value = 2; }
`;
const schemas: SchemaMapping[] = [
  { id: 'r', kind: 'protobuf', topicFilter: 'sensors/+/reading', messageType: 'sensors.Reading', files: [{ name: 'reading.proto', text: READING }] },
  { id: 'j', kind: 'json-schema', topicFilter: 'other/#', messageType: '', files: [{ name: 's.json', text: '{"type": "object"}' }] },
];
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('--format values', () => {
  it.each([
    ['text', undefined],
    ['sparkplug', undefined],
    ['protobuf', undefined],
    [undefined, undefined],
    ['xml', "Error: --format must be one of text, json, hex, base64, msgpack, cbor, sparkplug, protobuf (got 'xml').\n"],
  ])('%s', (format, expected) => expect(checkCliFormat(format)).toBe(expected));
});

describe('the simple formats', () => {
  it.each([
    ['hex', '6869', '68 69'],
    ['base64', 'aGk=', 'aGk='],
    ['json', '{"a": 1}', '{\n  "a": 1\n}'],
  ] as const)('%s', (format, typed, shown) => {
    const payloads = new DeskPayloads(format);
    expect(payloads.show('t', payloads.encode('t', typed))).toBe(shown);
  });
});

describe('--format sparkplug', () => {
  const payloads = new DeskPayloads('sparkplug');
  const birth = encodeSparkplug({ seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Temperature', alias: 7, type: 'Double', value: 20 }] }, 1000);
  const data = encodeSparkplug({ seq: 1, metrics: [{ alias: 7, type: 'Double', value: 21.5 }] }, 2000);

  it('names aliased metrics from the birth it saw, as the desk does', () => {
    payloads.show('spBv1.0/plant/NBIRTH/edge1', birth);
    const shown = JSON.parse(payloads.show('spBv1.0/plant/NDATA/edge1', data)) as { metrics: Array<{ name: string; value: number }> };
    expect(shown.metrics[0]).toMatchObject({ name: 'Temperature', value: 21.5 });
  });

  it('reads a Sparkplug payload on any other topic too', () => {
    const shown = JSON.parse(new DeskPayloads('sparkplug').show('plain/topic', data)) as { seq: number; metrics: Array<{ alias: number; value: number }> };
    expect(shown.seq).toBe(1);
    expect(shown.metrics[0]).toMatchObject({ alias: 7, value: 21.5 });
  });

  it('encodes the publish editor JSON form on a Sparkplug topic', () => {
    const bytes = payloads.encode('spBv1.0/plant/NCMD/edge1', '{"timestamp": 5, "metrics": [{"name": "Reboot", "type": "Boolean", "value": true}]}');
    expect(hex(bytes)).toBe(hex(encodeSparkplug({ timestamp: 5, metrics: [{ name: 'Reboot', type: 'Boolean', value: true }] })));
  });

  it.each([
    ['not JSON', 'spBv1.0/plant/NCMD/edge1', '{', /JSON/],
    ['a bad metric type', 'spBv1.0/plant/NCMD/edge1', '{"metrics": [{"name": "x", "type": "Nope", "value": 1}]}', /metrics\[0\]\.type/],
    ['a topic outside Sparkplug', 'plain/topic', '{}', /spBv1\.0/],
  ])('refuses to encode %s, saying why', (_name, topic, text, reason) => {
    expect(() => payloads.encode(topic, text)).toThrow(reason);
  });

  it('names the decoder when the bytes are not Sparkplug, and --output keeps them', () => {
    expect(() => payloads.show('spBv1.0/plant/NDATA/edge1', new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/^Sparkplug B NDATA: /);
    expect(payloads.value('spBv1.0/plant/NDATA/edge1', new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({ base64: '////' });
  });
});

describe('--format protobuf with the profile schemas', () => {
  const payloads = new DeskPayloads('protobuf', schemas);

  it('encodes and decodes with the message type mapped to the topic', () => {
    const bytes = payloads.encode('sensors/s1/reading', '{"sensor": "s1", "value": 21.5}');
    expect(JSON.parse(payloads.show('sensors/s1/reading', bytes))).toEqual({ sensor: 's1', value: 21.5 });
    expect(payloads.value('sensors/s1/reading', bytes)).toEqual({ sensor: 's1', value: 21.5 });
  });

  it.each([
    ['no mapping', 'elsewhere'],
    ['a mapping of another kind', 'other/x'],
  ])('says which topic has no protobuf schema (%s)', (_name, topic) => {
    expect(() => payloads.show(topic, new Uint8Array([10, 1, 0x61]))).toThrow(`no protobuf schema of the --profile is mapped to ${topic}`);
    expect(() => payloads.encode(topic, '{}')).toThrow(`no protobuf schema of the --profile is mapped to ${topic}`);
  });

  it('without --profile there are no schemas', () => {
    expect(() => new DeskPayloads('protobuf').show('sensors/s1/reading', new Uint8Array(0))).toThrow(/no protobuf schema/);
  });
});

describe('a payload that does not decode: the decoder, its error and the byte offset', () => {
  // [format, topic, payload, stdout error, --output value]; offsets by hand from the bytes.
  it.each([
    // fixarray of 2 with one item: the second would start at 2.
    ['msgpack', 't', [0x92, 0x01], 'Not MessagePack: the payload ends inside the item that starts here (at byte 2)', { error: 'Not MessagePack: the payload ends inside the item that starts here', offset: 2, base64: 'kgE=' }],
    // text string of 5 at 0, one byte follows.
    ['cbor', 't', [0x65, 0x61], 'Not CBOR: not enough data for type (at byte 0)', { error: 'Not CBOR: not enough data for type', offset: 0, base64: 'ZWE=' }],
    // ff at 0 is a tag with wire type 7.
    ['sparkplug', 'spBv1.0/plant/NDATA/edge1', [0xff, 0x01], 'Sparkplug B NDATA: Not a Payload: invalid wire type 7 in the tag (at byte 0)', { error: 'Sparkplug B NDATA: Not a Payload: invalid wire type 7 in the tag', offset: 0, base64: '/wE=' }],
    // Not a Sparkplug topic, read as a payload anyway: tag 08 at 0, its varint at 1 is missing.
    ['sparkplug', 'plain/topic', [0x08], 'Sparkplug B: Not a Payload: the payload ends inside the value that starts here (at byte 1)', { error: 'Sparkplug B: Not a Payload: the payload ends inside the value that starts here', offset: 1, base64: 'CA==' }],
    // sensor: tag 0a at 0, length prefix at 1 promises 5 bytes, 1 follows.
    ['protobuf', 'sensors/s1/reading', [0x0a, 0x05, 0x61], 'sensors.Reading: Not a Reading: the payload ends inside the value that starts here (at byte 1)', { error: 'sensors.Reading: Not a Reading: the payload ends inside the value that starts here', offset: 1, base64: 'CgVh' }],
  ] as const)('%s on %s', (format, topic, bytes, shown, value) => {
    const payload = new Uint8Array(bytes);
    expect(() => new DeskPayloads(format, schemas).show(topic, payload)).toThrow(shown);
    expect(new DeskPayloads(format, schemas).value(topic, payload)).toEqual(value);
  });
});
