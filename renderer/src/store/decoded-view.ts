/**
 * The plug-in points between decoding and the views: what a message shows as its value in
 * the message list and topic tree, and which numbers it adds to charts. Decoded payloads
 * (Sparkplug B, schemas) come first; plain payloads keep their text/JSON handling.
 */

import type { MessageRecord } from '../../../shared/contract';
import { decodedNumbers, decodedPreview } from '../../../shared/decoded';
import { detectPayloadFormat, formatPayload } from '../../../shared/payload';
import { numericFields } from './topic-tree';

/** Payload bytes looked at for a one-line preview. */
const PREVIEW_BYTES = 512;

/** The one-line value of a message: decoded when it was, else text (hex for binary). */
export function messagePreview(message: MessageRecord, maxBytes = PREVIEW_BYTES): string {
  if (message.decoded) return decodedPreview(message.decoded);
  const head = message.payload.subarray(0, maxBytes);
  const format = detectPayloadFormat(message.payload);
  // Previews stay on one line: JSON compact, hex for binary.
  return formatPayload(head, format === 'hex' ? 'hex' : 'text');
}

/** The numbers a message adds to its topic's chart: decoded metrics or fields, else numbers in the text. */
export function messageNumbers(message: MessageRecord): Array<[string, number]> {
  return message.decoded ? decodedNumbers(message.decoded) : numericFields(message.payload);
}
