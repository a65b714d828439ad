/**
 * Where an .avsc goes wrong, as `file:line:column: field "name": problem`. avsc's messages
 * name a value at best ("undefined type name: decimal128") and sometimes nothing a person
 * can find ("Cannot read properties of undefined"), so the failing field is found by
 * compiling ever longer prefixes of each record's fields: the first prefix that fails ends
 * with the field that is wrong. Nested records, arrays, maps and unions are followed down.
 */

import avro from 'avsc';
import { jsonValuePosition, lineColumn, lineOf, type JsonPath } from '../json-location';
import { SchemaError } from './codec';
import type { SchemaFileText } from './protobuf';

type Registry = Record<string, avro.Type>;
type Node = Record<string, unknown>;

/** The SchemaError for a schema avsc refuses; `before` is the registry as it was before this file. */
export function avroSchemaError(file: SchemaFileText, schema: unknown, before: Readonly<Registry>, error: Error): SchemaError {
  const text = error.message;
  const found = failingField(schema, [], [], { ...before });
  if (found) {
    const position = jsonValuePosition(file.text, found.path);
    const where = position === undefined ? '' : (({ line, column }) => `:${line}:${column}`)(lineColumn(file.text, position));
    return new SchemaError(`${file.name}${where || ':1'}: field "${found.names.join('.')}": ${found.reason ?? text}`);
  }
  // Not inside a field (the record's own name, an enum's symbols…): the first line with the value avsc names.
  const quoted = /: (.+)$/.exec(text)?.[1]?.replace(/^"|"$/g, '') ?? '';
  return new SchemaError(`${file.name}:${(quoted && lineOf(file.text, quoted)) || 1}: ${text}`);
}

const compiles = (schema: unknown, registry: Registry) => {
  try {
    avro.Type.forSchema(schema as avro.Schema, { registry: { ...registry } });
    return true;
  } catch {
    return false;
  }
};

/** The deepest field that does not compile in a schema, with its JSON path and its dotted name. */
function failingField(schema: unknown, path: JsonPath, names: readonly string[], registry: Registry): { path: JsonPath; names: string[]; reason?: string } | undefined {
  if (Array.isArray(schema)) {
    // A union: the first branch that does not compile on its own.
    for (let i = 0; i < schema.length; i++) {
      if (compiles(schema[i], registry)) continue;
      return failingField(schema[i], [...path, i], names, registry);
    }
    return undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  const node = schema as Node;
  if (node.type === 'array') return failingField(node.items, [...path, 'items'], names, registry);
  if (node.type === 'map') return failingField(node.values, [...path, 'values'], names, registry);
  if ((node.type !== 'record' && node.type !== 'error') || !Array.isArray(node.fields)) return undefined;
  const fields = node.fields as unknown[];
  for (let i = 0; i < fields.length; i++) {
    if (compiles({ ...node, fields: fields.slice(0, i + 1) }, registry)) continue;
    // Field i is the first that fails; the named types of the fields before it are known inside it.
    const inner: Registry = { ...registry };
    try {
      avro.Type.forSchema({ ...node, fields: fields.slice(0, i) } as avro.Schema, { registry: inner });
    } catch {
      // The record alone fails (its name): not a field's fault.
      return undefined;
    }
    const field = fields[i] as Node | null;
    const name = typeof field?.name === 'string' ? field.name : `fields[${i}]`;
    const here = [...path, 'fields', i];
    // avsc says only "Cannot read properties of undefined" for this one.
    if (field && typeof field === 'object' && !('type' in field)) return { path: here, names: [...names, name], reason: 'it has no "type"' };
    const deeper = field && typeof field === 'object' ? failingField(field.type, [...here, 'type'], [...names, name], inner) : undefined;
    return deeper ?? { path: here, names: [...names, name] };
  }
  return undefined;
}
