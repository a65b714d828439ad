/**
 * The fixed header of one whole frame, for the validator and the broker's fast decoders
 * alike: where the variable header starts, and whether the Remaining Length was written in
 * the fewest bytes. Allocation-free: the broker reads every PUBLISH through it.
 */

/** Offset of the variable header when the Remaining Length describes the frame exactly (at most 4 bytes); else -1. */
export function bodyStart(frame: Uint8Array): number {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i < 5 && i < frame.length; i++) {
    const byte = frame[i]!;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return i + 1 + length === frame.length ? i + 1 : -1;
  }
  return -1;
}

/** Whether the Remaining Length ending before `body` uses the fewest bytes [MQTT-1.5.5-1]: its last byte is not 0 unless it is the only one. */
export function minimalLength(frame: Uint8Array, body: number): boolean {
  return body === 2 || frame[body - 1] !== 0;
}
