/**
 * What every binary frame between the backend and the page starts with (see
 * wire-batches.ts and wire-packets.ts): a kind byte, then the format's version byte.
 */

/** The frame kinds, in the first byte. */
export const FRAME_KIND = { messages: 1, packets: 2, ack: 3, watch: 4, result: 5 } as const;

/** The format version, in the second byte: both ends come from one build. */
export const FRAME_VERSION = 2;

/** @throws Error naming the frame when it is shorter than `bytes`. */
export function needBytes(frame: Uint8Array, bytes: number, what: string): void {
  if (frame.byteLength < bytes) throw new Error(`Malformed ${what} frame: needs at least ${bytes} bytes, has ${frame.byteLength}`);
}
