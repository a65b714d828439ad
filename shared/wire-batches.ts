/**
 * Binary frames for the two high-rate event streams, `messages.batch` and `packets.batch`:
 * columns of numbers, then the bytes, instead of JSON with base64. At 20,000 messages a
 * second JSON cost the backend a replacer call per field and a base64 string per payload,
 * and the page a reviver call per field and a base64 decode per payload; a frame is one
 * buffer written once and read with typed-array views. Topics repeated within a batch are
 * written once. Both carriers use these frames (the browser-mode WebSocket as binary
 * messages, Electron IPC as one Uint8Array), so the contract's types stay the same.
 *
 * Layout (little-endian; every column starts on a multiple of its width):
 *
 * messages.batch: u8 kind=1, u8 version, u16 options (bit 0: a replaced column follows),
 *   u32 count, f64 dropped, f64 evicted, u32 connectionId bytes, u32 topic count; then
 *   columns f64 seq, f64 time, u32 payloadSize, u32 topic index, u32 payload bytes, u32
 *   properties bytes, u32 decoded bytes, u8 flags (one per message), pad to 4, u32 topic
 *   bytes (one per topic), [u32 replaced (one per message)]; then the connection id,
 *   the payloads, the properties (JSON, see json-bytes.ts), the decoded payloads and the
 *   topics (UTF-8), back to back. The decoded payloads are first the compact Sparkplug
 *   records (sparkplug/compact.ts) of the messages with flag bit 5, in order, then one JSON
 *   array of the other messages that have one, in order (`[a,b]`: a message's u32 gives
 *   its element's bytes, the brackets and commas are the rest), so the page decodes and
 *   parses them once a batch: a Sparkplug flood spent 12 % of the page's time in a
 *   TextDecoder and a JSON.parse call per message, and a third of its script (the backend
 *   a third of its time) in that one array before the compact records.
 *
 * packets.batch: see wire-packets.ts (also the binary pages of `packets.page`).
 */


import type { MessageBatch, PacketBatch } from './contract';
import { utf8Decode, utf8Encode } from './utf8';
import { FRAME_KIND, FRAME_VERSION } from './wire-frame';
import { decodeMessages } from './wire-messages';
import { decodePacketBatch } from './wire-packets';

export { FRAME_KIND } from './wire-frame';
export { BATCH_FLAG, batchColumnsOf, decodedAt, encodeMessageBatch, MESSAGE_BATCH_FIELDS, MESSAGE_FIELDS, type BatchColumns } from './wire-messages';
export { encodePacketBatch, PACKET_BATCH_FIELDS, PACKET_FIELDS } from './wire-packets';

/**
 * What the page sends back for each messages.batch frame once it has taken it in: the
 * backend's flow control (backend/batch-window.ts) sends only a few batches ahead of it.
 */
export const ACK_FRAME: Uint8Array = Uint8Array.of(FRAME_KIND.ack, FRAME_VERSION);

/** Whether bytes from the page are an {@link ACK_FRAME}. */
export function isAckFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength === 2 && bytes[0] === FRAME_KIND.ack && bytes[1] === FRAME_VERSION;
}

/**
 * What the page sends when the set of connections whose captured packets it shows (an open
 * packet inspector or Flows view) changes: u8 kind=4, u8 version, then the connection ids as
 * a JSON array of strings (UTF-8). The carrier sends packets.batch frames for those alone:
 * at a flood the capture stream is as large as the messages themselves, and a page with no
 * inspector open would decode it for nothing. The page fetches what it missed on opening.
 */
export function encodeWatchFrame(connectionIds: readonly string[]): Uint8Array {
  const ids = utf8Encode(JSON.stringify(connectionIds));
  const frame = new Uint8Array(2 + ids.byteLength);
  frame[0] = FRAME_KIND.watch;
  frame[1] = FRAME_VERSION;
  frame.set(ids, 2);
  return frame;
}

/** The connection ids of a frame {@link encodeWatchFrame} wrote; undefined for any other bytes. */
export function decodeWatchFrame(bytes: Uint8Array): string[] | undefined {
  if (bytes.byteLength < 2 || bytes[0] !== FRAME_KIND.watch || bytes[1] !== FRAME_VERSION) return undefined;
  let ids: unknown;
  try {
    ids = JSON.parse(utf8Decode(bytes.subarray(2)));
  } catch {
    return undefined;
  }
  return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? (ids as string[]) : undefined;
}

/** A decoded frame: the stream it belongs to and the event's data. */
export type DecodedFrame = { stream: 'messages.batch'; data: MessageBatch } | { stream: 'packets.batch'; data: PacketBatch };

/**
 * Decodes a frame written by {@link encodeMessageBatch} or {@link encodePacketBatch}.
 * Payloads and packets are views of the frame, not copies (an ArrayBuffer per payload cost
 * the page more than decoding it): a frame lives as long as any record cut from it. The
 * page keeps records oldest-first and lets them go in order; a record it keeps longer
 * (a topic's last message) is copied out when the log lets go of it (see message-log.ts).
 * @throws Error naming what is wrong when the bytes are not a whole frame of a known kind.
 */
export function decodeFrame(input: Uint8Array): DecodedFrame {
  // Typed-array columns need aligned offsets; a frame at an odd offset is copied once.
  const frame = input.byteOffset % 8 === 0 ? input : input.slice();
  if (frame.byteLength < 4) throw new Error(`Malformed batch frame: ${frame.byteLength} bytes is shorter than a header`);
  if (frame[1] !== FRAME_VERSION) throw new Error(`Unsupported batch frame version ${frame[1]} (this build reads version ${FRAME_VERSION})`);
  if (frame[0] === FRAME_KIND.messages) return { stream: 'messages.batch', data: decodeMessages(frame) };
  if (frame[0] === FRAME_KIND.packets) return { stream: 'packets.batch', data: decodePacketBatch(frame) };
  throw new Error(`Unknown batch frame kind ${frame[0]}`);
}
