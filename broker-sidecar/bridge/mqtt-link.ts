/**
 * A lean MQTT client connection over any duplex stream, for the two ends of a bridge: the
 * remote broker's socket and the in-process pipe into our own broker. It frames, decodes
 * and encodes with the broker's own parts (Framer, fastDecode/decodeFrame, encodePacket,
 * SocketWriter), so a bridge reads and writes bytes exactly as the broker's connections do.
 * Protocol decisions (packet IDs, acknowledgements) belong to the bridge, not here.
 */

import type { Duplex } from 'node:stream';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { decodeFrame } from '../decoder';
import { fastDecode } from '../fast-decode';
import { Framer } from '../framer';
import { PROTOCOL_MAX_PACKET_BYTES } from '../options';
import { encodePacket } from '../outgoing';
import { SocketWriter } from '../socket-writer';
import type { ProtocolVersion } from '../types';

/** What a link tells its owner. */
export interface LinkEvents {
  packet(packet: Packet): void;
  /** Once, when the stream is gone; `reason` says why in words for the log and the panel. */
  closed(reason: string): void;
}

/** One MQTT client connection. */
export class MqttLink {
  private readonly framer = new Framer(PROTOCOL_MAX_PACKET_BYTES);
  private readonly writer: SocketWriter;
  private closedReason: string | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastReadAt = Date.now();
  private lastWriteAt = Date.now();
  private awaitingPong = false;

  /**
   * @param stream the byte stream; the link owns it from now on
   * @param version the protocol version of the CONNECT that will be sent (codec setting)
   */
  constructor(
    private readonly stream: Duplex,
    readonly version: ProtocolVersion,
    private readonly events: LinkEvents,
  ) {
    this.writer = new SocketWriter(stream, { full: () => {}, drained: () => {} });
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.close('the other side closed the connection'));
    stream.on('close', () => this.close('connection lost'));
    stream.on('error', (error: Error) => this.close(error.message));
  }

  /** Whether the stream is gone. */
  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Bytes written but not yet taken by the stream: what a QoS 0 drop is decided by. */
  get backlogBytes(): number {
    return this.writer.backlogBytes;
  }

  /** Encodes and writes a packet; returns the encoded size (0 when closed). Throws what mqtt-packet throws. */
  send(packet: Packet, userPropertyBytes?: Buffer): number {
    if (this.closed) return 0;
    const bytes = encodePacket(packet, this.version, userPropertyBytes);
    this.lastWriteAt = Date.now();
    this.writer.write(bytes);
    return bytes.length;
  }

  /**
   * Sends a CONNECT; with `bridgeBit` the protocol level gets bit 7 set, mosquitto's
   * try_private mark. Set on the encoded bytes: mqtt-packet's own bridgeMode also changes
   * how it writes a 5.0 CONNECT (it leaves out the properties).
   */
  connect(packet: IConnectPacket, bridgeBit: boolean): void {
    if (this.closed) return;
    const bytes = encodePacket(packet, this.version, undefined);
    if (bridgeBit) {
      let at = 1;
      while ((bytes[at]! & 0x80) !== 0) at++; // the Remaining Length's bytes
      at++;
      at += 2 + bytes.readUInt16BE(at); // the protocol name
      bytes[at] = bytes[at]! | 0x80;
    }
    this.lastWriteAt = Date.now();
    this.writer.write(bytes);
  }

  /** The encoded size of a packet, to check it against a Maximum Packet Size before sending. */
  sizeOf(packet: Packet, userPropertyBytes?: Buffer): number {
    return encodePacket(packet, this.version, userPropertyBytes).length;
  }

  /**
   * Keepalive: a PINGREQ when nothing was written for `seconds` [MQTT-3.1.2-23] (3.1.1),
   * and the connection counts as lost when no PINGRESP (or anything else) came back
   * within the next `seconds`.
   */
  startKeepalive(seconds: number): void {
    if (seconds <= 0) return;
    const ms = seconds * 1000;
    const tick = (): void => {
      const now = Date.now();
      if (this.awaitingPong && now - this.lastReadAt >= ms) return this.fail('no PINGRESP within the keepalive');
      if (now - this.lastWriteAt >= ms && !this.awaitingPong) {
        this.awaitingPong = true;
        this.send({ cmd: 'pingreq' });
      }
      this.pingTimer = setTimeout(tick, Math.max(250, ms / 4));
      this.pingTimer.unref();
    };
    this.pingTimer = setTimeout(tick, Math.max(250, ms / 4));
    this.pingTimer.unref();
  }

  /** Sends DISCONNECT (when given) and ends the stream gracefully. */
  end(disconnect?: Packet): void {
    if (this.closed) return;
    if (disconnect) this.send(disconnect);
    this.writer.end();
    this.close('closed by the bridge');
  }

  /** Drops the stream at once, naming why. */
  fail(reason: string): void {
    if (this.closed) return;
    this.stream.destroy();
    this.close(reason);
  }

  private close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    clearTimeout(this.pingTimer);
    if (!this.stream.destroyed) this.stream.destroy();
    this.events.closed(reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReadAt = Date.now();
    this.awaitingPong = false;
    this.framer.push(chunk);
    for (;;) {
      if (this.closed) return;
      const next = this.framer.next();
      if (next.kind === 'need-more') return;
      if (next.kind !== 'frame') return this.fail(`malformed packet from the broker: ${next.reason}`);
      const packet = fastDecode(next.bytes, this.version) ?? decodeFrame(next.bytes, this.version).packet;
      if (!packet) return this.fail('undecodable packet from the broker');
      if (packet.cmd === 'pingresp') continue;
      this.events.packet(packet);
    }
  }
}
