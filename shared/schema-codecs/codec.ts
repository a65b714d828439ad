/** What every compiled schema offers: decode bytes for the views, encode JSON for publishing. */

import type { DecodedPayload } from '../decoded';
import { toDecodeError } from '../decode-error';
import { jsonErrorLocation, jsonProblem } from '../json-location';

/** A compiled schema for one topic filter. */
export interface SchemaCodec {
  /** The type shown as "Decoded as <type>". */
  readonly type: string;
  /** Never throws: a payload that does not decode comes back with `error`. */
  decode(bytes: Uint8Array): DecodedPayload;
  /**
   * Turns JSON text typed in the publish editor into payload bytes.
   * @throws Error naming the field that does not fit the schema.
   */
  encode(jsonText: string): Uint8Array;
}

/** A schema that does not compile, with the field of the mapping it belongs next to. */
export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(
    message: string,
    /** `files`, `messageType` or `topicFilter`. */
    readonly field: 'files' | 'messageType' | 'topicFilter' = 'files',
  ) {
    super(message);
  }
}

/**
 * Parses JSON typed by the user.
 * @throws Error with the line and column of the mistake.
 */
export function parseJsonInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`Payload is not valid JSON: ${(error as Error).message}`);
  }
}

/** Turns a thrown DecodeFailure (or anything else) into a DecodedPayload error. */
export function failed(kind: DecodedPayload['kind'], type: string, error: unknown): DecodedPayload {
  return { kind, type, error: toDecodeError(error) };
}

/**
 * Parses a schema file that is JSON (.avsc, JSON Schema).
 * @throws SchemaError "file:line:column: not JSON: problem".
 */
export function parseJsonFile(file: { name: string; text: string }): unknown {
  try {
    return JSON.parse(file.text);
  } catch (error) {
    const where = jsonErrorLocation(file.text, error as Error);
    throw new SchemaError(`${file.name}:${where ? `${where.line}:${where.column}` : 1}: not JSON: ${jsonProblem(error as Error)}`);
  }
}
