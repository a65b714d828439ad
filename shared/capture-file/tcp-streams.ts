/**
 * TCP reassembly for captures: turns segments, in capture order, into each connection's two
 * byte streams, as Wireshark's "Follow TCP Stream" does. Retransmitted and overlapping
 * bytes are delivered once, segments that arrive out of order wait for the gap before them,
 * and a gap that never fills (the capture missed a segment, or a snapshot length cut one) is
 * reported, since nothing after it can be framed. Sequence numbers wrap (RFC 9293, 3.4).
 */

import { endpointText, TCP, type TcpSegment } from './tcp-segment';

/** One side of a connection: `address:port`. */
export type Endpoint = string;

/** What a new connection looks like when it is first seen. */
export interface TcpStreamInfo {
  /** 0-based, in the order connections were first seen (Wireshark's tcp.stream). */
  index: number;
  /** Side 0 sent the first segment seen (the SYN, when the capture has it). */
  endpoints: [Endpoint, Endpoint];
  /** The side that opened the connection (sent the SYN), when the capture holds the handshake. */
  clientSide: 0 | 1 | undefined;
}

/** Receives one connection's bytes in order. */
export interface TcpStreamSink {
  /**
   * In-order bytes `side` sent, `buffer[start, end)`, completed by the segment in frame
   * `frame` (1-based), captured at `time`. Offsets rather than a view: no object per frame.
   */
  data(side: 0 | 1, buffer: Uint8Array, start: number, end: number, time: number, frame: number): void;
  /** `side` sent `bytes` bytes the capture does not have; nothing later in that direction is in order with what came before. */
  gap(side: 0 | 1, bytes: number, time: number): void;
  /** `side` sent its first FIN or RST (`reset`), captured at `time`; its data before it has been delivered. */
  end?(side: 0 | 1, time: number, reset: boolean): void;
}

/** Bounds on segments held while waiting for a gap to fill, per direction. */
const MAX_PENDING_SEGMENTS = 4096;
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

interface Pending {
  seq: number;
  buffer: Uint8Array;
  start: number;
  end: number;
  time: number;
  frame: number;
}

class Direction {
  /** Next sequence number expected; undefined until the first segment. */
  next: number | undefined;
  pending: Pending[] = [];
  pendingBytes = 0;
  finished = false;
}

interface Connection {
  info: TcpStreamInfo;
  sink: TcpStreamSink;
  sides: [Direction, Direction];
  closed: boolean;
  /** Both sides' addresses and ports as segments carry them, to match segments without strings. */
  ip0: number;
  ip60: string;
  port0: number;
  ip1: number;
  ip61: string;
  port1: number;
}

/** Which side of the connection sent the segment. */
function sideOf(c: Connection, s: TcpSegment): 0 | 1 {
  return s.sourcePort === c.port0 && s.sourceIp === c.ip0 && s.source6 === c.ip60 ? 0 : 1;
}

/** Whether the segment belongs to the connection (either direction), compared as numbers. */
function sameConnection(c: Connection, s: TcpSegment): boolean {
  const from0 = s.sourcePort === c.port0 && s.sourceIp === c.ip0 && s.source6 === c.ip60 && s.destinationPort === c.port1 && s.destinationIp === c.ip1 && s.destination6 === c.ip61;
  return from0 || (s.sourcePort === c.port1 && s.sourceIp === c.ip1 && s.source6 === c.ip61 && s.destinationPort === c.port0 && s.destinationIp === c.ip0 && s.destination6 === c.ip60);
}

/** Signed distance from `b` to `a` in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Splits captured TCP segments into connections and hands each its bytes in order. */
export class TcpReassembler {
  private readonly connections = new Map<string, Connection>();
  private count = 0;
  private lastConnection: Connection | undefined;
  /** Retransmitted segments whose bytes had all been delivered already. */
  retransmissions = 0;

  /** `open` is called once per new connection for the sink that receives its bytes. */
  constructor(private readonly open: (info: TcpStreamInfo) => TcpStreamSink) {}

  /** Number of connections seen. */
  get streams(): number {
    return this.count;
  }

  /** Takes one segment; `bytes` is the buffer its payload offsets point into. */
  add(segment: TcpSegment, bytes: Uint8Array, time: number, frame: number): void {
    const syn = (segment.flags & TCP.SYN) !== 0;
    const synOnly = syn && (segment.flags & TCP.ACK) === 0;
    // Most frames belong to the connection of the frame before: recognise it by numbers.
    let connection = this.lastConnection !== undefined && sameConnection(this.lastConnection, segment) ? this.lastConnection : undefined;
    let key = '';
    let from = '';
    let to = '';
    if (!connection) {
      from = endpointText(segment, 'source');
      to = endpointText(segment, 'destination');
      key = from < to ? `${from}|${to}` : `${to}|${from}`;
      connection = this.connections.get(key);
    }
    if (connection && synOnly) {
      // A new SYN (not a retransmitted one) on a known port pair is the pair being reused.
      const direction = connection.sides[sideOf(connection, segment)];
      if (connection.closed || direction.next !== ((segment.seq + 1) >>> 0)) {
        this.close(connection);
        from ||= endpointText(segment, 'source');
        to ||= endpointText(segment, 'destination');
        key ||= from < to ? `${from}|${to}` : `${to}|${from}`;
        connection = undefined;
      }
    }
    if (!connection) {
      // The client is the side that sent the SYN, or the other side of a SYN/ACK.
      const info: TcpStreamInfo = { index: this.count++, endpoints: [from, to], clientSide: synOnly ? 0 : syn ? 1 : undefined };
      connection = {
        info,
        sink: this.open(info),
        sides: [new Direction(), new Direction()],
        closed: false,
        ip0: segment.sourceIp,
        ip60: segment.source6,
        port0: segment.sourcePort,
        ip1: segment.destinationIp,
        ip61: segment.destination6,
        port1: segment.destinationPort,
      };
      this.connections.set(key, connection);
    }
    this.lastConnection = connection;
    const side = sideOf(connection, segment);
    const direction = connection.sides[side];
    if (syn) direction.next = (segment.seq + 1) >>> 0;
    else direction.next ??= segment.seq;
    const length = segment.payloadEnd - segment.payloadStart;
    const dataSeq = syn ? (segment.seq + 1) >>> 0 : segment.seq;
    if (length > 0) this.take(connection, side, dataSeq, bytes, segment.payloadStart, segment.payloadEnd, time, frame);
    if (segment.missing > 0) {
      // The rest of this segment was not captured: everything after it waits for bytes that never come.
      const afterCaptured = (dataSeq + length) >>> 0;
      if (direction.next === afterCaptured) this.skip(connection, side, segment.missing, time);
    }
    if ((segment.flags & (TCP.FIN | TCP.RST)) !== 0) {
      if (!direction.finished) connection.sink.end?.(side, time, (segment.flags & TCP.RST) !== 0);
      direction.finished = true;
      if ((segment.flags & TCP.RST) !== 0 || connection.sides.every((d) => d.finished)) connection.closed = true;
    }
  }

  /** Reports what is still waiting for a gap that the capture never filled. */
  finish(): void {
    for (const connection of this.connections.values()) this.close(connection);
  }

  private close(connection: Connection): void {
    for (const side of [0, 1] as const) {
      const direction = connection.sides[side];
      while (direction.pending.length > 0) {
        const first = direction.pending[0]!;
        this.skip(connection, side, seqDiff(first.seq, direction.next!), first.time);
      }
    }
  }

  private take(connection: Connection, side: 0 | 1, seq: number, buffer: Uint8Array, start: number, end: number, time: number, frame: number): void {
    const direction = connection.sides[side];
    const ahead = seqDiff(seq, direction.next!);
    if (ahead > 0) {
      this.hold(connection, side, { seq, buffer, start, end, time, frame });
      return;
    }
    if (ahead + end - start <= 0) {
      this.retransmissions++;
      return;
    }
    const from = ahead < 0 ? start - ahead : start;
    direction.next = (direction.next! + end - from) >>> 0;
    connection.sink.data(side, buffer, from, end, time, frame);
    if (direction.pending.length > 0) this.drain(connection, side);
  }

  private hold(connection: Connection, side: 0 | 1, segment: Pending): void {
    const direction = connection.sides[side];
    const list = direction.pending;
    let i = list.length;
    while (i > 0 && seqDiff(list[i - 1]!.seq, segment.seq) > 0) i--;
    list.splice(i, 0, segment);
    direction.pendingBytes += segment.end - segment.start;
    if (list.length > MAX_PENDING_SEGMENTS || direction.pendingBytes > MAX_PENDING_BYTES) {
      const first = list[0]!;
      this.skip(connection, side, seqDiff(first.seq, direction.next!), first.time);
    }
  }

  /** Delivers held segments that are now in order. */
  private drain(connection: Connection, side: 0 | 1): void {
    const direction = connection.sides[side];
    while (direction.pending.length > 0 && seqDiff(direction.pending[0]!.seq, direction.next!) <= 0) {
      const first = direction.pending.shift()!;
      direction.pendingBytes -= first.end - first.start;
      const ahead = seqDiff(first.seq, direction.next!);
      if (ahead + first.end - first.start <= 0) {
        this.retransmissions++;
        continue;
      }
      const from = first.start - ahead;
      direction.next = (direction.next! + first.end - from) >>> 0;
      connection.sink.data(side, first.buffer, from, first.end, first.time, first.frame);
    }
  }

  /** Gives up on `missing` bytes: reports the gap and goes on after it. */
  private skip(connection: Connection, side: 0 | 1, missing: number, time: number): void {
    const direction = connection.sides[side];
    connection.sink.gap(side, missing, time);
    direction.next = (direction.next! + missing) >>> 0;
    this.drain(connection, side);
  }
}
