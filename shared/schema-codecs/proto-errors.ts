/**
 * Where a set of .proto files goes wrong, as `file:line[:column]: problem`: protobufjs
 * gives a line for syntax errors only, and nothing for duplicates (thrown while a file is
 * read) or for types that do not resolve (thrown after every file is read). The file is
 * the one that has the mistake, an imported file included.
 */

import protobuf from 'protobufjs';
import { lineColumn } from '../json-location';
import { SchemaError } from './codec';
import type { SchemaFileText } from './protobuf';

/** protobufjs' parse options, the same for every read of a file. */
export const PARSE_OPTIONS: protobuf.IParseOptions = { keepCase: true, alternateCommentMode: true };

/**
 * Parses one file into `root`, telling protobufjs its name (objects it makes carry it as
 * `filename`, which resolving errors need to name the file).
 * @throws Error as protobufjs throws it.
 */
export function parseProto(file: SchemaFileText, root: protobuf.Root): protobuf.IParserResult {
  const parse = protobuf.parse as typeof protobuf.parse & { filename: string | null };
  parse.filename = file.name;
  try {
    return protobuf.parse(file.text, root, PARSE_OPTIONS);
  } finally {
    parse.filename = null;
  }
}

/**
 * The SchemaError for a file that does not parse. Errors without a line (duplicate names
 * and ids) are placed by parsing ever longer beginnings of the file, after the files before
 * it: the shortest that throws the same error ends at the line that has the mistake.
 */
export function parseError(file: SchemaFileText, before: readonly SchemaFileText[], error: Error): SchemaError {
  const text = error.message;
  const said = /\s*\((?:[^,()]*, )?line (\d+)\)/.exec(text);
  const problem = text.replace(/\s*\((?:[^,()]*, )?line \d+\)/, '');
  let line = said ? Number(said[1]) : undefined;
  if (line === undefined) {
    const lines = file.text.split('\n');
    const fails = (count: number) => {
      const root = new protobuf.Root();
      try {
        for (const earlier of before) parseProto(earlier, root);
        parseProto({ name: file.name, text: lines.slice(0, count).join('\n') }, root);
        return false;
      } catch (other) {
        return (other as Error).message === text;
      }
    };
    let low = 1;
    let high = lines.length;
    if (fails(high)) {
      while (low < high) {
        const mid = (low + high) >> 1;
        if (fails(mid)) high = mid;
        else low = mid + 1;
      }
      line = low;
    }
  }
  // The column of the token protobufjs names, when it is on that line.
  const token = /^illegal (?:token|id|name|type|value|string|number|option|syntax|comment)?\s*'([^']+)'/.exec(problem)?.[1];
  const lineText = line === undefined ? undefined : file.text.split('\n')[line - 1];
  const column = token && lineText?.includes(token) ? lineText.indexOf(token) + 1 : undefined;
  return new SchemaError(`${file.name}:${line ?? 1}${column ? `:${column}` : ''}: ${problem}`);
}

/**
 * The SchemaError for types that do not resolve: resolves field by field to find the one
 * that names a missing type, and points at that type name in the field's declaration.
 */
export function resolveError(root: protobuf.Root, files: readonly SchemaFileText[], error: Error): SchemaError {
  const field = unresolvedField(root);
  const file = field && files.find((f) => f.name === field.filename);
  if (field && file) {
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const declaration = new RegExp(`(^|[\\s<,(])(\\.?${escape(field.type)})\\b[^;=]*?\\b${escape(field.name)}\\s*=`, 'm').exec(file.text);
    if (declaration) {
      const where = lineColumn(file.text, declaration.index + declaration[1]!.length);
      return new SchemaError(`${file.name}:${where.line}:${where.column}: field "${field.name}" of ${field.parent?.fullName.slice(1) ?? 'a message'}: no such type "${field.type}"`);
    }
    return new SchemaError(`${file.name}: field "${field.name}" of ${field.parent?.fullName.slice(1) ?? 'a message'}: no such type "${field.type}"`);
  }
  return new SchemaError(`${files[0]!.name}: ${error.message}`);
}

/** The first field (of a message or an extension) whose type does not resolve. */
function unresolvedField(ns: protobuf.NamespaceBase): protobuf.Field | undefined {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Field) {
      if (!resolves(nested)) return nested;
      continue;
    }
    if (nested instanceof protobuf.Type) {
      for (const field of nested.fieldsArray) if (!resolves(field)) return field;
    }
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) {
      const found = unresolvedField(nested);
      if (found) return found;
    }
  }
  return undefined;
}

function resolves(field: protobuf.Field): boolean {
  try {
    field.resolve();
    return true;
  } catch {
    return false;
  }
}
