/**
 * Order-preserving User Properties for forwarded PUBLISHes [MQTT-3.3.2-18]. mqtt-packet
 * decodes them into an object, where repeated keys become arrays and the interleaving
 * (a=1, b=2, a=3) is lost. So the broker keeps the raw 0x26 entries of the incoming
 * PUBLISH and splices them, unchanged and in order, into each outgoing one.
 */

const USER_PROPERTY = 0x26;

/** Byte size of each PUBLISH (and will) property value, by identifier; strings and binaries are length-prefixed. */
const PUBLISH_PROPERTY_KIND: Record<number, 'byte' | 'u16' | 'u32' | 'varint' | 'prefixed' | 'pair'> = {
  0x18: 'u32', // Will Delay Interval (will properties only)
  0x01: 'byte', // Payload Format Indicator
  0x02: 'u32', // Message Expiry Interval
  0x03: 'prefixed', // Content Type
  0x08: 'prefixed', // Response Topic
  0x09: 'prefixed', // Correlation Data
  0x0b: 'varint', // Subscription Identifier
  0x23: 'u16', // Topic Alias
  0x26: 'pair', // User Property
};

/** Reads a Variable Byte Integer; undefined when it runs past the end or exceeds 4 bytes. */
function readVarint(buf: Buffer, pos: number): { value: number; size: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    const b = buf[pos + i];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return { value, size: i + 1 };
  }
  return undefined;
}

function encodeVarint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  do {
    let b = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) b |= 0x80;
    out.push(b);
  } while (rest > 0);
  return Buffer.from(out);
}

/** Where the properties of a 5.0 PUBLISH frame are. */
function locateProperties(frame: Buffer): { lengthAt: number; lengthSize: number; start: number; end: number } | undefined {
  const remaining = readVarint(frame, 1);
  if (!remaining) return undefined;
  const qos = (frame[0]! >> 1) & 0x03;
  let pos = 1 + remaining.size;
  if (pos + 2 > frame.length) return undefined;
  pos += 2 + frame.readUInt16BE(pos); // topic name
  if (qos > 0) pos += 2; // packet identifier
  const length = readVarint(frame, pos);
  if (!length) return undefined;
  const start = pos + length.size;
  const end = start + length.value;
  if (end > frame.length) return undefined;
  return { lengthAt: pos, lengthSize: length.size, start, end };
}

/**
 * The User Property entries of a 5.0 PUBLISH frame, raw and in wire order, or undefined
 * when there are none (or the properties cannot be walked, which the codec rejects anyway).
 */
export function extractUserProperties(frame: Buffer): Buffer | undefined {
  const at = locateProperties(frame);
  return at ? collectUserProperties(frame, at) : undefined;
}

/** The User Property entries of the will properties of a 5.0 CONNECT frame, raw and in order. */
export function extractWillUserProperties(frame: Buffer): Buffer | undefined {
  const remaining = readVarint(frame, 1);
  if (!remaining || frame.length < 1 + remaining.size + 2) return undefined;
  let pos = 1 + remaining.size;
  pos += 2 + frame.readUInt16BE(pos); // protocol name
  const flags = frame[pos + 1];
  if (flags === undefined || (flags & 0x04) === 0) return undefined;
  pos += 4; // level, flags, keepalive
  const props = readVarint(frame, pos);
  if (!props) return undefined;
  pos += props.size + props.value;
  if (pos + 2 > frame.length) return undefined;
  pos += 2 + frame.readUInt16BE(pos); // client identifier
  const willProps = readVarint(frame, pos);
  if (!willProps) return undefined;
  const start = pos + willProps.size;
  const end = start + willProps.value;
  return end > frame.length ? undefined : collectUserProperties(frame, { start, end });
}

function collectUserProperties(frame: Buffer, at: { start: number; end: number }): Buffer | undefined {
  const entries: Buffer[] = [];
  let pos = at.start;
  while (pos < at.end) {
    const id = frame[pos]!;
    const kind = PUBLISH_PROPERTY_KIND[id];
    let next = pos + 1;
    switch (kind) {
      case 'byte':
        next += 1;
        break;
      case 'u16':
        next += 2;
        break;
      case 'u32':
        next += 4;
        break;
      case 'varint': {
        const v = readVarint(frame, next);
        if (!v) return undefined;
        next += v.size;
        break;
      }
      case 'prefixed':
        if (next + 2 > at.end) return undefined;
        next += 2 + frame.readUInt16BE(next);
        break;
      case 'pair':
        for (let i = 0; i < 2; i++) {
          if (next + 2 > at.end) return undefined;
          next += 2 + frame.readUInt16BE(next);
        }
        break;
      case undefined:
        return undefined;
    }
    if (next > at.end) return undefined;
    if (id === USER_PROPERTY) entries.push(frame.subarray(pos, next));
    pos = next;
  }
  // A copy: the message may be retained long after the socket chunk is gone.
  return entries.length === 0 ? undefined : Buffer.from(Buffer.concat(entries));
}

/**
 * Appends raw User Property entries to the properties of an encoded 5.0 PUBLISH that was
 * generated without any, fixing both length fields.
 */
export function spliceUserProperties(encoded: Buffer, entries: Buffer): Buffer {
  const at = locateProperties(encoded);
  if (!at) return encoded;
  const headerSize = 1 + readVarint(encoded, 1)!.size;
  const propsLength = encodeVarint(at.end - at.start + entries.length);
  const body = Buffer.concat([
    encoded.subarray(headerSize, at.lengthAt),
    propsLength,
    encoded.subarray(at.start, at.end),
    entries,
    encoded.subarray(at.end),
  ]);
  return Buffer.concat([encoded.subarray(0, 1), encodeVarint(body.length), body]);
}
