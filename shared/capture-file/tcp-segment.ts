/**
 * Finds the TCP segment in a captured frame: the link layer (Ethernet with VLAN tags,
 * Linux cooked SLL and SLL2 as `tcpdump -i any` writes, BSD loopback, raw IP), then IPv4 or
 * IPv6 (with extension headers), then TCP. Writes into a reused object rather than
 * allocating one per frame. Fragments and anything not TCP are skipped.
 *
 * Link types: https://www.tcpdump.org/linktypes.html; IPv4 RFC 791; IPv6 RFC 8200; TCP RFC 9293.
 */

/**
 * What {@link readTcpSegment} found. IPv4 addresses are kept as numbers (no string per
 * frame: a million frames would make a million strings); IPv6 ones as text such as `[::1]`.
 */
export interface TcpSegment {
  v6: boolean;
  /** IPv4 source and destination as 32-bit numbers (0 for IPv6). */
  sourceIp: number;
  destinationIp: number;
  /** IPv6 source and destination as text ('' for IPv4). */
  source6: string;
  destination6: string;
  sourcePort: number;
  destinationPort: number;
  seq: number;
  flags: number;
  /** The payload is `bytes[payloadStart, payloadEnd)` of the frame's file buffer. */
  payloadStart: number;
  payloadEnd: number;
  /** Payload bytes the snapshot length cut off (the segment carried more than was captured). */
  missing: number;
}

/** A segment to fill. */
export function newTcpSegment(): TcpSegment {
  return { v6: false, sourceIp: 0, destinationIp: 0, source6: '', destination6: '', sourcePort: 0, destinationPort: 0, seq: 0, flags: 0, payloadStart: 0, payloadEnd: 0, missing: 0 };
}

/** `address:port` of a segment's source or destination, e.g. `127.0.0.1:1883` or `[::1]:1883`. */
export function endpointText(segment: TcpSegment, which: 'source' | 'destination'): string {
  const port = which === 'source' ? segment.sourcePort : segment.destinationPort;
  if (segment.v6) return `${which === 'source' ? segment.source6 : segment.destination6}:${port}`;
  const ip = which === 'source' ? segment.sourceIp : segment.destinationIp;
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${port}`;
}

/** TCP flag bits. */
export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_RAW_OPENBSD = 12;
const LINKTYPE_RAW_ALT = 14;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];

/** Link types this reader understands, by name, for messages about the others. */
export const SUPPORTED_LINK_TYPES = 'Ethernet, Linux cooked (SLL, SLL2), BSD loopback, raw IPv4/IPv6';

/** Whether frames of this link type can be read at all. */
export function isSupportedLinkType(linkType: number): boolean {
  return [LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_ALT, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2].includes(linkType);
}

/** Decodes the TCP segment of the frame `bytes[start, end)`; false when it holds none. */
export function readTcpSegment(bytes: Uint8Array, start: number, end: number, linkType: number, originalLength: number, out: TcpSegment): boolean {
  const ip = networkLayer(bytes, start, end, linkType);
  if (ip === undefined) return false;
  const wireEnd = end + (originalLength - (end - start));
  return ip.version === 4 ? ipv4(bytes, ip.at, end, wireEnd, out) : ipv6(bytes, ip.at, end, wireEnd, out);
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function byEtherType(type: number, at: number): { version: 4 | 6; at: number } | undefined {
  return type === ETHERTYPE_IPV4 ? { version: 4, at } : type === ETHERTYPE_IPV6 ? { version: 6, at } : undefined;
}

function networkLayer(b: Uint8Array, start: number, end: number, linkType: number): { version: 4 | 6; at: number } | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let at = start + 12;
      if (at + 2 > end) return undefined;
      let type = u16(b, at);
      while (ETHERTYPE_VLAN.includes(type) && at + 6 <= end) {
        at += 4;
        type = u16(b, at);
      }
      return byEtherType(type, at + 2);
    }
    case LINKTYPE_LINUX_SLL:
      return start + 16 <= end ? byEtherType(u16(b, start + 14), start + 16) : undefined;
    case LINKTYPE_LINUX_SLL2:
      return start + 20 <= end ? byEtherType(u16(b, start), start + 20) : undefined;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (start + 4 > end) return undefined;
      // The family is in the writer's byte order for NULL, network order for LOOP; IPv6 is 24, 28 or 30 by OS.
      const family = linkType === LINKTYPE_LOOP ? u32(b, start) : b[start]! !== 0 ? b[start]! : b[start + 3]!;
      if (family === 2) return { version: 4, at: start + 4 };
      return [24, 28, 30].includes(family) ? { version: 6, at: start + 4 } : undefined;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_OPENBSD:
    case LINKTYPE_RAW_ALT:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6: {
      if (start >= end) return undefined;
      const version = b[start]! >> 4;
      return version === 4 || version === 6 ? { version, at: start } : undefined;
    }
    default:
      return undefined;
  }
}

function ipv4(b: Uint8Array, at: number, end: number, wireEnd: number, out: TcpSegment): boolean {
  if (at + 20 > end) return false;
  const headerLength = (b[at]! & 0x0f) * 4;
  const total = u16(b, at + 2);
  // Fragments: TCP over loopback and Ethernet never needs them; skip rather than misread.
  const fragment = u16(b, at + 6);
  if ((fragment & 0x2000) !== 0 || (fragment & 0x1fff) !== 0) return false;
  if (b[at + 9] !== 6 || headerLength < 20) return false;
  out.v6 = false;
  out.sourceIp = u32(b, at + 12);
  out.destinationIp = u32(b, at + 16);
  // The IP length, not the frame's: Ethernet pads short frames to 60 bytes.
  return tcp(b, at + headerLength, Math.min(end, at + total), Math.min(wireEnd, at + total), out);
}

function ipv6(b: Uint8Array, at: number, end: number, wireEnd: number, out: TcpSegment): boolean {
  if (at + 40 > end) return false;
  const payloadEnd = at + 40 + u16(b, at + 4);
  let next = b[at + 6]!;
  let header = at + 40;
  // Hop-by-hop, routing and destination options precede TCP; a fragment header means a fragment.
  while ((next === 0 || next === 43 || next === 60) && header + 8 <= end) {
    next = b[header]!;
    header += (b[header + 1]! + 1) * 8;
  }
  if (next !== 6) return false;
  out.v6 = true;
  out.sourceIp = 0;
  out.destinationIp = 0;
  out.source6 = `[${ipv6Text(b, at + 8)}]`;
  out.destination6 = `[${ipv6Text(b, at + 24)}]`;
  return tcp(b, header, Math.min(end, payloadEnd), Math.min(wireEnd, payloadEnd), out);
}

/** An IPv6 address in RFC 5952 form (longest run of zero groups as ::). */
export function ipv6Text(b: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(u16(b, at + i * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  return bestStart < 0 ? hex(groups) : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function tcp(b: Uint8Array, at: number, end: number, wireEnd: number, out: TcpSegment): boolean {
  if (at + 20 > end) return false;
  const headerLength = (b[at + 12]! >> 4) * 4;
  if (headerLength < 20 || at + headerLength > end) return false;
  out.sourcePort = u16(b, at);
  out.destinationPort = u16(b, at + 2);
  out.seq = u32(b, at + 4);
  out.flags = b[at + 13]!;
  out.payloadStart = at + headerLength;
  out.payloadEnd = end;
  out.missing = Math.max(0, wireEnd - end);
  return true;
}
