/**
 * The binary frame of captured packets: the live `packets.batch` stream and the pages of
 * `packets.page` (an inspector opened after a flood fetches what it missed) are one
 * encoding, written once and read with typed-array views instead of JSON with base64.
 *
 * Layout (little-endian; every column starts on a multiple of its width): u8 kind=2,
 * u8 version, u8 protocolVersion, u8 flags (bit 0: a page cut at its limit, more follow),
 * u32 count, f64 evicted, u32 connectionId bytes, u32 0; then columns f64 seq, f64 time,
 * u32 bytes, u32 full length (0 when the bytes are the whole packet), u32 capture frame
 * number (0: none), u8 direction; then the connection id and the packets' bytes.
 */

import type { PacketBatch, PacketRecord } from './contract';
import type { PacketColumns } from './packet-store';
import { utf8Decode, utf8Encode } from './utf8';
import { FRAME_KIND, FRAME_VERSION, needBytes } from './wire-frame';

const PACKET_HEADER = 24;
/** Bytes of the per-packet columns: seq, time, bytes, full length, frame, direction. */
const PACKET_COLUMN_BYTES = 8 + 8 + 4 + 4 + 4 + 1;
/** Flags bit of a page frame: the page was cut at its limit. */
const MORE = 1;

/**
 * Where every field of a packet record goes in a frame. Adding a field to the record type
 * fails to compile here until the codec carries it, so nothing is dropped on the wire unnoticed.
 */
export const PACKET_FIELDS = { seq: 'f64 column', time: 'f64 column', direction: 'u8 column', bytes: 'blob', length: 'u32 column (0: bytes are whole)', frame: 'u32 column (0: none)' } as const satisfies Record<keyof PacketRecord, string>;
/** See {@link PACKET_FIELDS}. */
export const PACKET_BATCH_FIELDS = { connectionId: 'header', protocolVersion: 'header', packets: 'columns', evicted: 'header' } as const satisfies Record<
  keyof PacketBatch,
  string
>;

/** A page of captured packets: a batch, and whether more follow it. */
export type PacketPage = PacketBatch & { more: boolean };

/** A packets frame read as columns (views of the frame), no record per packet: what a packet store takes in. */
export interface PacketColumnsBatch {
  connectionId: string;
  protocolVersion: 3 | 4 | 5;
  evicted: number;
  columns: PacketColumns;
}

/** A page of `packets.page` read as columns, and whether more follow it. */
export type PacketColumnsPage = PacketColumnsBatch & { more: boolean };

/** Encodes a packet batch as one frame. */
export function encodePacketBatch(batch: PacketBatch): Uint8Array {
  const { packets } = batch;
  const count = packets.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += packets[i]!.bytes.byteLength;
  const id = utf8Encode(batch.connectionId);
  const blobs = PACKET_HEADER + count * PACKET_COLUMN_BYTES;
  const frame = new Uint8Array(blobs + id.byteLength + total);
  const view = new DataView(frame.buffer);
  frame[0] = FRAME_KIND.packets;
  frame[1] = FRAME_VERSION;
  frame[2] = batch.protocolVersion;
  view.setUint32(4, count, true);
  view.setFloat64(8, batch.evicted, true);
  view.setUint32(16, id.byteLength, true);
  const seqs = new Float64Array(frame.buffer, PACKET_HEADER, count);
  const times = new Float64Array(frame.buffer, PACKET_HEADER + count * 8, count);
  const lengths = new Uint32Array(frame.buffer, PACKET_HEADER + count * 16, count);
  const fullLengths = new Uint32Array(frame.buffer, PACKET_HEADER + count * 20, count);
  const frames = new Uint32Array(frame.buffer, PACKET_HEADER + count * 24, count);
  const directions = new Uint8Array(frame.buffer, PACKET_HEADER + count * 28, count);
  let at = blobs;
  frame.set(id, at);
  at += id.byteLength;
  for (let i = 0; i < count; i++) {
    const packet = packets[i]!;
    seqs[i] = packet.seq;
    times[i] = packet.time;
    lengths[i] = packet.bytes.byteLength;
    fullLengths[i] = packet.length ?? 0;
    frames[i] = packet.frame ?? 0;
    directions[i] = packet.direction === 'out' ? 1 : 0;
    frame.set(packet.bytes, at);
    at += packet.bytes.byteLength;
  }
  return frame;
}

/** Encodes a page of `packets.page` as one frame: a packet batch with its `more` flag. */
export function encodePacketPage(page: PacketPage): Uint8Array {
  const frame = encodePacketBatch(page);
  frame[3] = page.more ? MORE : 0;
  return frame;
}

/**
 * Decodes a frame written by {@link encodePacketPage}. Packets are views of the frame.
 * @throws Error naming what is wrong when the bytes are not a whole packet frame.
 */
export function decodePacketPage(input: Uint8Array): PacketPage {
  const { columns, ...page } = decodePacketPageColumns(input);
  return { ...page, packets: recordsOf(columns) };
}

/**
 * Decodes a frame written by {@link encodePacketPage} as columns, views of the frame.
 * @throws Error naming what is wrong when the bytes are not a whole packet frame.
 */
export function decodePacketPageColumns(input: Uint8Array): PacketColumnsPage {
  // Typed-array columns need aligned offsets; a frame at an odd offset is copied once.
  const frame = input.byteOffset % 8 === 0 ? input : input.slice();
  needBytes(frame, 4, 'packets.page');
  if (frame[1] !== FRAME_VERSION) throw new Error(`Unsupported packets.page frame version ${frame[1]} (this build reads version ${FRAME_VERSION})`);
  if (frame[0] !== FRAME_KIND.packets) throw new Error(`Malformed packets.page frame: kind ${frame[0]} is not a packet frame`);
  return { ...decodePacketColumns(frame), more: (frame[3]! & MORE) !== 0 };
}

/**
 * Decodes the packet frame of a batch; `frame` starts on a multiple of 8 (decodeFrame and
 * {@link decodePacketPage} see to it).
 * @throws Error naming what is wrong when the columns and the bytes disagree.
 */
export function decodePacketBatch(frame: Uint8Array): PacketBatch {
  const { columns, ...batch } = decodePacketColumns(frame);
  return { ...batch, packets: recordsOf(columns) };
}

/**
 * Decodes the packet frame of a batch as columns (views of the frame); `frame` starts on a
 * multiple of 8.
 * @throws Error naming what is wrong when the columns and the bytes disagree.
 */
export function decodePacketColumns(frame: Uint8Array): PacketColumnsBatch {
  needBytes(frame, PACKET_HEADER, 'packets.batch');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const protocolVersion = frame[2]!;
  if (protocolVersion !== 3 && protocolVersion !== 4 && protocolVersion !== 5) throw new Error(`Malformed packets.batch frame: protocol version ${protocolVersion}`);
  const count = view.getUint32(4, true);
  const idLength = view.getUint32(16, true);
  const blobs = PACKET_HEADER + count * PACKET_COLUMN_BYTES;
  needBytes(frame, blobs + idLength, 'packets.batch');
  const base = frame.byteOffset;
  const lengths = new Uint32Array(frame.buffer, base + PACKET_HEADER + count * 16, count);
  let total = 0;
  for (let i = 0; i < count; i++) total += lengths[i]!;
  if (frame.byteLength !== blobs + idLength + total) {
    throw new Error(`Malformed packets.batch frame: its columns add up to ${blobs + idLength + total} bytes, the frame has ${frame.byteLength}`);
  }
  const columns: PacketColumns = {
    count,
    seqs: new Float64Array(frame.buffer, base + PACKET_HEADER, count),
    times: new Float64Array(frame.buffer, base + PACKET_HEADER + count * 8, count),
    lengths,
    fullLengths: new Uint32Array(frame.buffer, base + PACKET_HEADER + count * 20, count),
    frames: new Uint32Array(frame.buffer, base + PACKET_HEADER + count * 24, count),
    directions: frame.subarray(PACKET_HEADER + count * 28, blobs),
    bytes: frame.subarray(blobs + idLength),
  };
  return { connectionId: utf8Decode(frame.subarray(blobs, blobs + idLength)), protocolVersion, evicted: view.getFloat64(8, true), columns };
}

/** A record per packet of decoded columns, the bytes views of the frame. */
export function recordsOf(columns: PacketColumns): PacketRecord[] {
  const { count, seqs, times, lengths, fullLengths, frames, directions, bytes } = columns;
  const packets = new Array<PacketRecord>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    const packet: PacketRecord = { seq: seqs[i]!, time: times[i]!, direction: directions[i] ? 'out' : 'in', bytes: bytes.subarray(at, at + length) };
    if (fullLengths[i]) packet.length = fullLengths[i]!;
    if (frames[i]) packet.frame = frames[i]!;
    packets[i] = packet;
    at += length;
  }
  return packets;
}
