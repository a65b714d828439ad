/**
 * Avro schemas from .avsc files (named types of earlier files usable in later ones),
 * decoding Avro binary to plain JSON-able values and encoding JSON back.
 */

import avro from 'avsc';
import type { DecodedPayload } from '../decoded';
import { jsonErrorLocation, lineOf } from '../json-location';
import { jsonable } from '../jsonable';
import { failed, parseJsonInput, SchemaError, type SchemaCodec } from './codec';
import { DecodeFailure } from './decode-failure';
import type { SchemaFileText } from './protobuf';

// avsc reads and writes its own Buffer type (Node's, or its bundled one in a browser build);
// taking the constructor from a value it made keeps shared/ free of Node imports.
const AvroBuffer = (avro.Type.forSchema('string').toBuffer('') as unknown as { constructor: { from(b: ArrayBufferLike, offset: number, length: number): Uint8Array } }).constructor;

/**
 * Compiles .avsc files; the main type is `typeName` when given, else the first file's.
 * @throws SchemaError "file:line: problem" for JSON that does not parse or a schema avsc refuses.
 */
export function compileAvro(files: readonly SchemaFileText[], typeName: string): SchemaCodec {
  const registry: Record<string, avro.Type> = {};
  let main: avro.Type | undefined;
  for (const file of files) {
    let schema: unknown;
    try {
      schema = JSON.parse(file.text);
    } catch (error) {
      const where = jsonErrorLocation(file.text, error as Error);
      throw new SchemaError(`${file.name}:${where?.line ?? 1}: not JSON: ${(error as Error).message}`);
    }
    try {
      const type = avro.Type.forSchema(schema as avro.Schema, { registry });
      main ??= type;
    } catch (error) {
      const text = (error as Error).message;
      // avsc names the offending value; point at the first line that has it.
      const quoted = /: (.+)$/.exec(text)?.[1]?.replace(/^"|"$/g, '') ?? '';
      throw new SchemaError(`${file.name}:${(quoted && lineOf(file.text, quoted)) || 1}: ${text}`);
    }
  }
  if (typeName) {
    main = registry[typeName];
    if (!main) throw new SchemaError(`No Avro type "${typeName}" in the schema; it defines ${Object.keys(registry).join(', ') || 'no named types'}`, 'messageType');
  }
  const type = main!;
  const name = type.name ?? type.typeName;
  return {
    type: name,
    decode(bytes: Uint8Array): DecodedPayload {
      try {
        const buffer = AvroBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let result: { value: unknown; offset: number };
        try {
          result = type.decode(buffer as never, 0);
        } catch (error) {
          throw new DecodeFailure(`Not a ${name}: ${(error as Error).message}`);
        }
        if (result.offset < 0) throw new DecodeFailure(`Not a ${name}: the payload ends before the value does`, bytes.byteLength);
        if (result.offset < bytes.byteLength) throw new DecodeFailure(`Not a ${name}: ${bytes.byteLength - result.offset} bytes left over after the value`, result.offset);
        return { kind: 'avro', type: name, value: jsonable(result.value) };
      } catch (error) {
        return failed('avro', name, error);
      }
    },
    encode(jsonText: string): Uint8Array {
      const value = parseJsonInput(jsonText);
      let problem: string | undefined;
      type.isValid(value, {
        errorHook(path: string[], any: unknown, inner: avro.Type) {
          problem ??= `${path.length ? path.join('.') : name}: expected ${inner.name ?? inner.typeName}, got ${JSON.stringify(any)}`;
        },
      });
      if (problem) throw new Error(problem);
      return new Uint8Array(type.toBuffer(value));
    },
  };
}
