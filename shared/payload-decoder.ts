/**
 * Decoding for one connection: Sparkplug B on its topics with no setup, and the profile's
 * schemas per topic filter (the first matching mapping wins, also over Sparkplug). Keeps
 * the Sparkplug birth state, so it sees every message in arrival order. Used by the
 * backend for the views, exports and publishing; later by the CLI.
 */

import type { DecodedPayload } from './decoded';
import { SchemaError, type SchemaCodec } from './schema-codecs/codec';
import { compileSchema } from './schema-codecs/compile';
import { findSchema, type SchemaMapping } from './schema-mapping';
import { encodeSparkplug, type PayloadInput } from './sparkplug/codec';
import { parseSparkplugTopic } from './sparkplug/topic';
import { SparkplugTracker } from './sparkplug/tracker';
import { parseJsonInput } from './schema-codecs/codec';

/** Larger payloads are not decoded: one would hold the backend's event loop for seconds. */
export const MAX_DECODE_BYTES = 16 * 1024 * 1024;

/** A mapping with its compiled codec, or why it did not compile. */
interface Compiled {
  topicFilter: string;
  mapping: SchemaMapping;
  codec?: SchemaCodec;
  problem?: string;
}

/** How the publish editor asks for a payload to be encoded. */
export type EncodeAs = 'sparkplug' | 'schema';

/** Decodes and encodes payloads for one connection. */
export class PayloadDecoder {
  private readonly sparkplug = new SparkplugTracker();
  private compiled: Compiled[] = [];

  constructor(schemas: readonly SchemaMapping[] = []) {
    this.setSchemas(schemas);
  }

  /** Replaces the schema mappings (the profile was saved with other ones). */
  setSchemas(schemas: readonly SchemaMapping[]): void {
    this.compiled = schemas.map((mapping) => {
      try {
        return { topicFilter: mapping.topicFilter, mapping, codec: compileSchema(mapping) };
      } catch (error) {
        return { topicFilter: mapping.topicFilter, mapping, problem: (error as Error).message };
      }
    });
  }

  /** Forgets Sparkplug birth certificates (the log was cleared). */
  reset(): void {
    this.sparkplug.reset();
  }

  /** What a message's payload decodes to, or undefined when no decoder applies to its topic. */
  decode(topic: string, payload: Uint8Array): DecodedPayload | undefined {
    const entry = this.compiled.length > 0 ? findSchema(this.compiled, topic) : undefined;
    if (payload.byteLength > MAX_DECODE_BYTES && (entry || parseSparkplugTopic(topic))) {
      const kind = entry ? entry.mapping.kind : 'sparkplug';
      return { kind, type: entry ? entry.codec?.type ?? entry.mapping.messageType : 'Sparkplug B', error: { message: `Not decoded: ${payload.byteLength} bytes is more than the ${MAX_DECODE_BYTES / 1024 / 1024} MiB decoded per message` } };
    }
    if (entry) {
      if (entry.codec) return entry.codec.decode(payload);
      return { kind: entry.mapping.kind, type: entry.mapping.messageType || entry.mapping.files[0]!.name, error: { message: `The schema does not compile: ${entry.problem}` } };
    }
    return this.sparkplug.decode(topic, payload);
  }

  /**
   * Encodes JSON typed in the publish editor for a topic.
   * @throws Error for the payload field: not JSON, no schema for the topic, or a value that does not fit.
   */
  encode(topic: string, jsonText: string, as: EncodeAs, now: number = Date.now()): { payload: Uint8Array; type: string } {
    if (as === 'sparkplug') {
      const where = parseSparkplugTopic(topic);
      if (!where || where.messageType === 'STATE') throw new Error('Sparkplug B payloads go to spBv1.0/<group>/<NCMD|DCMD|NDATA|…>/<edge node>[/<device>] topics');
      return { payload: encodeSparkplug(parseJsonInput(jsonText) as PayloadInput, now), type: `Sparkplug B ${where.messageType}` };
    }
    const entry = findSchema(this.compiled, topic);
    if (!entry) throw new Error(`No schema is mapped to the topic ${topic}: add one under Schemas`);
    if (!entry.codec) throw new SchemaError(`The schema for ${entry.topicFilter} does not compile: ${entry.problem}`);
    return { payload: entry.codec.encode(jsonText), type: entry.codec.type };
  }
}
