/**
 * Builds capture files byte by byte for the reader's edge cases: TCP segments in any link
 * layer (Ethernet with VLAN tags, SLL, SLL2, BSD loopback, raw IP; IPv4 or IPv6), written as
 * classic pcap (either byte order, micro- or nanoseconds) or pcapng (sections of either byte
 * order, interfaces with their own link types and timestamp resolutions).
 */

/** One TCP segment to put in a frame. */
export interface SegmentSpec {
  from: [string, number];
  to: [string, number];
  seq: number;
  flags?: number;
  payload?: Uint8Array;
  /** Extra bytes after the IP packet (Ethernet pads short frames). */
  padding?: number;
}

export type Link = 'ethernet' | 'vlan' | 'sll' | 'sll2' | 'null' | 'loop' | 'raw';
export const LINK_TYPES: Record<Link, number> = { ethernet: 1, vlan: 1, sll: 113, sll2: 276, null: 0, loop: 108, raw: 101 };
export const SYN = 0x02;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;
export const RST = 0x04;

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function address(text: string): number[] {
  if (!text.includes(':')) return text.split('.').map(Number);
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap(u16);
}

/** The IP packet (v4 or v6 by the address form) carrying the segment. */
export function ipPacket(s: SegmentSpec, options: { hopByHop?: boolean } = {}): number[] {
  const payload = [...(s.payload ?? [])];
  const tcp = [...u16(s.from[1]), ...u16(s.to[1]), ...u32(s.seq), ...u32(0), 0x50, s.flags ?? ACK | PSH, ...u16(65535), 0, 0, 0, 0, ...payload];
  const v6 = s.from[0].includes(':');
  if (!v6) return [0x45, 0, ...u16(20 + tcp.length), 0, 1, 0x40, 0, 64, 6, 0, 0, ...address(s.from[0]), ...address(s.to[0]), ...tcp];
  const ext = options.hopByHop ? [6, 0, 1, 4, 0, 0, 0, 0] : [];
  return [0x60, 0, 0, 0, ...u16(ext.length + tcp.length), options.hopByHop ? 0 : 6, 64, ...address(s.from[0]), ...address(s.to[0]), ...ext, ...tcp];
}

/** A whole frame of the given link type. */
export function frame(s: SegmentSpec, link: Link = 'ethernet', options: { hopByHop?: boolean } = {}): Uint8Array {
  const ip = ipPacket(s, options);
  const v6 = s.from[0].includes(':');
  const etherType = v6 ? 0x86dd : 0x0800;
  const pad = new Array(s.padding ?? 0).fill(0);
  switch (link) {
    case 'ethernet':
      return Uint8Array.from([...new Array(12).fill(0), ...u16(etherType), ...ip, ...pad]);
    case 'vlan':
      return Uint8Array.from([...new Array(12).fill(0), 0x81, 0x00, 0, 5, ...u16(etherType), ...ip, ...pad]);
    case 'sll':
      return Uint8Array.from([0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, ...u16(etherType), ...ip]);
    case 'sll2':
      return Uint8Array.from([...u16(etherType), 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, ...ip]);
    case 'null':
      return Uint8Array.from([v6 ? 30 : 2, 0, 0, 0, ...ip]);
    case 'loop':
      return Uint8Array.from([0, 0, 0, v6 ? 30 : 2, ...ip]);
    case 'raw':
      return Uint8Array.from(ip);
  }
}

/** One frame with its capture time (ms since the epoch). */
export interface TimedFrame {
  time: number;
  data: Uint8Array;
  /** Bytes on the wire, when the snapshot length cut the frame. */
  originalLength?: number;
  interfaceId?: number;
}

/** A classic pcap file. */
export function pcapFile(frames: TimedFrame[], options: { linkType?: number; nanos?: boolean; bigEndian?: boolean } = {}): Uint8Array {
  const le = !options.bigEndian;
  const out: number[] = [];
  const w32 = (n: number) => out.push(...(le ? u32(n).reverse() : u32(n)));
  const w16 = (n: number) => out.push(...(le ? u16(n).reverse() : u16(n)));
  w32(options.nanos ? 0xa1b23c4d : 0xa1b2c3d4);
  w16(2);
  w16(4);
  w32(0);
  w32(0);
  w32(262144);
  w32(options.linkType ?? 1);
  for (const f of frames) {
    const seconds = Math.floor(f.time / 1000);
    w32(seconds);
    w32(Math.round((f.time - seconds * 1000) * (options.nanos ? 1e6 : 1e3)));
    w32(f.data.length);
    w32(f.originalLength ?? f.data.length);
    out.push(...f.data);
  }
  return Uint8Array.from(out);
}

/** A pcapng interface: link type, and timestamp resolution as the if_tsresol byte. */
export interface InterfaceSpec {
  linkType: number;
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

/** A pcapng section; frames name their interface. `extra` adds an unknown block first. */
export function pcapngSection(interfaces: InterfaceSpec[], frames: TimedFrame[], options: { bigEndian?: boolean; simple?: boolean; unknownBlock?: boolean } = {}): number[] {
  const le = !options.bigEndian;
  const n32 = (n: number) => (le ? u32(n).reverse() : u32(n));
  const n16 = (n: number) => (le ? u16(n).reverse() : u16(n));
  const block = (type: number, body: number[]) => {
    const padded = [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)];
    const total = 12 + padded.length;
    return [...n32(type), ...n32(total), ...padded, ...n32(total)];
  };
  const out = block(0x0a0d0d0a, [...n32(0x1a2b3c4d), ...n16(1), ...n16(0), ...new Array(8).fill(0xff)]);
  if (options.unknownBlock) out.push(...block(0x00000bad, [1, 2, 3, 4]));
  for (const i of interfaces) {
    const opts: number[] = [];
    if (i.tsresol !== undefined) opts.push(...n16(9), ...n16(1), i.tsresol, 0, 0, 0);
    if (i.tsoffset !== undefined) {
      const v = le ? [...u32(i.tsoffset).reverse(), 0, 0, 0, 0] : [0, 0, 0, 0, ...u32(i.tsoffset)];
      opts.push(...n16(14), ...n16(8), ...v);
    }
    if (opts.length) opts.push(0, 0, 0, 0);
    out.push(...block(1, [...n16(i.linkType), 0, 0, ...n32(0), ...opts]));
  }
  for (const f of frames) {
    const iface = interfaces[f.interfaceId ?? 0]!;
    const resolution = iface.tsresol ?? 6;
    const perSecond = resolution & 0x80 ? 2 ** (resolution & 0x7f) : 10 ** resolution;
    const units = BigInt(Math.round(((f.time - (iface.tsoffset ?? 0) * 1000) / 1000) * perSecond));
    if (options.simple) out.push(...block(3, [...n32(f.originalLength ?? f.data.length), ...f.data]));
    else out.push(...block(6, [...n32(f.interfaceId ?? 0), ...n32(Number(units >> 32n)), ...n32(Number(units & 0xffffffffn)), ...n32(f.data.length), ...n32(f.originalLength ?? f.data.length), ...f.data]));
  }
  return out;
}

/** A pcapng file of one or more sections. */
export function pcapngFile(...sections: number[][]): Uint8Array {
  return Uint8Array.from(sections.flat());
}
