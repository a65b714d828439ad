// Schemas per topic filter: protobuf (.proto with imports), Avro (.avsc) and JSON Schema,
// compiled, decoding and encoding, and refusing what does not parse with file:line (every
// case of that in schema-errors.test.ts).
import avro from 'avsc';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { checkSchemas, compileSchema } from '../../shared/schema-codecs/compile';
import { MAX_DECODE_BYTES, PayloadDecoder } from '../../shared/payload-decoder';
import type { SchemaMapping } from '../../shared/schema-mapping';
import { findSchema, schemaKindOf } from '../../shared/schema-mapping';

const UNITS = `syntax = "proto3";
package common;
enum Unit { CELSIUS = 0; KELVIN = 1; }
`;
const READING = `syntax = "proto3";
package sensors;
import "common/units.proto";

// One reading of a sensor.
message Reading {
  string sensor = 1;
  double value = 2;
  common.Unit unit = 3;
  int64 seq = 4;
  bytes raw = 5;
  repeated Tag tags = 6;
}
message Tag { string key = 1; string value = 2; }
`;
const protoFiles = [
  { name: 'reading.proto', text: READING },
  { name: 'common/units.proto', text: UNITS },
];
const mapping = (over: Partial<SchemaMapping>): SchemaMapping => ({ id: 'x', kind: 'protobuf', topicFilter: '#', messageType: '', files: [], ...over });

/** What protoc-compatible encoders write for a reading (protobufjs, from the same .proto). */
function encodeReading(value: Record<string, unknown>): Uint8Array {
  const root = new protobuf.Root();
  protobuf.parse(UNITS, root);
  protobuf.parse(READING, root);
  const type = root.lookupType('sensors.Reading');
  return type.encode(type.fromObject(value)).finish();
}

describe('protobuf', () => {
  const codec = compileSchema(mapping({ files: protoFiles, messageType: 'sensors.Reading' }));

  it('decodes to the proto3 JSON mapping, imports resolved', () => {
    const bytes = encodeReading({ sensor: 't1', value: 21.5, unit: 1, seq: '9007199254740993', raw: new Uint8Array([1, 2]), tags: [{ key: 'room', value: 'lab' }] });
    expect(codec.decode(bytes)).toEqual({
      kind: 'protobuf',
      type: 'sensors.Reading',
      value: { sensor: 't1', value: 21.5, unit: 'KELVIN', seq: '9007199254740993', raw: 'AQI=', tags: [{ key: 'room', value: 'lab' }] },
    });
  });

  it('encodes JSON to the mapped type', () => {
    const bytes = codec.encode('{"sensor": "t2", "value": 3.25, "unit": "KELVIN", "tags": [{"key": "a", "value": "b"}]}');
    expect(codec.decode(bytes).value).toEqual({ sensor: 't2', value: 3.25, unit: 'KELVIN', tags: [{ key: 'a', value: 'b' }] });
  });

  it.each([
    ['{"sensor": "t", "valeu": 1}', /valeu: sensors.Reading has no field "valeu"/],
    ['{"tags": [{"kye": "a"}]}', /tags\[0\]\.kye: sensors.Tag has no field "kye"/],
    ['{"sensor": 5', /Payload is not valid JSON/],
    ['[1]', /sensors.Reading needs a JSON object/],
  ])('refuses to encode %s', (json, message) => {
    expect(() => codec.encode(json)).toThrow(message);
  });

  it('a payload that does not decode: the error and its byte offset', () => {
    const good = encodeReading({ sensor: 'a long sensor name', value: 1 });
    const decoded = codec.decode(good.subarray(0, 6));
    // The sensor string: tag 0a at 0, its length prefix at 1 promises 18 bytes, 4 follow.
    expect(decoded.error).toEqual({ message: 'Not a Reading: the payload ends inside the value that starts here', offset: 1 });
    // 0f at 0: field 1 with wire type 7.
    expect(codec.decode(new Uint8Array([0x0f, 0x00])).error).toEqual({ message: 'Not a Reading: invalid wire type 7 in the tag', offset: 0 });
  });

  it('well-known types need no file', () => {
    const withTime = compileSchema(
      mapping({ files: [{ name: 't.proto', text: 'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage T { google.protobuf.Timestamp at = 1; }\n' }], messageType: 'T' }),
    );
    expect(withTime.decode(withTime.encode('{"at": {"seconds": 5}}')).value).toEqual({ at: { seconds: '5' } });
  });

  it.each<[string, Partial<SchemaMapping>, string, string]>([
    ['a syntax error', { files: [{ name: 'bad.proto', text: 'syntax = "proto3";\nmessage X {\n  int32 v = 1\n}\n' }], messageType: 'X' }, 'files', "bad.proto:4:1: illegal token '}', ';' expected"],
    ['a missing import', { files: [{ name: 'reading.proto', text: READING }], messageType: 'sensors.Reading' }, 'files', 'reading.proto:3:8: imports "common/units.proto", which was not given: add it to the schema files'],
    ['an unknown type', { files: [{ name: 'a.proto', text: 'syntax = "proto3";\nmessage A {\n  Missing m = 1;\n}\n' }], messageType: 'A' }, 'files', 'a.proto:3:3: field "m" of A: no such type "Missing"'],
    ['an unknown message type', { files: protoFiles, messageType: 'sensors.Nope' }, 'messageType', 'No message type "sensors.Nope" in the schema; it defines sensors.Reading, sensors.Tag'],
  ])('refuses %s with file:line', (_label, over, field, message) => {
    expect(checkSchemas([mapping({ ...over, id: 'a', topicFilter: 'a/#' })])).toEqual({ [`schemas.0.${field}`]: message });
  });
});

describe('avro', () => {
  const schema = {
    type: 'record',
    name: 'Reading',
    namespace: 'sensors',
    fields: [
      { name: 'sensor', type: 'string' },
      { name: 'value', type: 'double' },
      { name: 'count', type: 'long' },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };
  const files = [{ name: 'reading.avsc', text: JSON.stringify(schema, null, 2) }];
  const codec = compileSchema(mapping({ kind: 'avro', files }));
  const reference = avro.Type.forSchema(schema as avro.Schema);

  it('decodes what avsc encodes, and encodes what avsc decodes', () => {
    const value = { sensor: 't1', value: 1.5, count: 7, note: 'hi' };
    expect(codec.decode(reference.toBuffer(value))).toEqual({ kind: 'avro', type: 'sensors.Reading', value });
    expect(reference.fromBuffer(Buffer.from(codec.encode('{"sensor": "t2", "value": 2, "count": 1, "note": null}')))).toEqual({ sensor: 't2', value: 2, count: 1, note: null });
  });

  it('truncated and trailing bytes, with the offset', () => {
    const bytes = reference.toBuffer({ sensor: 't1', value: 1.5, count: 7, note: null });
    // "t1" is 04 74 31 at 0..2; the double from 3 has 2 of its 8 bytes.
    expect(codec.decode(bytes.subarray(0, 5)).error).toEqual({ message: 'Not a sensors.Reading: the payload ends inside the value that starts here', offset: 3 });
    expect(codec.decode(Buffer.concat([bytes, Buffer.from([1, 2])])).error).toEqual({ message: 'Not a sensors.Reading: 2 bytes left over after the value', offset: bytes.length });
  });

  it('refuses JSON that does not fit, naming the field', () => {
    expect(() => codec.encode('{"sensor": "t", "value": "hot", "count": 1, "note": null}')).toThrow('value: expected double, got "hot"');
  });

  it.each([
    ['not JSON', '{\n  "type": "record",\n  "name": "X",\n  "fields": [,]\n}\n', 'broken.avsc:4:14: not JSON'],
    ['an unknown type', '{\n  "type": "record",\n  "name": "X",\n  "fields": [\n    {"name": "a", "type": "decimal128"}\n  ]\n}\n', 'broken.avsc:5:5: field "a": undefined type name: decimal128'],
  ])('refuses a schema that is %s, with file:line', (_label, text, message) => {
    const fields = checkSchemas([mapping({ kind: 'avro', files: [{ name: 'broken.avsc', text }] })]);
    expect(fields['schemas.0.files']).toContain(message);
  });
});

describe('JSON Schema', () => {
  const schema = { title: 'Reading', type: 'object', required: ['temp'], properties: { temp: { type: 'number' }, room: { type: 'string' } }, additionalProperties: false };
  const codec = compileSchema(mapping({ kind: 'json-schema', files: [{ name: 'reading.json', text: JSON.stringify(schema) }] }));
  const text = (s: string) => new TextEncoder().encode(s);

  it.each([
    ['{"temp": 21}', { valid: true }],
    ['{"temp": "hot"}', { valid: false, path: '/temp', message: 'must be number' }],
    ['{"room": "lab"}', { valid: false, path: '', message: "must have required property 'temp'" }],
    ['{"temp": 1, "x": 2}', { valid: false, path: '', message: 'must NOT have additional properties (x)' }],
  ])('%s', (json, validation) => {
    expect(codec.decode(text(json))).toEqual({ kind: 'json-schema', type: 'Reading', value: JSON.parse(json), validation });
  });

  it('JSON that does not parse: the error and the byte offset', () => {
    const decoded = codec.decode(text('{"temp": 2,}'));
    expect(decoded.error?.message).toMatch(/^Not JSON/);
    expect(decoded.error?.offset).toBe(11);
  });

  it('publishing: refused with the failing path, passed through unchanged when valid', () => {
    expect(() => codec.encode('{"temp": "x"}')).toThrow('Does not match Reading: /temp must be number');
    expect(new TextDecoder().decode(codec.encode('{"temp": 1}'))).toBe('{"temp": 1}');
  });

  it('2020-12 schemas and $ref to a second file', () => {
    const main = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { t: { $ref: 'https://example.test/temp' } } };
    const temp = { $id: 'https://example.test/temp', type: 'number', minimum: -50 };
    const c = compileSchema(mapping({ kind: 'json-schema', files: [{ name: 'main.json', text: JSON.stringify(main) }, { name: 'temp.json', text: JSON.stringify(temp) }] }));
    expect(c.decode(text('{"t": -60}')).validation).toEqual({ valid: false, path: '/t', message: 'must be >= -50' });
  });

  it('refuses a schema file that is not JSON, with file:line', () => {
    expect(checkSchemas([mapping({ kind: 'json-schema', files: [{ name: 's.json', text: '{\n  "type": "object",\n  oops\n}' }] })])['schemas.0.files']).toMatch(/^s\.json:3:3: not JSON/);
  });
});

describe('mapping topics to schemas', () => {
  it.each([
    ['a.proto', 'protobuf'],
    ['x.AVSC', 'avro'],
    ['schema.json', 'json-schema'],
    ['notes.txt', undefined],
  ])('%s is %s', (name, kind) => {
    expect(schemaKindOf(name)).toBe(kind);
  });

  it('the first matching filter wins', () => {
    const schemas = [{ topicFilter: 'sensors/+/temp' }, { topicFilter: 'sensors/#' }];
    expect(findSchema(schemas, 'sensors/1/temp')).toBe(schemas[0]);
    expect(findSchema(schemas, 'sensors/1/rh')).toBe(schemas[1]);
    expect(findSchema(schemas, 'other')).toBeUndefined();
  });

  it('a connection decoder: schemas by filter, Sparkplug with no setup, nothing for the rest', () => {
    const decoder = new PayloadDecoder([mapping({ topicFilter: 'sensors/#', files: protoFiles, messageType: 'sensors.Reading' })]);
    expect(decoder.decode('sensors/1', encodeReading({ sensor: 'a' }))?.type).toBe('sensors.Reading');
    expect(decoder.decode('spBv1.0/G/NDATA/E', new Uint8Array())?.type).toBe('Sparkplug B NDATA');
    expect(decoder.decode('other/topic', new Uint8Array([1]))).toBeUndefined();
    expect(decoder.encode('sensors/1', '{"sensor": "b"}', 'schema').type).toBe('sensors.Reading');
    expect(() => decoder.encode('other/topic', '{}', 'schema')).toThrow('No schema is mapped to the topic other/topic');
    expect(() => decoder.encode('other/topic', '{}', 'sparkplug')).toThrow(/Sparkplug B payloads go to spBv1.0/);
  });

  it('leaves payloads over 16 MiB undecoded, saying so', () => {
    const decoder = new PayloadDecoder([mapping({ topicFilter: 'sensors/#', files: protoFiles, messageType: 'sensors.Reading' })]);
    const huge = new Uint8Array(MAX_DECODE_BYTES + 1);
    expect(decoder.decode('sensors/1', huge)?.error?.message).toBe(`Not decoded: ${MAX_DECODE_BYTES + 1} bytes is more than the 16 MiB decoded per message`);
    expect(decoder.decode('spBv1.0/G/NDATA/E', huge)?.type).toBe('Sparkplug B');
    expect(decoder.decode('other', huge)).toBeUndefined();
  });
});
