// A .proto or .avsc that does not parse is refused as file:line:column (column where it can
// be known), naming the file that has the mistake (an imported one too) and, for Avro, the
// field. Lines and columns are counted by hand from the texts below (1-based).
import { describe, expect, it } from 'vitest';
import { checkSchemas } from '../../shared/schema-codecs/compile';
import type { SchemaMapping } from '../../shared/schema-mapping';

type Files = SchemaMapping['files'];
const refusal = (kind: SchemaMapping['kind'], files: Files, messageType = '') => checkSchemas([{ id: 'a', kind, topicFilter: 'a/#', messageType, files }])['schemas.0.files'];

const MAIN = 'syntax = "proto3";\npackage sensors;\nimport "common/units.proto";\nmessage Reading {\n  double value = 1;\n  common.Unit unit = 2;\n}\n';
const units = (body: string) => ({ name: 'common/units.proto', text: `syntax = "proto3";\npackage common;\n${body}` });

describe('.proto files that do not parse', () => {
  it.each<[string, Files, string]>([
    // Line 4 is "}", where the ";" of line 3 was expected.
    ['a syntax error', [{ name: 'bad.proto', text: 'syntax = "proto3";\nmessage X {\n  int32 v = 1\n}\n' }], "bad.proto:4:1: illegal token '}', ';' expected"],
    // Line 3 of the imported file: "enum Unit { CELSIUS = 0 KELVIN = 1; }", KELVIN at column 25.
    ['a syntax error in an imported file', [{ name: 'reading.proto', text: MAIN }, units('enum Unit { CELSIUS = 0 KELVIN = 1; }\n')], "common/units.proto:3:25: illegal token 'KELVIN', ';' expected"],
    // Line 3: "  Missing m = 1;", the type at column 3.
    ['an unknown type', [{ name: 'a.proto', text: 'syntax = "proto3";\nmessage A {\n  Missing m = 1;\n}\n' }], 'a.proto:3:3: field "m" of A: no such type "Missing"'],
    // Line 3: "  map<string, Missing> m = 1;", the value type at column 15.
    ['an unknown map value type', [{ name: 'x.proto', text: 'syntax = "proto3";\nmessage X {\n  map<string, Missing> m = 1;\n}\n' }], 'x.proto:3:15: field "m" of X: no such type "Missing"'],
    // Line 6 of the imported file: "  Scale scale = 2;".
    ['an unknown type in an imported file', [{ name: 'reading.proto', text: MAIN }, units('enum Unit { CELSIUS = 0; }\nmessage Range {\n  double low = 1;\n  Scale scale = 2;\n}\n')], 'common/units.proto:6:3: field "scale" of common.Range: no such type "Scale"'],
    // Line 3: 'import "common/units.proto";', the name from column 8.
    ['a missing import', [{ name: 'reading.proto', text: MAIN }], 'reading.proto:3:8: imports "common/units.proto", which was not given: add it to the schema files'],
    ['a missing import in an imported file', [{ name: 'reading.proto', text: MAIN }, units('import "common/scale.proto";\nenum Unit { CELSIUS = 0; }\n')], 'common/units.proto:3:8: imports "common/scale.proto", which was not given: add it to the schema files'],
    // protobufjs gives no line for duplicates: line 4 declares the second "v", then the second id 1.
    ['a duplicate field name', [{ name: 'dup.proto', text: 'syntax = "proto3";\nmessage X {\n  int32 v = 1;\n  int32 v = 2;\n}\n' }], "dup.proto:4: duplicate name 'v' in Type X"],
    ['a duplicate field number', [{ name: 'dup.proto', text: 'syntax = "proto3";\nmessage X {\n  int32 v = 1;\n  int32 w = 1;\n}\n' }], 'dup.proto:4: duplicate id 1 in Type X'],
    // The imported file declares sensors.Reading again on its line 3.
    ['a message declared in two files', [{ name: 'reading.proto', text: MAIN }, { name: 'common/units.proto', text: 'syntax = "proto3";\npackage sensors;\nmessage Reading { int32 v = 1; }\n' }], "common/units.proto:3: duplicate name 'Reading' in Namespace .sensors"],
  ])('%s', (_what, files, message) => {
    expect(refusal('protobuf', files, 'sensors.Reading')).toBe(message);
  });
});

const record = (fields: string) => `{\n  "type": "record",\n  "name": "X",\n  "fields": [\n${fields}\n  ]\n}\n`;

describe('.avsc files that do not parse', () => {
  it.each<[string, Files, string | RegExp]>([
    // Line 4: '  "fields": [,]', the "," at column 14.
    ['JSON with a syntax error', [{ name: 'broken.avsc', text: '{\n  "type": "record",\n  "name": "X",\n  "fields": [,]\n}\n' }], /^broken\.avsc:4:14: not JSON: /],
    // The fields start on line 5 at column 5.
    ['an unknown type', [{ name: 'r.avsc', text: record('    {"name": "a", "type": "int"},\n    {"name": "b", "type": "decimal128"}') }], 'r.avsc:6:5: field "b": undefined type name: decimal128'],
    ['a field without a type', [{ name: 'r.avsc', text: record('    {"name": "a"}') }], 'r.avsc:5:5: field "a": it has no "type"'],
    ['a default of the wrong type', [{ name: 'r.avsc', text: record('    {"name": "a", "type": "int"},\n    {"name": "n", "type": "int", "default": "x"}') }], 'r.avsc:6:5: field "n": incompatible field default "x" (invalid "int": "x")'],
    ['an invalid field name', [{ name: 'r.avsc', text: record('    {"name": "1a", "type": "int"}') }], 'r.avsc:5:5: field "1a": invalid field name: 1a'],
    ['duplicate enum symbols', [{ name: 'r.avsc', text: record('    {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "A"]}}') }], 'r.avsc:5:5: field "e": duplicate "E" symbol: "A"'],
    // The nested record's second field, line 10 column 9.
    ['a field of a nested record', [{ name: 'r.avsc', text: record('    {"name": "inner", "type": {\n      "type": "record",\n      "name": "I",\n      "fields": [\n        {"name": "ok", "type": "int"},\n        {"name": "bad", "type": "nope"}\n      ]\n    }}') }], 'r.avsc:10:9: field "inner.bad": undefined type name: nope'],
    // Inside a union branch of an array's items: the record on line 6 has the field "z" from column 50.
    ['a field of a record in an array of a union', [{ name: 'r.avsc', text: record('    {"name": "list", "type": {"type": "array", "items": ["null",\n      {"type": "record", "name": "Y", "fields": [{"name": "z", "type": "nope"}]}]}}') }], 'r.avsc:6:50: field "list.z": undefined type name: nope'],
    // The second file uses the first file's enum, and a type nobody defines on its line 6.
    ['a mistake in the second file', [{ name: 'unit.avsc', text: '{"type": "enum", "name": "Unit", "symbols": ["C", "K"]}' }, { name: 'r.avsc', text: record('    {"name": "u", "type": "Unit"},\n    {"name": "v", "type": "Missing"}') }], 'r.avsc:6:5: field "v": undefined type name: Missing'],
  ])('%s', (_what, files, message) => {
    const refused = refusal('avro', files);
    if (typeof message === 'string') expect(refused).toBe(message);
    else expect(refused).toMatch(message);
  });
});
