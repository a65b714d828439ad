/**
 * The payload `mqtt-desk bench pub` sends: a marker and the send time, padded with zeros to
 * the size asked for, so `bench sub` (in another process on the same clock) can tell its
 * messages from others and measure their latency. Pure: the clock is passed in.
 */

/** "MQDB": a payload that carries a bench send time. */
const MAGIC = [0x4d, 0x51, 0x44, 0x42] as const;

/** Bytes of the header (marker and a float64 of milliseconds); smaller payloads carry no time. */
export const BENCH_HEADER_BYTES = 12;

/** A payload of `size` bytes stamped with `sentMs` (epoch milliseconds, fractions kept). */
export function benchPayload(size: number, sentMs: number): Uint8Array {
  const bytes = new Uint8Array(size);
  if (size < BENCH_HEADER_BYTES) return bytes;
  bytes.set(MAGIC);
  new DataView(bytes.buffer, bytes.byteOffset, size).setFloat64(4, sentMs);
  return bytes;
}

/** The send time a bench payload carries, or undefined for any other payload. */
export function benchSentMs(payload: Uint8Array): number | undefined {
  if (payload.length < BENCH_HEADER_BYTES) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (payload[i] !== MAGIC[i]) return undefined;
  const sent = new DataView(payload.buffer, payload.byteOffset, payload.length).getFloat64(4);
  return Number.isFinite(sent) ? sent : undefined;
}

/**
 * A bench topic for one client: `%i` is the client's number (from 1), `%c` its client ID,
 * as in emqtt-bench and MQTTX's bench.
 */
export function benchTopic(template: string, index: number, clientId: string): string {
  return template.replace(/%[ic]/g, (code) => (code === '%i' ? String(index) : clientId));
}
