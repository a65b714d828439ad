/**
 * Avro schemas from .avsc files (named types of earlier files usable in later ones),
 * decoding Avro binary to plain JSON-able values and encoding JSON back.
 */

import avro from 'avsc';
import type { DecodedPayload } from '../decoded';
import { avroSchemaError } from './avro-schema-errors';
import { jsonable } from '../jsonable';
import { failed, parseJsonFile, parseJsonInput, SchemaError, type SchemaCodec } from './codec';
import { DecodeFailure } from '../decode-error';
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
    const schema = parseJsonFile(file);
    const before = { ...registry };
    try {
      const type = avro.Type.forSchema(schema as avro.Schema, { registry });
      main ??= type;
    } catch (error) {
      throw avroSchemaError(file, schema, before, error as Error);
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
        let result: { value: unknown; offset: number } | undefined;
        try {
          result = type.decode(buffer as never, 0);
        } catch {
          // Reported by the traced read below, which finds the offset.
        }
        if (!result || result.offset < 0) throw locateAvroError(type, buffer, name);
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

// ---------------------------------------------------------------------------------------
// Where a value that does not decode went wrong. avsc reads through a "tap" that says
// nothing of where a read failed (it reads past the end silently and throws without a
// position), so a failed payload is read once more through a tap whose read methods note
// where each value starts: the offset of the failure is the start of the value that was
// cut short, had a negative length, or made avsc throw (a union or enum index out of range).

interface Tap {
  buf: Uint8Array;
  pos: number;
  [method: string]: unknown;
}
type TapConstructor = new (buf: Uint8Array, pos: number) => Tap;

/** avsc's Tap class, caught from a decode of a probe type (avsc does not export it). */
const AvroTap: TapConstructor = (() => {
  // Types are frozen: the probe is an object inheriting from one, with its own _read.
  const probe = Object.create(avro.Type.forSchema('null')) as { _read(tap: Tap): null; decode(buf: Uint8Array, pos: number): unknown };
  let found: TapConstructor | undefined;
  probe._read = (tap) => {
    found = tap.constructor as TapConstructor;
    return null;
  };
  probe.decode(AvroBuffer.from(new ArrayBuffer(1), 0, 1), 0);
  return found!;
})();

const READS = ['readBoolean', 'readInt', 'readLong', 'readFloat', 'readDouble', 'readFixed', 'readBytes', 'readString', 'skipBoolean', 'skipInt', 'skipLong', 'skipFloat', 'skipDouble', 'skipFixed', 'skipBytes', 'skipString'];

/** Reads the payload again through a tap that notes where each value starts; returns why and where it fails. */
function locateAvroError(type: avro.Type, buffer: Uint8Array, name: string): DecodeFailure {
  const tap = new AvroTap(buffer, 0);
  const length = buffer.byteLength;
  let depth = 0;
  let lastStart = 0;
  let cutShort: number | undefined;
  let negative: { at: number; length: number } | undefined;
  for (const method of READS) {
    const read = AvroTap.prototype[method as keyof Tap] as (this: Tap, ...args: unknown[]) => unknown;
    tap[method] = function (this: Tap, ...args: unknown[]) {
      const start = this.pos;
      if (depth === 0) lastStart = start;
      depth++;
      let value: unknown;
      try {
        value = read.apply(this, args);
      } finally {
        depth--;
      }
      // A length (the read inside readBytes/readString) that is negative: avsc only marks the tap invalid.
      if (depth === 1 && (method === 'readLong' || method === 'readInt') && typeof value === 'number' && value < 0) negative ??= { at: lastStart, length: value };
      if (depth === 0 && this.pos > length && cutShort === undefined && !negative) cutShort = start;
      return value;
    };
  }
  try {
    (type as unknown as { _read(tap: Tap): unknown })._read(tap);
  } catch (error) {
    if (negative) return new DecodeFailure(`Not a ${name}: negative length ${negative.length}`, negative.at);
    if (cutShort !== undefined) return new DecodeFailure(`Not a ${name}: the payload ends inside the value that starts here`, cutShort);
    return new DecodeFailure(`Not a ${name}: ${(error as Error).message}`, lastStart);
  }
  if (negative) return new DecodeFailure(`Not a ${name}: negative length ${negative.length}`, negative.at);
  return new DecodeFailure(`Not a ${name}: the payload ends inside the value that starts here`, cutShort ?? length);
}
