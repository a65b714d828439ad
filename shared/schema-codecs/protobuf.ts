/**
 * Protobuf schemas from .proto files (with imports among the files given, and Google's
 * well-known types), decoded to the proto3 JSON mapping (64-bit integers and enums as
 * strings, bytes as base64) and encoded from it.
 */

import protobuf from 'protobufjs';
import type { DecodedPayload } from '../decoded';
import { lineColumn } from '../json-location';
import { failed, parseJsonInput, SchemaError, type SchemaCodec } from './codec';
import { decodeMessage } from './proto-reader';
import { parseError, parseProto, resolveError } from './proto-errors';

/** A schema file as stored with a profile. */
export interface SchemaFileText {
  name: string;
  text: string;
}

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

/**
 * Parses .proto files into one root and finds the message type.
 * @throws SchemaError "file:line: problem" for a file that does not parse or import that is missing.
 */
export function compileProtobuf(files: readonly SchemaFileText[], messageType: string): SchemaCodec {
  const root = new protobuf.Root();
  const given = new Set(files.map((f) => f.name));
  const baseNames = new Map(files.map((f) => [f.name.split('/').pop()!, f.name]));
  files.forEach((file, index) => {
    let parsed: protobuf.IParserResult;
    try {
      parsed = parseProto(file, root);
    } catch (error) {
      throw parseError(file, files.slice(0, index), error as Error);
    }
    for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (given.has(imported) || baseNames.has(imported.split('/').pop()!)) continue;
      const common = imported.startsWith('google/protobuf/') ? protobuf.common.get(imported) : null;
      if (common) {
        root.addJSON(common.nested ?? {});
        continue;
      }
      const at = Math.max(file.text.indexOf(`"${imported}"`), file.text.indexOf(`'${imported}'`));
      const where = at < 0 ? { line: 1, column: 1 } : lineColumn(file.text, at);
      throw new SchemaError(`${file.name}:${where.line}:${where.column}: imports "${imported}", which was not given: add it to the schema files`);
    }
  });
  try {
    root.resolveAll();
  } catch (error) {
    throw resolveError(root, files, error as Error);
  }
  let type: protobuf.Type;
  try {
    type = root.lookupType(messageType);
  } catch {
    const known: string[] = [];
    const walk = (ns: protobuf.NamespaceBase) => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) known.push(nested.fullName.slice(1));
        if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
      }
    };
    walk(root);
    throw new SchemaError(`No message type "${messageType}" in the schema; it defines ${known.filter((n) => !n.startsWith('google.protobuf.')).join(', ') || 'no message types'}`, 'messageType');
  }
  const name = type.fullName.slice(1);
  return {
    type: name,
    decode(bytes: Uint8Array): DecodedPayload {
      try {
        const message = decodeMessage(type, bytes);
        return { kind: 'protobuf', type: name, value: type.toObject(message, TO_JSON) };
      } catch (error) {
        return failed('protobuf', name, error);
      }
    },
    encode(jsonText: string): Uint8Array {
      const value = parseJsonInput(jsonText);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} needs a JSON object`);
      checkKnownFields(type, value as Record<string, unknown>, '');
      const message = type.fromObject(value as Record<string, unknown>);
      const problem = type.verify(message);
      if (problem) throw new Error(`${name}: ${problem}`);
      return type.encode(message).finish();
    },
  };
}

/** fromObject drops fields it does not know; a typo should be reported instead. */
function checkKnownFields(type: protobuf.Type, value: Record<string, unknown>, path: string): void {
  for (const [key, field] of Object.entries(value)) {
    const known = type.fields[key] ?? type.fieldsArray.find((f) => f.name === key || (f as { jsonName?: string }).jsonName === key);
    if (!known) throw new Error(`${path}${key}: ${type.fullName.slice(1)} has no field "${key}"`);
    known.resolve();
    if (known.resolvedType instanceof protobuf.Type && field && typeof field === 'object') {
      const items = known.repeated && Array.isArray(field) ? field : [field];
      items.forEach((item, i) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) checkKnownFields(known.resolvedType as protobuf.Type, item as Record<string, unknown>, `${path}${key}${known.repeated ? `[${i}]` : ''}.`);
      });
    }
  }
}
