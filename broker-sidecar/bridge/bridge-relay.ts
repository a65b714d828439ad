/**
 * The packet bookkeeping of one bridge: messages from the local broker to the remote one
 * and back, each QoS 1/2 exchange carried hop by hop with its own packet IDs on each side.
 *
 * Outgoing, a local PUBLISH is acknowledged to our broker only once the remote has taken
 * it (PUBACK, or PUBREC for QoS 2), so until then it stays in the bridge session's
 * in-flight window or queue in the broker: kept while the remote is down, bounded by
 * max_queued_messages, in the store with persistence. The remote side keeps its own
 * in-flight table across reconnects: unacknowledged PUBLISHes are resent with DUP under
 * the same packet ID, PUBRELs resent while the remote kept the session, so a QoS 2 message
 * is neither lost nor doubled when the remote restarts [MQTT-4.4.0-1].
 *
 * Incoming, a remote PUBLISH is published into our broker, and the remote gets its PUBACK
 * or PUBREC only when our broker has acknowledged it. The remote packet IDs PUBREC'd and
 * not yet released are remembered, so a DUP resent after a reconnect is not routed twice
 * [MQTT-4.3.3-9] (3.1.1).
 */

import type { IPublishPacket, Packet, QoS } from 'mqtt-packet';
import type { MqttLink } from './mqtt-link';
import { forwardable } from '../messages';

/** What the remote said about itself in CONNACK (5.0; defaults for 3.x). */
export interface RemoteLimits {
  receiveMaximum: number;
  /** 0: none beyond bridge_max_packet_size. */
  maximumPacketSize: number;
  retainAvailable: boolean;
  maximumQos: QoS;
}

/** What the relay needs to know of its bridge. */
export interface RelaySettings {
  /** The remote topic for a local topic; undefined when no out/both line matches. */
  toRemote(topic: string): string | undefined;
  /** The local topic for a remote topic; undefined when no in/both line matches. */
  toLocal(topic: string): string | undefined;
  outgoingRetain: boolean;
  /** bridge_max_packet_size; 0: unlimited. */
  maxPacketSize: number;
  /** Bytes behind a slow remote after which QoS 0 messages to it are dropped. */
  maxWriteBufferBytes: number;
  warn(message: string): void;
}

interface Held {
  localId: number;
  packet: IPublishPacket;
}

interface OutFlight {
  localId: number;
  packet: IPublishPacket;
  phase: 'ack' | 'comp';
}

interface InFlight {
  remoteId: number;
  qos: QoS;
}

/** Counters shown in the broker panel. */
export interface RelayCounts {
  /** PUBLISHes sent to the remote (resends not counted). */
  sent: number;
  /** PUBLISHes received from the remote and published locally (duplicates not counted). */
  received: number;
  /** Messages dropped: QoS 0 while the remote was down or slow, or too large for it. */
  dropped: number;
}

const NO_LIMITS: RemoteLimits = { receiveMaximum: 65535, maximumPacketSize: 0, retainAvailable: true, maximumQos: 2 };

/** Carries PUBLISHes and their acknowledgements between the local and the remote link. */
export class BridgeRelay {
  readonly counts: RelayCounts = { sent: 0, received: 0, dropped: 0 };
  private local: MqttLink | undefined;
  private localWindow = 65535;
  private remote: MqttLink | undefined;
  private limits = NO_LIMITS;
  /** Local QoS 1/2 PUBLISHes not yet sent to the remote, in order. */
  private readonly held: Held[] = [];
  /** Local packet IDs held or in flight to the remote: a repeat delivery of one is not sent twice. */
  private readonly knownLocal = new Set<number>();
  /** Sent to the remote, by remote packet ID; Map order is send order, which a resend keeps. */
  private readonly outFlight = new Map<number, OutFlight>();
  private lastRemoteId = 0;
  /** Remote PUBLISHes being published locally, by local packet ID. */
  private readonly inFlight = new Map<number, InFlight>();
  /** Remote PUBLISHes waiting for the local broker's Receive Maximum. */
  private readonly inQueue: IPublishPacket[] = [];
  /** Remote packet IDs being published locally: a DUP of one is not routed twice. */
  private readonly inRemoteIds = new Set<number>();
  /** Remote QoS 2 packet IDs PUBREC'd and not yet released. */
  private readonly remoteHeld = new Set<number>();
  private lastLocalId = 0;
  /** Epoch ms of the last PUBLISH either way, for idle_timeout. */
  lastTrafficAt = Date.now();

  constructor(private readonly settings: RelaySettings) {}

  /** QoS 1/2 messages waiting for the remote inside the bridge (the broker's session queue holds the rest). */
  get waiting(): number {
    return this.held.length;
  }

  /** Whether any exchange is unfinished (idle_timeout waits for these). */
  get busy(): boolean {
    return this.held.length > 0 || this.outFlight.size > 0 || this.inFlight.size > 0 || this.inQueue.length > 0 || this.remoteHeld.size > 0;
  }

  /** The pipe into our broker is up; `receiveMaximum` is what its CONNACK allowed. */
  attachLocal(link: MqttLink, receiveMaximum: number): void {
    this.local = link;
    this.localWindow = receiveMaximum;
  }

  /** The pipe into our broker is gone: its deliveries will be resent to the next one. */
  detachLocal(): void {
    this.local = undefined;
    this.held.length = 0;
    this.knownLocal.clear();
    for (const entry of this.outFlight.values()) entry.localId = 0; // the local side no longer waits for these
  }

  /**
   * The remote accepted the CONNECT: resend what is unfinished, let the bridge send its own
   * first packets (`first`: state notification, subscriptions), then send what waited.
   */
  attachRemote(link: MqttLink, sessionPresent: boolean, limits: RemoteLimits, first: () => void): void {
    this.remote = link;
    this.limits = limits;
    if (!sessionPresent) {
      // A new remote session: its packet IDs are new too. Forget the old ones, and do not
      // acknowledge what the old session sent once our broker has taken it.
      this.remoteHeld.clear();
      this.inRemoteIds.clear();
      for (const entry of this.inFlight.values()) entry.remoteId = 0;
    }
    for (const [remoteId, entry] of [...this.outFlight]) {
      if (entry.phase === 'ack') {
        link.send({ ...entry.packet, dup: true }); // DUP=1 [MQTT-3.3.1-1]
      } else if (sessionPresent) {
        link.send({ cmd: 'pubrel', messageId: remoteId });
      } else {
        this.outFlight.delete(remoteId); // it was PUBREC'd: the remote has it; a new session has nothing to release
      }
    }
    first();
    this.pump();
  }

  /** The remote connection is gone; everything unfinished is kept for the next one. */
  detachRemote(): void {
    this.remote = undefined;
  }

  /** Publishes the bridge's state to the remote (QoS 1, retained), tracked like any other outgoing message. */
  notifyRemote(link: MqttLink, topic: string, payload: string): void {
    const remoteId = this.nextRemoteId();
    if (remoteId === undefined) return;
    const packet: IPublishPacket = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false, messageId: remoteId };
    this.outFlight.set(remoteId, { localId: 0, packet, phase: 'ack' });
    link.send(packet);
  }

  /** A packet from our broker (the bridge session's deliveries and acknowledgements). */
  onLocal(packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        return this.fromLocal(packet);
      case 'pubrel':
        this.local?.send({ cmd: 'pubcomp', messageId: packet.messageId! });
        return;
      case 'puback':
      case 'pubrec':
        return this.localAcked(packet.messageId!, packet.cmd, packet.reasonCode ?? 0);
      default:
    }
  }

  /** A packet from the remote broker. */
  onRemote(packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        return this.fromRemote(packet);
      case 'puback':
      case 'pubrec':
        return this.remoteAcked(packet.messageId!, packet.cmd, packet.reasonCode ?? 0);
      case 'pubcomp':
        this.outFlight.delete(packet.messageId!);
        return this.pump();
      case 'pubrel':
        this.remoteHeld.delete(packet.messageId!);
        this.remote?.send({ cmd: 'pubcomp', messageId: packet.messageId! });
        return;
      default:
    }
  }

  private fromLocal(packet: IPublishPacket): void {
    this.lastTrafficAt = Date.now();
    if (packet.qos === 0) {
      const remote = this.remote;
      // At most once: while the remote is down or not reading, QoS 0 is dropped, as mosquitto does.
      if (!remote || remote.backlogBytes >= this.settings.maxWriteBufferBytes) {
        this.counts.dropped++;
        return;
      }
      const out = this.outgoing(packet);
      if (out && this.fits(out)) {
        remote.send(out);
        this.counts.sent++;
      }
      return;
    }
    const localId = packet.messageId!;
    if (this.knownLocal.has(localId)) return; // a resend of what we already carry
    this.knownLocal.add(localId);
    this.held.push({ localId, packet });
    this.pump();
  }

  /** Sends held messages while the remote is up and below its Receive Maximum. */
  private pump(): void {
    const remote = this.remote;
    while (remote && !remote.closed && this.held.length > 0 && this.outFlight.size < this.limits.receiveMaximum) {
      const { localId, packet } = this.held.shift()!;
      const out = this.outgoing(packet);
      if (!out || !this.fits(out)) {
        this.knownLocal.delete(localId);
        this.ackLocal(localId, packet.qos); // dropped as if delivered, so the local window moves on
        continue;
      }
      const remoteId = this.nextRemoteId();
      if (remoteId === undefined) {
        this.held.unshift({ localId, packet });
        return;
      }
      const sent: IPublishPacket = { ...out, messageId: remoteId };
      this.outFlight.set(remoteId, { localId, packet: sent, phase: 'ack' });
      remote.send(sent);
      this.counts.sent++;
    }
  }

  /** The PUBLISH for the remote: topic remapped, QoS, retain and properties as the remote allows. */
  private outgoing(packet: IPublishPacket): IPublishPacket | undefined {
    const topic = this.settings.toRemote(packet.topic);
    if (topic === undefined) return undefined;
    const qos = Math.min(packet.qos, this.limits.maximumQos) as QoS;
    const retain = packet.retain && this.settings.outgoingRetain && this.limits.retainAvailable;
    const out: IPublishPacket = { cmd: 'publish', topic, payload: packet.payload, qos, retain, dup: false };
    const properties = this.remote?.version === 5 ? forwardable(packet.properties) : undefined;
    if (properties) out.properties = properties;
    return out;
  }

  /** Whether a PUBLISH fits bridge_max_packet_size and the remote's Maximum Packet Size; warns and counts when not. */
  private fits(packet: IPublishPacket): boolean {
    const limits = [this.settings.maxPacketSize, this.limits.maximumPacketSize].filter((n) => n > 0);
    if (limits.length === 0 || !this.remote) return true;
    const max = Math.min(...limits);
    const size = this.remote.sizeOf({ ...packet, messageId: packet.qos > 0 ? 1 : undefined });
    if (size <= max) return true;
    this.counts.dropped++;
    this.settings.warn(`Not sending '${packet.topic}' over the bridge: ${size} bytes is above the maximum packet size ${max}.`);
    return false;
  }

  private remoteAcked(remoteId: number, cmd: 'puback' | 'pubrec', reasonCode: number): void {
    const entry = this.outFlight.get(remoteId);
    if (!entry || entry.phase !== 'ack') return;
    if (cmd === 'puback' || reasonCode >= 0x80) {
      this.outFlight.delete(remoteId); // done; a refusing PUBREC ends the exchange too [MQTT-4.3.3-4] (5.0)
    } else {
      entry.phase = 'comp'; // from now on only the PUBREL is resent, never the PUBLISH [MQTT-4.3.3-5] (5.0)
      this.remote?.send({ cmd: 'pubrel', messageId: remoteId });
    }
    if (entry.localId !== 0) {
      this.knownLocal.delete(entry.localId);
      this.ackLocal(entry.localId, entry.packet.qos === 2 || cmd === 'pubrec' ? 2 : 1);
    }
    this.pump();
  }

  private ackLocal(localId: number, qos: QoS): void {
    // PUBREC hands the message on for good; our broker's PUBREL is then answered at once (onLocal).
    this.local?.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: localId });
  }

  private fromRemote(packet: IPublishPacket): void {
    this.lastTrafficAt = Date.now();
    const remoteId = packet.messageId;
    if (packet.qos === 2 && remoteId !== undefined) {
      if (this.remoteHeld.has(remoteId)) {
        this.remote?.send({ cmd: 'pubrec', messageId: remoteId }); // already routed: acknowledge again, never route twice
        return;
      }
      if (this.inRemoteIds.has(remoteId)) return; // being routed; its PUBREC follows
    }
    if (packet.qos === 1 && remoteId !== undefined && this.inRemoteIds.has(remoteId)) return;
    const topic = this.settings.toLocal(packet.topic);
    if (topic === undefined) {
      // Not ours (an old subscription the remote kept, say): acknowledge and drop, as mosquitto does.
      if (packet.qos === 1) this.remote?.send({ cmd: 'puback', messageId: remoteId! });
      if (packet.qos === 2) {
        this.remoteHeld.add(remoteId!);
        this.remote?.send({ cmd: 'pubrec', messageId: remoteId! });
      }
      return;
    }
    const local: IPublishPacket = { cmd: 'publish', topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: false };
    const properties = forwardable(packet.properties);
    if (properties) local.properties = properties;
    if (remoteId !== undefined && packet.qos > 0) {
      this.inRemoteIds.add(remoteId);
      local.messageId = remoteId; // placeholder: replaced by a local ID when it goes out
    }
    this.counts.received++;
    this.inQueue.push(local);
    this.flushIn();
  }

  /** Publishes remote messages into our broker within its Receive Maximum. */
  private flushIn(): void {
    const local = this.local;
    while (local && !local.closed && this.inQueue.length > 0) {
      const packet = this.inQueue[0]!;
      if (packet.qos === 0) {
        this.inQueue.shift();
        local.send(packet);
        continue;
      }
      if (this.inFlight.size >= this.localWindow) return;
      const localId = this.nextLocalId();
      if (localId === undefined) return;
      this.inQueue.shift();
      this.inFlight.set(localId, { remoteId: packet.messageId!, qos: packet.qos });
      local.send({ ...packet, messageId: localId });
    }
  }

  private localAcked(localId: number, cmd: 'puback' | 'pubrec', reasonCode: number): void {
    const entry = this.inFlight.get(localId);
    if (!entry) return;
    this.inFlight.delete(localId);
    this.inRemoteIds.delete(entry.remoteId);
    if (entry.remoteId === 0) {
      if (cmd === 'pubrec' && reasonCode < 0x80) this.local?.send({ cmd: 'pubrel', messageId: localId });
      return this.flushIn();
    }
    if (cmd === 'pubrec') {
      if (reasonCode < 0x80) this.local?.send({ cmd: 'pubrel', messageId: localId });
      // Remembered even while the remote is away: its DUP after a reconnect is then acknowledged, not routed again.
      this.remoteHeld.add(entry.remoteId);
      this.remote?.send({ cmd: 'pubrec', messageId: entry.remoteId });
    } else {
      this.remote?.send({ cmd: 'puback', messageId: entry.remoteId });
    }
    this.flushIn();
  }

  /** A packet ID no unacknowledged PUBLISH to the remote uses (SUBSCRIBE and UNSUBSCRIBE take theirs here too). */
  nextRemoteId(): number | undefined {
    for (let i = 0; i < 0xffff; i++) {
      this.lastRemoteId = this.lastRemoteId >= 0xffff ? 1 : this.lastRemoteId + 1;
      if (!this.outFlight.has(this.lastRemoteId)) return this.lastRemoteId;
    }
    return undefined;
  }

  private nextLocalId(): number | undefined {
    for (let i = 0; i < 0xffff; i++) {
      this.lastLocalId = this.lastLocalId >= 0xffff ? 1 : this.lastLocalId + 1;
      if (!this.inFlight.has(this.lastLocalId)) return this.lastLocalId;
    }
    return undefined;
  }
}
