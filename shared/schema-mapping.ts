/**
 * Schemas per topic filter, as stored with a profile (and exported and imported with it):
 * a kind, a topic filter, the protobuf message type, and the schema files themselves as
 * text. Plain JSON in one versionable shape; compiling them is schema-codecs/compile.ts.
 */

import { z } from 'zod';
import { checkTopicFilter, topicMatches } from './topic';

/** Schema languages a topic filter can be mapped to. */
export const SCHEMA_KINDS = ['protobuf', 'avro', 'json-schema'] as const;
/** One of {@link SCHEMA_KINDS}. */
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** Largest schema file kept with a profile. */
export const MAX_SCHEMA_FILE_BYTES = 2 * 1024 * 1024;

const schemaFile = z.object({
  /** The file's name, as imports refer to it (`common/units.proto`). */
  name: z.string().min(1, 'A schema file needs a name').max(500),
  text: z.string().max(MAX_SCHEMA_FILE_BYTES, 'The schema file is larger than 2 MB'),
});

/** One mapping: messages on topics matching `topicFilter` are decoded with these files. */
export const schemaMappingSchema = z
  .object({
    id: z.string().min(1).max(64),
    kind: z.enum(SCHEMA_KINDS, { error: 'Schema kind must be protobuf, avro or json-schema' }),
    topicFilter: z.string(),
    /** Protobuf: the message type (`pkg.Message`); Avro: optionally a named type; JSON Schema: unused. */
    messageType: z.string().trim().max(500).default(''),
    /** The main file first, then the files it imports. */
    files: z.array(schemaFile).min(1, 'Choose a schema file'),
  })
  .superRefine((mapping, ctx) => {
    const filter = checkTopicFilter(mapping.topicFilter);
    if (!filter.ok) ctx.addIssue({ code: 'custom', path: ['topicFilter'], message: filter.reason });
    if (mapping.kind === 'protobuf' && mapping.messageType === '') ctx.addIssue({ code: 'custom', path: ['messageType'], message: 'A protobuf schema needs the message type to decode, e.g. sensors.Reading' });
  });

/** A schema mapping as stored. */
export type SchemaMapping = z.output<typeof schemaMappingSchema>;

/** The kind a schema file's name implies: .proto, .avsc, or .json (JSON Schema). */
export function schemaKindOf(fileName: string): SchemaKind | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.proto')) return 'protobuf';
  if (lower.endsWith('.avsc')) return 'avro';
  if (lower.endsWith('.json')) return 'json-schema';
  return undefined;
}

/** The first mapping whose filter matches the topic (mappings are tried in saved order). */
export function findSchema<T extends Pick<SchemaMapping, 'topicFilter'>>(schemas: readonly T[], topic: string): T | undefined {
  for (const schema of schemas) if (topicMatches(schema.topicFilter, topic)) return schema;
  return undefined;
}
