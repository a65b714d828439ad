/**
 * Text typed for publishing, turned into payload bytes in any of the publish formats: the
 * plain ones of payload.ts and the binary ones of payload-binary.ts. Saved collections
 * and the CLI encode through here.
 */

import { PAYLOAD_FORMATS, parsePayload, type PayloadFormat } from './payload';
import { encodeBinary, type BinaryFormat } from './payload-binary';

/** Every format a payload can be published in. */
export const PUBLISH_FORMATS = [...PAYLOAD_FORMATS, 'msgpack', 'cbor'] as const;
/** One of {@link PUBLISH_FORMATS}. */
export type PublishFormat = PayloadFormat | BinaryFormat;

/**
 * Encodes typed text in a format.
 * @throws Error with a message fit for the field when the text is not valid in that format.
 */
export function encodePayloadText(text: string, format: PublishFormat): Uint8Array {
  return format === 'msgpack' || format === 'cbor' ? encodeBinary(text, format) : parsePayload(text, format);
}
