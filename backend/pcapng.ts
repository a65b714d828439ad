/**
 * Writes the app's own MQTT traffic as a pcapng file that Wireshark and tshark open directly.
 * The app records MQTT bytes, not network frames (and for TLS connections it records the
 * decrypted bytes), so each packet is wrapped in a synthesized Ethernet + IPv4 + TCP segment
 * between two loopback endpoints. Sequence and acknowledgement numbers run consistently in
 * both directions and a 3-way handshake opens the stream, so Wireshark's TCP reassembly and
 * its MQTT dissector see an ordinary, complete connection.
 *
 * Format: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html (little-endian
 * section); IPv4 RFC 791; TCP RFC 9293.
 */

/** One recorded MQTT packet (or any chunk of the MQTT byte stream). */
export interface CapturedPacket {
  /** Milliseconds since the epoch; fractions are kept down to the microsecond. */
  time: number;
  /** 'out' = client → server (the app sent it), 'in' = server → client. */
  direction: 'in' | 'out';
  bytes: Uint8Array;
}

/** Options for {@link encodePcapng}. */
export interface PcapngOptions {
  /** The client's TCP port in the synthesized segments; default 50000. */
  clientPort?: number;
  /**
   * The broker's TCP port; default 1883, where Wireshark decodes MQTT without "Decode As".
   * With another port, tshark needs `-d tcp.port==PORT,mqtt` (and 8883 would be taken for TLS).
   */
  serverPort?: number;
  /** Written as the section's comment (shown by Wireshark's capture file properties). */
  comment?: string;
  /** Largest TCP payload per segment; longer packets span several segments. Default 1460. */
  maxSegmentSize?: number;
  /** Whether to open the stream with SYN, SYN/ACK, ACK; default true. */
  handshake?: boolean;
}

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const LINKTYPE_ETHERNET = 1;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;
const EPB_INBOUND = 0x1;
const EPB_OUTBOUND = 0x2;

const ETH_HEADER = 14;
const IP_HEADER = 20;
const TCP_HEADER = 20;
const MAX_IP_PAYLOAD = 65535 - IP_HEADER - TCP_HEADER;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

const LOOPBACK = [127, 0, 0, 1] as const;
/** The loopback address as the checksum adds it: two 16-bit words. */
const LOOPBACK_SUM = ((LOOPBACK[0] << 8) | LOOPBACK[1]) + ((LOOPBACK[2] << 8) | LOOPBACK[3]);
// Locally administered addresses, so nobody mistakes them for real hardware.
const CLIENT_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01] as const;
const SERVER_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02] as const;
const CLIENT_ISN = 0x1000_0000;
const SERVER_ISN = 0x2000_0000;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Serialises option TLVs (code, length, value padded to 4) followed by opt_endofopt. */
function options(list: ReadonlyArray<{ code: number; value: Buffer }>): Buffer {
  if (list.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const { code, value } of list) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value, Buffer.alloc(pad4(value.length) - value.length));
  }
  parts.push(Buffer.from([OPT_ENDOFOPT, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** Wraps a block body with its type and (repeated) total length. */
function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function sectionHeader(comment: string | undefined): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  fixed.writeUInt16LE(1, 4); // major version
  fixed.writeUInt16LE(0, 6); // minor version
  fixed.writeBigInt64LE(-1n, 8); // section length not specified
  const opts = [{ code: SHB_USERAPPL, value: Buffer.from('MQTT Desk', 'utf8') }];
  if (comment) opts.push({ code: OPT_COMMENT, value: Buffer.from(comment, 'utf8') });
  return block(BLOCK_SHB, Buffer.concat([fixed, options(opts)]));
}

function interfaceDescription(): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  fixed.writeUInt16LE(0, 2); // reserved
  fixed.writeUInt32LE(0, 4); // snaplen: 0 = no limit
  return block(
    BLOCK_IDB,
    Buffer.concat([
      fixed,
      options([
        { code: IF_NAME, value: Buffer.from('mqtt-desk', 'utf8') },
        { code: IF_TSRESOL, value: Buffer.from([6]) }, // 10^-6 s: timestamps in microseconds
      ]),
    ]),
  );
}

/** Bytes of an Enhanced Packet Block around a frame of `frameLength` bytes, with its flags option. */
function enhancedPacketSize(frameLength: number): number {
  // type, length, interface, timestamp (2), captured, original: 28; the frame, padded; the flags option (8) and its end (4); the length again (4).
  return 28 + pad4(frameLength) + 16;
}

/** Adds `bytes[start, end)` as big-endian 16-bit words to a running Internet checksum sum (RFC 1071). */
function sum16(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds a running sum into the one's complement checksum. */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

interface Segment {
  fromClient: boolean;
  seq: number;
  ack: number;
  flags: number;
  ipId: number;
  payload: Uint8Array;
}

/**
 * Writes one Enhanced Packet Block holding an Ethernet + IPv4 + TCP frame around the
 * segment's payload at `out[at]`; returns where the next block starts. Written in place:
 * exporting a million packets fills one buffer instead of allocating several per packet.
 */
function writeSegmentBlock(out: Buffer, at: number, timeMs: number, s: Segment, clientPort: number, serverPort: number): number {
  const frameLength = ETH_HEADER + IP_HEADER + TCP_HEADER + s.payload.length;
  const total = enhancedPacketSize(frameLength);
  const micros = Math.round(timeMs * 1000);
  out.writeUInt32LE(BLOCK_EPB, at);
  out.writeUInt32LE(total, at + 4);
  out.writeUInt32LE(0, at + 8); // interface 0
  out.writeUInt32LE(Math.floor(micros / 4294967296), at + 12);
  out.writeUInt32LE(micros % 4294967296, at + 16);
  out.writeUInt32LE(frameLength, at + 20); // captured length
  out.writeUInt32LE(frameLength, at + 24); // original length
  const f = at + 28;
  // Ethernet II
  const dst = s.fromClient ? SERVER_MAC : CLIENT_MAC;
  const src = s.fromClient ? CLIENT_MAC : SERVER_MAC;
  for (let i = 0; i < 6; i++) {
    out[f + i] = dst[i]!;
    out[f + 6 + i] = src[i]!;
  }
  out.writeUInt16BE(0x0800, f + 12); // IPv4
  const ip = f + ETH_HEADER;
  out[ip] = 0x45; // version 4, 5 words of header
  out[ip + 1] = 0;
  out.writeUInt16BE(IP_HEADER + TCP_HEADER + s.payload.length, ip + 2);
  out.writeUInt16BE(s.ipId & 0xffff, ip + 4);
  out.writeUInt16BE(0x4000, ip + 6); // Don't Fragment
  out[ip + 8] = 64; // TTL
  out[ip + 9] = 6; // TCP
  out.writeUInt16BE(0, ip + 10);
  for (let i = 0; i < 4; i++) {
    out[ip + 12 + i] = LOOPBACK[i]!;
    out[ip + 16 + i] = LOOPBACK[i]!;
  }
  out.writeUInt16BE(fold(sum16(out, ip, ip + IP_HEADER, 0)), ip + 10);
  const tcp = ip + IP_HEADER;
  out.writeUInt16BE(s.fromClient ? clientPort : serverPort, tcp);
  out.writeUInt16BE(s.fromClient ? serverPort : clientPort, tcp + 2);
  out.writeUInt32BE(s.seq >>> 0, tcp + 4);
  out.writeUInt32BE((s.flags & TCP_ACK) !== 0 ? s.ack >>> 0 : 0, tcp + 8);
  out[tcp + 12] = (TCP_HEADER / 4) << 4;
  out[tcp + 13] = s.flags;
  out.writeUInt16BE(65535, tcp + 14); // window
  out.writeUInt32BE(0, tcp + 16); // checksum (below) and urgent pointer
  out.set(s.payload, tcp + TCP_HEADER);
  // The pseudo-header: source and destination address, protocol 6, TCP length.
  const segmentLength = TCP_HEADER + s.payload.length;
  out.writeUInt16BE(fold(sum16(out, tcp, tcp + segmentLength, 2 * LOOPBACK_SUM + 6 + segmentLength)), tcp + 16);
  let o = f + pad4(frameLength);
  out.fill(0, f + frameLength, o);
  out.writeUInt16LE(EPB_FLAGS, o);
  out.writeUInt16LE(4, o + 2);
  out.writeUInt32LE(s.fromClient ? EPB_OUTBOUND : EPB_INBOUND, o + 4);
  out.writeUInt32LE(OPT_ENDOFOPT, o + 8);
  o += 12;
  out.writeUInt32LE(total, o);
  return o + 4;
}

/**
 * Encodes recorded MQTT traffic of one connection as a pcapng file. Packets are written in
 * the order given (sort them by time first if they come from several sources); each one's
 * bytes become the payload of one or more TCP segments in its direction, so passing whole
 * MQTT packets (see PacketFramer) or raw socket chunks both give a decodable stream.
 */
export function encodePcapng(packets: ReadonlyArray<CapturedPacket>, options: PcapngOptions = {}): Buffer {
  const clientPort = options.clientPort ?? 50000;
  const serverPort = options.serverPort ?? 1883;
  const mss = Math.max(1, Math.min(options.maxSegmentSize ?? 1460, MAX_IP_PAYLOAD));
  const head = Buffer.concat([sectionHeader(options.comment), interfaceDescription()]);
  const handshake = (options.handshake ?? true) && packets.length > 0;
  const empty = new Uint8Array(0);

  // Sizes first, so the whole file is one allocation.
  let size = head.length + (handshake ? 3 * enhancedPacketSize(ETH_HEADER + IP_HEADER + TCP_HEADER) : 0);
  for (const packet of packets) {
    const n = packet.bytes.length;
    const full = Math.floor(n / mss);
    size += full * enhancedPacketSize(ETH_HEADER + IP_HEADER + TCP_HEADER + mss);
    if (n % mss) size += enhancedPacketSize(ETH_HEADER + IP_HEADER + TCP_HEADER + (n % mss));
  }
  const out = Buffer.allocUnsafe(size);
  head.copy(out, 0);
  let at = head.length;

  // Next sequence number each side will send; each side acknowledges all it has received.
  let clientSeq = CLIENT_ISN;
  let serverSeq = SERVER_ISN;
  let clientIpId = 1;
  let serverIpId = 1;
  const segment: Segment = { fromClient: true, seq: 0, ack: 0, flags: 0, ipId: 0, payload: empty };
  const emit = (time: number, fromClient: boolean, flags: number, payload: Uint8Array) => {
    segment.fromClient = fromClient;
    segment.seq = fromClient ? clientSeq : serverSeq;
    segment.ack = fromClient ? serverSeq : clientSeq;
    segment.flags = flags;
    segment.ipId = fromClient ? clientIpId++ : serverIpId++;
    segment.payload = payload;
    // SYN and FIN take one sequence number each (RFC 9293, 3.4).
    const advance = payload.length + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
    if (fromClient) clientSeq = (clientSeq + advance) >>> 0;
    else serverSeq = (serverSeq + advance) >>> 0;
    at = writeSegmentBlock(out, at, time, segment, clientPort, serverPort);
  };

  if (handshake) {
    // Just before the first packet, so the handshake sorts first in any time-ordered view.
    const t = packets[0]!.time - 0.003;
    emit(t, true, TCP_SYN, empty);
    emit(t + 0.001, false, TCP_SYN | TCP_ACK, empty);
    emit(t + 0.002, true, TCP_ACK, empty);
  }
  for (const packet of packets) {
    const bytes = packet.bytes;
    const fromClient = packet.direction === 'out';
    for (let start = 0; start < bytes.length; start += mss) {
      const end = Math.min(start + mss, bytes.length);
      // PSH marks where the sender's write ended, as a real stack would.
      emit(packet.time, fromClient, TCP_ACK | (end === bytes.length ? TCP_PSH : 0), bytes.subarray(start, end));
    }
  }
  return out;
}
