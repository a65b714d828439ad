/**
 * Compiles a profile's schema mappings: one entry point for the backend (decoding and
 * publishing), the profile checks at save and import, and the CLI.
 */

import type { SchemaMapping } from '../schema-mapping';
import { compileAvro } from './avro';
import { SchemaError, type SchemaCodec } from './codec';
import { compileJsonSchema } from './json-schema';
import { compileProtobuf } from './protobuf';

/**
 * Compiles one mapping.
 * @throws SchemaError naming the file and line, or the mapping field, that is wrong.
 */
export function compileSchema(mapping: Pick<SchemaMapping, 'kind' | 'files' | 'messageType'>): SchemaCodec {
  if (mapping.files.length === 0) throw new SchemaError('Choose a schema file');
  switch (mapping.kind) {
    case 'protobuf':
      return compileProtobuf(mapping.files, mapping.messageType);
    case 'avro':
      return compileAvro(mapping.files, mapping.messageType);
    case 'json-schema':
      return compileJsonSchema(mapping.files);
  }
}

/** Compiles every mapping of a profile; returns `{ "schemas.N.field": message }` for the ones that fail. */
export function checkSchemas(schemas: readonly SchemaMapping[]): Record<string, string> {
  const fields: Record<string, string> = {};
  schemas.forEach((mapping, index) => {
    try {
      compileSchema(mapping);
    } catch (error) {
      const field = error instanceof SchemaError ? error.field : 'files';
      fields[`schemas.${index}.${field}`] = (error as Error).message;
    }
  });
  return fields;
}
