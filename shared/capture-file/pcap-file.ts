/**
 * Reads the frames of a capture file as tcpdump, dumpcap, tshark and Wireshark write them:
 * classic pcap (microsecond or nanosecond timestamps, either byte order) and pcapng
 * (sections of either byte order, several interfaces with their own link types, timestamp
 * resolutions and offsets; Enhanced, Simple and obsolete Packet Blocks). A cursor walks the
 * file without copying or allocating per frame: at a million frames, that is what makes
 * opening a capture quick.
 *
 * Formats: pcap https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html, pcapng
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html.
 */

/** A file that is not a capture, or whose structure is broken where nothing can follow. */
export class CaptureFormatError extends Error {
  /** `offset` is where in the file the problem is. */
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

const PCAP_MICROS = 0xa1b2c3d4;
const PCAP_NANOS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;
const BLOCK_IDB = 0x00000001;
const BLOCK_PB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per millisecond. */
  unitsPerMs: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetMs: number;
}

/** Walks the frames of a pcap or pcapng file held in memory. */
export class CaptureFileCursor {
  /** Which format the file is in. */
  readonly format: 'pcap' | 'pcapng';
  /** Milliseconds since the epoch of the current frame, with fractions. */
  time = 0;
  /** The current frame's link-layer type (LINKTYPE_* numbers, e.g. 1 for Ethernet). */
  linkType = 0;
  /** The current frame's captured bytes are `bytes[start, end)`. */
  start = 0;
  end = 0;
  /** The frame's length on the wire; above `end - start` when the snapshot length cut it. */
  originalLength = 0;
  /** How many frames `next()` has returned. */
  frames = 0;
  /** Problems that ended reading early (a file cut short mid-frame is the usual one). */
  readonly problems: string[] = [];
  /**
   * How many bytes of `bytes` have arrived, for a file read while it streams in; `next()`
   * stops at this point with `waiting` set, and goes on once more has arrived.
   */
  available: number;
  /** The last `next()` stopped for want of bytes that have not arrived yet. */
  waiting = false;

  private readonly view: DataView;
  private pos: number;
  private little = true;
  private interfaces: Interface[] = [];
  private pcapUnitsPerMs = 1000;

  /** Reads the file header; throws {@link CaptureFormatError} when this is no pcap or pcapng. */
  constructor(
    readonly bytes: Uint8Array,
    available = bytes.length,
  ) {
    this.available = available;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 4 || available < 4) throw new CaptureFormatError(`The file has ${bytes.length} bytes: too short for a pcap or pcapng file`, 0);
    const magic = this.view.getUint32(0, false);
    if (magic === PCAPNG_SHB) {
      this.format = 'pcapng';
      this.pos = 0;
      return;
    }
    const le = this.view.getUint32(0, true);
    const kind = [magic, le].find((m) => m === PCAP_MICROS || m === PCAP_NANOS);
    if (kind === undefined) {
      const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new CaptureFormatError(`Not a pcap or pcapng file: it starts with ${head}, not a pcap magic number (a1 b2 c3 d4) or a pcapng section header (0a 0d 0d 0a)`, 0);
    }
    this.format = 'pcap';
    this.little = le === kind;
    if (bytes.length < 24 || available < 24) throw new CaptureFormatError('The pcap file header is cut short (it needs 24 bytes)', 0);
    this.pcapUnitsPerMs = kind === PCAP_NANOS ? 1_000_000 : 1000;
    this.interfaces = [{ linkType: this.u32(20) & 0x0fffffff, snapLength: this.u32(16), unitsPerMs: this.pcapUnitsPerMs, offsetMs: 0 }];
    this.pos = 24;
  }

  /** Bytes of the file read so far, for progress. */
  get position(): number {
    return this.pos;
  }

  /** Moves to the next frame; false at the end of the file (or where it is cut short), or of what has arrived (`waiting`). */
  next(): boolean {
    this.waiting = false;
    return this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
  }

  private u32(at: number): number {
    return this.view.getUint32(at, this.little);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, this.little);
  }

  private nextPcap(): boolean {
    const at = this.pos;
    if (at >= this.available) return this.atEnd();
    if (at + 16 > this.available) return this.cut(`The file ends inside the record header of frame ${this.frames + 1} (offset ${at})`);
    const captured = this.u32(at + 8);
    const dataAt = at + 16;
    if (dataAt + captured > this.available) return this.cut(`The file ends inside frame ${this.frames + 1}: it needs ${captured} bytes at offset ${dataAt}`);
    this.time = this.u32(at) * 1000 + this.u32(at + 4) / this.pcapUnitsPerMs;
    this.linkType = this.interfaces[0]!.linkType;
    this.start = dataAt;
    this.end = dataAt + captured;
    this.originalLength = this.u32(at + 12);
    this.pos = this.end;
    this.frames++;
    return true;
  }

  private nextPcapng(): boolean {
    for (;;) {
      const at = this.pos;
      if (at >= this.available) return this.atEnd();
      if (at + 12 > this.available) return this.cut(`The file ends inside a block header (offset ${at})`);
      const raw = this.view.getUint32(at, false);
      if (raw === PCAPNG_SHB) {
        this.readSectionHeader(at);
        if (this.waiting) return false;
        continue;
      }
      const type = this.u32(at);
      const length = this.u32(at + 4);
      if (length < 12 || length % 4 !== 0) throw new CaptureFormatError(`Block at offset ${at} has a length of ${length}, not a multiple of 4 of at least 12`, at);
      if (at + length > this.available) return this.cut(`The file ends inside a block of ${length} bytes at offset ${at}`);
      this.pos = at + length;
      if (type === BLOCK_IDB) this.readInterface(at, length);
      else if ((type === BLOCK_EPB || type === BLOCK_PB) && this.readPacket(at, length, type)) return true;
      else if (type === BLOCK_SPB && this.readSimplePacket(at, length)) return true;
      // Anything else (name resolution, statistics, custom blocks) says nothing about frames.
    }
  }

  private readSectionHeader(at: number): void {
    if (at + 28 > this.available) {
      this.cut(`The file ends inside a section header (offset ${at})`);
      if (!this.waiting) this.pos = this.bytes.length;
      return;
    }
    const order = this.view.getUint32(at + 8, true);
    if (order !== PCAPNG_BYTE_ORDER && order !== 0x4d3c2b1a) throw new CaptureFormatError(`Section header at offset ${at} has no valid byte-order magic`, at);
    this.little = order === PCAPNG_BYTE_ORDER;
    const length = this.u32(at + 4);
    if (length < 28 || length % 4 !== 0) throw new CaptureFormatError(`Section header at offset ${at} has a length of ${length}`, at);
    // Interface numbers start again in every section.
    this.interfaces = [];
    this.pos = at + length;
  }

  private readInterface(at: number, length: number): void {
    const iface: Interface = { linkType: this.u16(at + 8), snapLength: this.u32(at + 12), unitsPerMs: 1000, offsetMs: 0 };
    this.forOptions(at + 16, at + length - 4, (code, valueAt, valueLength) => {
      if (code === IF_TSRESOL && valueLength >= 1) {
        const resolution = this.bytes[valueAt]!;
        const perSecond = resolution & 0x80 ? 2 ** (resolution & 0x7f) : 10 ** resolution;
        iface.unitsPerMs = perSecond / 1000;
      } else if (code === IF_TSOFFSET && valueLength >= 8) {
        const high = this.view.getInt32(valueAt + (this.little ? 4 : 0), this.little);
        const low = this.u32(valueAt + (this.little ? 0 : 4));
        iface.offsetMs = (high * 4294967296 + low) * 1000;
      }
    });
    this.interfaces.push(iface);
  }

  private readPacket(at: number, length: number, type: number): boolean {
    // The obsolete Packet Block has a 16-bit interface and a 16-bit drops count where the EPB has 32 bits.
    const ifaceId = type === BLOCK_PB ? this.u16(at + 8) : this.u32(at + 8);
    const iface = this.interfaces[ifaceId];
    if (!iface) throw new CaptureFormatError(`Packet block at offset ${at} names interface ${ifaceId}, which no Interface Description Block defined`, at);
    const captured = this.u32(at + 20);
    const dataAt = at + 28;
    if (dataAt + captured > at + length - 4) throw new CaptureFormatError(`Packet block at offset ${at} claims ${captured} captured bytes, more than the block holds`, at);
    const units = this.u32(at + 12) * 4294967296 + this.u32(at + 16);
    this.time = units / iface.unitsPerMs + iface.offsetMs;
    this.linkType = iface.linkType;
    this.start = dataAt;
    this.end = dataAt + captured;
    this.originalLength = this.u32(at + 24);
    this.frames++;
    return true;
  }

  private readSimplePacket(at: number, length: number): boolean {
    const iface = this.interfaces[0];
    if (!iface) throw new CaptureFormatError(`Simple Packet Block at offset ${at} comes before any Interface Description Block`, at);
    const original = this.u32(at + 8);
    const room = length - 16;
    const captured = Math.min(original, room, iface.snapLength || room);
    // A Simple Packet Block has no timestamp: the frame keeps the previous frame's time.
    this.linkType = iface.linkType;
    this.start = at + 12;
    this.end = at + 12 + captured;
    this.originalLength = original;
    this.frames++;
    return true;
  }

  private forOptions(from: number, to: number, each: (code: number, valueAt: number, valueLength: number) => void): void {
    let at = from;
    while (at + 4 <= to) {
      const code = this.u16(at);
      const valueLength = this.u16(at + 2);
      if (code === 0) return;
      if (at + 4 + valueLength > to) return;
      each(code, at + 4, valueLength);
      at += 4 + ((valueLength + 3) & ~3);
    }
  }

  /** Past the last byte available: the end of the file, or of what has arrived of it so far. */
  private atEnd(): false {
    this.waiting = this.available < this.bytes.length;
    return false;
  }

  /** A frame or block runs past what is available: wait for more, or, at the end of the file, say where it was cut. */
  private cut(message: string): false {
    if (this.available < this.bytes.length) {
      this.waiting = true;
      return false;
    }
    this.problems.push(`${message}; the frames before it are read`);
    this.pos = this.bytes.length;
    return false;
  }
}
