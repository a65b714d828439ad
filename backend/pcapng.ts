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

function enhancedPacket(timeMs: number, frame: Buffer, outbound: boolean): Buffer {
  const micros = BigInt(Math.round(timeMs * 1000));
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0); // interface 0
  fixed.writeUInt32LE(Number(micros >> 32n), 4);
  fixed.writeUInt32LE(Number(micros & 0xffff_ffffn), 8);
  fixed.writeUInt32LE(frame.length, 12); // captured length
  fixed.writeUInt32LE(frame.length, 16); // original length
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(outbound ? EPB_OUTBOUND : EPB_INBOUND, 0);
  return block(
    BLOCK_EPB,
    Buffer.concat([fixed, frame, Buffer.alloc(pad4(frame.length) - frame.length), options([{ code: EPB_FLAGS, value: flags }])]),
  );
}

/** The Internet checksum (RFC 1071) over `parts`, as if they were concatenated. */
function internetChecksum(parts: ReadonlyArray<Buffer>): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

interface Segment {
  fromClient: boolean;
  seq: number;
  ack: number;
  flags: number;
  ipId: number;
  payload: Buffer;
}

function ethernetIpTcp(s: Segment, clientPort: number, serverPort: number): Buffer {
  const frame = Buffer.alloc(ETH_HEADER + IP_HEADER + TCP_HEADER + s.payload.length);
  // Ethernet II
  Buffer.from(s.fromClient ? SERVER_MAC : CLIENT_MAC).copy(frame, 0);
  Buffer.from(s.fromClient ? CLIENT_MAC : SERVER_MAC).copy(frame, 6);
  frame.writeUInt16BE(0x0800, 12); // IPv4

  const ip = frame.subarray(ETH_HEADER, ETH_HEADER + IP_HEADER);
  ip[0] = 0x45; // version 4, 5 words of header
  ip[1] = 0;
  ip.writeUInt16BE(IP_HEADER + TCP_HEADER + s.payload.length, 2);
  ip.writeUInt16BE(s.ipId & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // Don't Fragment
  ip[8] = 64; // TTL
  ip[9] = 6; // TCP
  Buffer.from(LOOPBACK).copy(ip, 12);
  Buffer.from(LOOPBACK).copy(ip, 16);
  ip.writeUInt16BE(internetChecksum([ip]), 10);

  const tcpStart = ETH_HEADER + IP_HEADER;
  const tcp = frame.subarray(tcpStart, tcpStart + TCP_HEADER);
  tcp.writeUInt16BE(s.fromClient ? clientPort : serverPort, 0);
  tcp.writeUInt16BE(s.fromClient ? serverPort : clientPort, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE((s.flags & TCP_ACK) !== 0 ? s.ack >>> 0 : 0, 8);
  tcp[12] = (TCP_HEADER / 4) << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(65535, 14); // window
  s.payload.copy(frame, tcpStart + TCP_HEADER);

  const segmentLength = TCP_HEADER + s.payload.length;
  const pseudo = Buffer.alloc(12);
  Buffer.from(LOOPBACK).copy(pseudo, 0);
  Buffer.from(LOOPBACK).copy(pseudo, 4);
  pseudo[9] = 6;
  pseudo.writeUInt16BE(segmentLength, 10);
  tcp.writeUInt16BE(internetChecksum([pseudo, frame.subarray(tcpStart)]), 16);
  return frame;
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
  const blocks: Buffer[] = [sectionHeader(options.comment), interfaceDescription()];

  // Next sequence number each side will send; each side acknowledges all it has received.
  let clientSeq = CLIENT_ISN;
  let serverSeq = SERVER_ISN;
  let clientIpId = 1;
  let serverIpId = 1;
  const emit = (time: number, fromClient: boolean, flags: number, payload: Buffer) => {
    const segment: Segment = fromClient
      ? { fromClient, seq: clientSeq, ack: serverSeq, flags, ipId: clientIpId++, payload }
      : { fromClient, seq: serverSeq, ack: clientSeq, flags, ipId: serverIpId++, payload };
    // SYN and FIN take one sequence number each (RFC 9293, 3.4).
    const advance = payload.length + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
    if (fromClient) clientSeq = (clientSeq + advance) >>> 0;
    else serverSeq = (serverSeq + advance) >>> 0;
    blocks.push(enhancedPacket(time, ethernetIpTcp(segment, clientPort, serverPort), fromClient));
  };

  const first = packets[0];
  if ((options.handshake ?? true) && first) {
    // Just before the first packet, so the handshake sorts first in any time-ordered view.
    const t = first.time - 0.003;
    emit(t, true, TCP_SYN, Buffer.alloc(0));
    emit(t + 0.001, false, TCP_SYN | TCP_ACK, Buffer.alloc(0));
    emit(t + 0.002, true, TCP_ACK, Buffer.alloc(0));
  }
  for (const packet of packets) {
    const bytes = Buffer.from(packet.bytes.buffer, packet.bytes.byteOffset, packet.bytes.byteLength);
    const fromClient = packet.direction === 'out';
    for (let at = 0; at < bytes.length; at += mss) {
      const end = Math.min(at + mss, bytes.length);
      // PSH marks where the sender's write ended, as a real stack would.
      emit(packet.time, fromClient, TCP_ACK | (end === bytes.length ? TCP_PSH : 0), bytes.subarray(at, end));
    }
  }
  return Buffer.concat(blocks);
}
