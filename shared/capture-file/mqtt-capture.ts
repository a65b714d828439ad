/**
 * Opens a pcap or pcapng file as MQTT connections: frames → TCP segments → reassembled
 * streams → (WebSocket frames →) MQTT control packets, each packet timed by the segment that
 * completed it and directed client → server ('out') or back ('in'), as the app's own
 * captures are. MQTT is recognised by content, on any port: a CONNECT, a WebSocket upgrade
 * whose frames carry MQTT, or, for a connection the capture joined late, bytes that frame as
 * MQTT packets in both directions. Work is done in steps so a page can stay responsive while
 * a million packets load.
 */

import type { PacketRecord } from '../contract';
import { annotatePacket, type MqttProtocolVersion } from '../packet-anatomy';
import { PacketFramer } from '../packet-frames';
import { CaptureFileCursor } from './pcap-file';
import { isSupportedLinkType, newTcpSegment, readTcpSegment, SUPPORTED_LINK_TYPES, type TcpSegment } from './tcp-segment';
import { TcpReassembler, type Endpoint, type TcpStreamInfo, type TcpStreamSink } from './tcp-streams';
import { CLASSIFY_LIMIT, concat, guessClient, isConnect, latin1, plausibleFrames, startsWith } from './stream-classify';
import { WebSocketDeframer } from './websocket-frames';

/** Why a TLS stream is not shown: the file holds only its encrypted bytes. */
export const TLS_NOT_DECRYPTED = 'TLS: not decrypted (the file holds only encrypted bytes; Wireshark decrypts them with a TLS key log of the session)';

export { CaptureFormatError } from './pcap-file';

/** One MQTT connection found in a capture. */
export interface CaptureStream {
  /** Wireshark's `tcp.stream` number of the connection. */
  tcpStream: number;
  client: Endpoint;
  server: Endpoint;
  transport: 'tcp' | 'websocket';
  /** From the CONNECT; guessed from the packets when the capture joined late. */
  protocolVersion: MqttProtocolVersion;
  /** The CONNECT's client identifier, when the capture has the CONNECT. */
  clientId: string | undefined;
  /** Every MQTT packet, in capture order; `seq` counts from 1. Empty when a reader was given `onPacket`. */
  packets: PacketRecord[];
  /** How many packets the connection had. */
  packetCount: number;
  /** What could not be read, with where and why. */
  problems: string[];
  /**
   * Who first closed the TCP connection (FIN, or RST when `reset`) and when; undefined when the
   * capture ends with it open. A broker that drops a silent client leaves only this, no packet.
   */
  closed: { by: 'client' | 'server'; time: number; reset: boolean } | undefined;
}

/** What a capture file held. */
export interface CaptureContents {
  format: 'pcap' | 'pcapng';
  frames: number;
  /** MQTT connections, in the order they were first seen. */
  streams: CaptureStream[];
  /** TCP connections that were not MQTT, with what they looked like instead. */
  skipped: Array<{ tcpStream: number; endpoints: string; reason: string }>;
  /** Problems with the file itself (cut short, unknown link types). */
  problems: string[];
}

/** Packets looked at to guess the version of a connection whose CONNECT was not captured. */
const VERSION_SAMPLE = 50;

type Kind = 'unknown' | 'mqtt' | 'http' | 'websocket' | 'other';

interface Side {
  /** Bytes waiting for the connection to be recognised; `order` keeps both sides' arrival order. */
  held: Array<{ bytes: Uint8Array; time: number; frame: number; order: number }>;
  heldBytes: number;
  framer: PacketFramer;
  deframer: WebSocketDeframer | undefined;
  /** HTTP header text read so far (WebSocket upgrade). */
  http: string;
  broken: boolean;
}

/** Classifies one TCP connection and frames its MQTT packets. */
class StreamDecoder implements TcpStreamSink {
  kind: Kind = 'unknown';
  reason = '';
  client: 0 | 1 | undefined;
  readonly stream: CaptureStream;
  private readonly sides: [Side, Side];
  private versionKnown = false;
  private time = 0;
  private frameNumber = 0;
  private arrivals = 0;
  private firstEnd: { side: 0 | 1; time: number; reset: boolean } | undefined;

  /** The first packets, kept to guess the version of a connection joined late. */
  private readonly sample: PacketRecord[] = [];

  /** `onPacket`, when given, takes each packet instead of the stream's `packets` array. */
  constructor(
    readonly info: TcpStreamInfo,
    private readonly onPacket: ((stream: CaptureStream, packet: PacketRecord) => void) | undefined,
  ) {
    this.client = info.clientSide;
    const side = (): Side => ({ held: [], heldBytes: 0, framer: new PacketFramer(), deframer: undefined, http: '', broken: false });
    this.sides = [side(), side()];
    this.stream = { tcpStream: info.index, client: '', server: '', transport: 'tcp', protocolVersion: 4, clientId: undefined, packets: [], packetCount: 0, problems: [], closed: undefined };
  }

  data(side: 0 | 1, buffer: Uint8Array, start: number, end: number, time: number, frame: number): void {
    if (this.kind === 'other') return;
    if (this.kind === 'unknown') {
      const s = this.sides[side];
      s.held.push({ bytes: buffer.subarray(start, end), time, frame, order: this.arrivals++ });
      s.heldBytes += end - start;
      this.classify(side);
      return;
    }
    // The common case, plain MQTT: frames cut straight from the file's buffer.
    if (this.kind === 'mqtt' && !this.sides[side].broken) {
      this.time = time;
      this.frameNumber = frame;
      this.sides[side].framer.each(buffer, side === this.client ? this.emitOut : this.emitIn, start, end);
      return;
    }
    this.feed(side, buffer.subarray(start, end), time, frame);
  }

  gap(side: 0 | 1, bytes: number, time: number): void {
    const s = this.sides[side];
    if (s.broken || this.kind === 'other') return;
    s.broken = true;
    const who = this.client === undefined ? `side ${side}` : side === this.client ? 'the client' : 'the server';
    if (this.kind === 'unknown') return;
    this.stream.problems.push(`${bytes} bytes from ${who} are missing from the capture at ${new Date(time).toISOString()}: the packets after them in that direction cannot be framed`);
  }

  end(side: 0 | 1, time: number, reset: boolean): void {
    this.firstEnd ??= { side, time, reset };
  }

  /** Called once the whole file was read: decides connections still undecided, guesses versions. */
  finish(): void {
    // The client side is known by now for an accepted connection (SYN, or guessed from what it sent).
    if (this.firstEnd) this.stream.closed = { by: this.firstEnd.side === this.client ? 'client' : 'server', time: this.firstEnd.time, reset: this.firstEnd.reset };
    if (this.kind === 'unknown' && this.sides[0].heldBytes + this.sides[1].heldBytes === 0) this.reject('no data');
    if (this.kind === 'unknown') {
      const side = this.sides[0].heldBytes > 0 ? 0 : 1;
      if (!this.looksLikeMqtt(side, true)) this.reject(this.reason || 'too little data to tell what protocol it speaks');
    }
    if (this.kind === 'http') this.reject('HTTP without a WebSocket upgrade');
    if ((this.kind === 'mqtt' || this.kind === 'websocket') && !this.versionKnown) this.guessVersion();
    for (const s of this.sides) if (s.deframer?.error) this.stream.problems.push(`WebSocket: ${s.deframer.error}`);
    for (const s of this.sides) for (const note of s.deframer?.notes ?? []) this.stream.problems.push(`WebSocket: ${note}`);
    for (const s of this.sides) if (s.framer.error) this.stream.problems.push(s.framer.error.message);
  }

  get accepted(): boolean {
    return this.kind === 'mqtt' || this.kind === 'websocket';
  }

  private classify(side: 0 | 1): void {
    const s = this.sides[side];
    const head = s.held.length === 1 ? s.held[0]!.bytes : concat(s.held.map((h) => h.bytes), 64);
    if (startsWith(head, 'GET ')) return this.accept('http', side);
    if (head[0] === 0x16 && head[1] === 0x03) return this.reject(TLS_NOT_DECRYPTED);
    if (isConnect(head)) return this.accept('mqtt', side);
    if (head[0] === 0x20 && head.length >= 4 && head[1]! >= 2) return this.accept('mqtt', side === 0 ? 1 : 0);
    if (this.looksLikeMqtt(side, false)) return;
    if (s.heldBytes > CLASSIFY_LIMIT) this.reject(this.reason || 'not MQTT: its first bytes are no MQTT packets');
  }

  /** A connection joined late: MQTT if the bytes so far frame as plausible packets. */
  private looksLikeMqtt(side: 0 | 1, final: boolean): boolean {
    const frames = plausibleFrames(this.sides[side].held);
    if (frames === false) {
      this.reason = 'not MQTT: its first bytes are no MQTT packets';
      if (!final) this.reject(this.reason);
      return false;
    }
    if (frames < 3 && !final) return false;
    if (frames === 0) return false;
    // Without a SYN, the client is the side that sends what only clients send.
    this.accept('mqtt', this.client ?? guessClient([this.sides[0].held, this.sides[1].held], this.info.endpoints));
    this.stream.problems.push('The capture starts after this connection opened: no CONNECT, so its MQTT version is guessed from its packets');
    return true;
  }

  private accept(kind: Kind, client: 0 | 1): void {
    this.kind = kind;
    this.client ??= client;
    this.stream.client = this.info.endpoints[this.client];
    this.stream.server = this.info.endpoints[this.client === 0 ? 1 : 0];
    const held = [...this.sides[0].held.map((h) => ({ ...h, side: 0 as const })), ...this.sides[1].held.map((h) => ({ ...h, side: 1 as const }))].sort((a, b) => a.order - b.order);
    for (const s of this.sides) s.held = [];
    for (const chunk of held) this.feed(chunk.side, chunk.bytes, chunk.time, chunk.frame);
  }

  private reject(reason: string): void {
    this.kind = 'other';
    this.reason = reason;
    for (const s of this.sides) s.held = [];
  }

  private feed(side: 0 | 1, bytes: Uint8Array, time: number, frame: number): void {
    const s = this.sides[side];
    if (s.broken || this.kind === 'other') return;
    this.time = time;
    this.frameNumber = frame;
    if (this.kind === 'http' || (this.kind === 'websocket' && !s.deframer)) {
      const end = s.http.length;
      s.http += latin1(bytes);
      const headersEnd = s.http.indexOf('\r\n\r\n');
      if (headersEnd < 0) {
        if (s.http.length > 16384) this.reject('HTTP headers longer than 16 KiB');
        return;
      }
      const head = s.http.slice(0, headersEnd);
      if (side === this.client && !/^upgrade:\s*websocket\s*$/im.test(head)) return this.reject('HTTP without a WebSocket upgrade');
      if (side !== this.client && !/^HTTP\/1\.[01] 101/.test(head)) return this.reject(`HTTP; the server refused the WebSocket upgrade (${head.split('\r\n')[0]})`);
      this.kind = 'websocket';
      this.stream.transport = 'websocket';
      s.deframer = new WebSocketDeframer((data) => this.frame(side, data));
      const rest = bytes.subarray(headersEnd + 4 - end);
      if (rest.length > 0) s.deframer.push(rest);
      return;
    }
    if (s.deframer) s.deframer.push(bytes);
    else this.frame(side, bytes);
  }

  private frame(side: 0 | 1, bytes: Uint8Array): void {
    this.sides[side].framer.each(bytes, side === this.client ? this.emitOut : this.emitIn);
  }

  /** One framed packet per call, timed by the segment being fed (one closure per direction, made once). */
  private readonly emitOut = (bytes: Uint8Array) => this.emit('out', bytes);
  private readonly emitIn = (bytes: Uint8Array) => this.emit('in', bytes);

  private emit(direction: 'in' | 'out', bytes: Uint8Array): void {
    if (!this.versionKnown && direction === 'out' && bytes[0] === 0x10) this.readConnect(bytes);
    const stream = this.stream;
    const packet: PacketRecord = { seq: ++stream.packetCount, time: this.time, direction, bytes, frame: this.frameNumber };
    if (this.sample.length < VERSION_SAMPLE) this.sample.push(packet);
    if (this.onPacket) this.onPacket(stream, packet);
    else stream.packets.push(packet);
  }

  private readConnect(frame: Uint8Array): void {
    const anatomy = annotatePacket(frame, 4);
    this.versionKnown = true;
    this.stream.protocolVersion = anatomy.protocolVersion;
    const id = anatomy.fields.find((f) => f.name === 'Payload')?.children?.find((f) => f.name === 'Client identifier')?.value;
    if (typeof id === 'string') this.stream.clientId = id;
  }

  private guessVersion(): void {
    const sample = this.sample;
    const errors = (v: MqttProtocolVersion) => sample.filter((p) => annotatePacket(p.bytes, v).error !== undefined).length;
    this.stream.protocolVersion = errors(5) < errors(4) ? 5 : 4;
  }
}

/** Reads a capture file in steps. */
export class CaptureReader {
  private readonly cursor: CaptureFileCursor;
  private readonly tcp: TcpReassembler;
  private readonly decoders: StreamDecoder[] = [];
  private readonly segment: TcpSegment = newTcpSegment();
  private readonly unsupported = new Map<number, number>();
  private done = false;

  /**
   * Throws CaptureFormatError when the bytes are not a pcap or pcapng file. With `onPacket`,
   * each packet goes there as it is framed (a page fills its packet logs while reading)
   * instead of into its stream's `packets`.
   */
  constructor(bytes: Uint8Array, onPacket?: (stream: CaptureStream, packet: PacketRecord) => void, available = bytes.length) {
    this.cursor = new CaptureFileCursor(bytes, available);
    this.tcp = new TcpReassembler((info) => {
      const decoder = new StreamDecoder(info, onPacket);
      this.decoders.push(decoder);
      return decoder;
    });
  }

  /** How far reading has got, from 0 to 1. */
  get progress(): number {
    return this.cursor.bytes.length === 0 ? 1 : this.cursor.position / this.cursor.bytes.length;
  }

  /** The first `bytes` bytes of the file have arrived (for a file read as it streams in). */
  supply(bytes: number): void {
    this.cursor.available = bytes;
  }

  /** The last step stopped because the rest of the file has not arrived yet. */
  get waiting(): boolean {
    return this.cursor.waiting;
  }

  /** Reads up to `frames` more frames; true once the whole file is read. */
  step(frames: number): boolean {
    if (this.done) return true;
    const { cursor, segment } = this;
    const bytes = cursor.bytes;
    for (let i = 0; i < frames; i++) {
      if (!cursor.next()) {
        if (cursor.waiting) return false;
        this.tcp.finish();
        for (const decoder of this.decoders) decoder.finish();
        this.done = true;
        return true;
      }
      if (readTcpSegment(bytes, cursor.start, cursor.end, cursor.linkType, cursor.originalLength, segment)) this.tcp.add(segment, bytes, cursor.time, cursor.frames);
      else if (!isSupportedLinkType(cursor.linkType)) this.unsupported.set(cursor.linkType, (this.unsupported.get(cursor.linkType) ?? 0) + 1);
    }
    return false;
  }

  /** What the file held; call after `step` returned true. */
  result(): CaptureContents {
    const problems = [...this.cursor.problems];
    for (const [linkType, count] of this.unsupported) {
      problems.push(`${count} frame${count === 1 ? '' : 's'} of link type ${linkType} skipped: this reader knows ${SUPPORTED_LINK_TYPES}`);
    }
    const streams = this.decoders.filter((d) => d.accepted).map((d) => d.stream);
    const skipped = this.decoders.filter((d) => !d.accepted).map((d) => ({ tcpStream: d.info.index, endpoints: d.info.endpoints.join(' ↔ '), reason: d.reason }));
    return { format: this.cursor.format, frames: this.cursor.frames, streams, skipped, problems };
  }
}

/** Reads a whole capture at once (tests, the CLI): the steps without pauses. */
export function readCapture(bytes: Uint8Array): CaptureContents {
  const reader = new CaptureReader(bytes);
  while (!reader.step(65536));
  return reader.result();
}
