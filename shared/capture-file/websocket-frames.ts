/**
 * Unwraps one direction of a WebSocket connection (RFC 6455, 5.2) into the bytes its data
 * frames carry, for MQTT over WebSocket in captures: MQTT packets ride binary frames and may
 * start or end anywhere in them [MQTT-6.0.0-2], so the frames' payloads are one byte stream.
 * Frame headers may be split across TCP segments; client frames are masked.
 */

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;

/** Reads WebSocket frames from a byte stream and passes on their data. */
export class WebSocketDeframer {
  /** Why decoding stopped, when it did. */
  error: string | undefined;
  /** Notes that did not stop decoding. */
  readonly notes: string[] = [];
  /** A close frame was seen. */
  closed = false;
  private header = new Uint8Array(14);
  private headerLength = 0;
  /** Payload bytes still to come in the current frame. */
  private remaining = 0;
  private mask: Uint8Array | undefined;
  /** Offset into the mask for the next payload byte. */
  private maskAt = 0;
  private data = false;

  /** `onData` receives the payload of binary and continuation frames, unmasked. */
  constructor(private readonly onData: (bytes: Uint8Array) => void) {}

  /** Feeds bytes of the stream in order. */
  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && !this.error && !this.closed) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, bytes.length - at);
        if (this.data) this.onData(this.unmask(bytes.subarray(at, at + take)));
        this.remaining -= take;
        at += take;
        continue;
      }
      this.header[this.headerLength++] = bytes[at++]!;
      this.tryHeader();
    }
  }

  /** Completes the frame header once all its bytes are in. */
  private tryHeader(): void {
    const h = this.header;
    if (this.headerLength < 2) return;
    const masked = (h[1]! & 0x80) !== 0;
    const length7 = h[1]! & 0x7f;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const needed = 2 + extended + (masked ? 4 : 0);
    if (this.headerLength < needed) return;
    let length = length7;
    if (extended === 2) length = (h[2]! << 8) | h[3]!;
    else if (extended === 8) {
      length = 0;
      for (let i = 2; i < 10; i++) length = length * 256 + h[i]!;
    }
    const opcode = h[0]! & 0x0f;
    if ((h[0]! & 0x70) !== 0) {
      // RSV1 is permessage-deflate (RFC 7692): compressed payloads this reader cannot inflate.
      this.error = (h[0]! & 0x40) !== 0 ? 'the WebSocket frames are compressed (permessage-deflate), which this reader does not decode' : 'a WebSocket frame has reserved bits set';
      return;
    }
    this.mask = masked ? h.slice(2 + extended, 6 + extended) : undefined;
    this.maskAt = 0;
    this.remaining = length;
    this.headerLength = 0;
    this.data = opcode === OPCODE_BINARY || opcode === OPCODE_CONTINUATION;
    if (opcode === OPCODE_TEXT) {
      this.data = true;
      if (!this.notes.some((n) => n.startsWith('text frame'))) this.notes.push('text frames carry MQTT here, which must use binary frames [MQTT-6.0.0-1]; read as if binary');
    }
    if (opcode === OPCODE_CLOSE) this.closed = true;
  }

  private unmask(bytes: Uint8Array): Uint8Array {
    const mask = this.mask;
    if (!mask) return bytes;
    const out = new Uint8Array(bytes.length);
    let m = this.maskAt;
    for (let i = 0; i < bytes.length; i++) {
      out[i] = bytes[i]! ^ mask[m]!;
      m = (m + 1) & 3;
    }
    this.maskAt = m;
    return out;
  }
}
