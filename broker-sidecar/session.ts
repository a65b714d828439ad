/**
 * A client's session: what survives a reconnect when the client asks for it (3.1.1 clean
 * session 0, 5.0 Session Expiry Interval > 0). It holds no socket; the broker pairs it
 * with a live connection by client ID.
 */

import type { QoS } from 'mqtt-packet';
import type { Message, ProtocolVersion, Subscription } from './types';

/** The session's (last) connection, as the broker panel lists it. */
export interface ClientDetails {
  protocolVersion: ProtocolVersion;
  remoteAddress: string;
  /** Epoch ms of the accepted CONNECT. */
  connectedAt: number;
  keepalive: number;
  cleanStart: boolean;
}

/**
 * Payload bytes held for sessions (queued and in flight), summed over every session that
 * shares the counter: what mosquitto's memory_limit is checked against, with the retained
 * messages. Each holder counts a message once, so one message queued for ten sessions counts ten times.
 */
export class HeldBytes {
  bytes = 0;
}

/** A counter nobody reads, for sessions made without one. */
const UNCOUNTED = new HeldBytes();

/** One message on its way to one session, before it has a packet ID. */
export interface Delivery {
  message: Message;
  /** Already min(message QoS, subscription QoS). */
  qos: QoS;
  retain: boolean;
  subscriptionIds: number[];
}

/** An outgoing QoS 1/2 message that the client has not finished acknowledging. */
export interface Inflight {
  packetId: number;
  delivery: Delivery;
  /** QoS 1 and 2 wait for PUBACK/PUBREC first; QoS 2 then waits for PUBCOMP. */
  phase: 'awaiting-ack' | 'awaiting-comp';
}

/**
 * Where a durable session writes its changes (persistence/session-records.ts). Absent for
 * sessions that end with their connection and whenever persistence is off, so the
 * in-memory path pays one property check per change.
 */
export interface SessionJournal {
  subscribed(sub: Subscription): void;
  unsubscribed(filter: string): void;
  queued(delivery: Delivery): void;
  inflightStarted(entry: Inflight): void;
  inflightReleased(entry: Inflight): void;
  settled(delivery: Delivery): void;
  incomingHeld(packetId: number): void;
  incomingReleased(packetId: number): void;
}

/**
 * Session state (§4.1): subscriptions, unacknowledged and queued QoS 1/2 messages. Change
 * `inflight`, `queue` and `awaitingRelease` through the methods, so a journal sees it.
 */
export class Session {
  /** Subscriptions by filter; a new SUBSCRIBE to the same filter replaces it [MQTT-3.8.4-3]. */
  readonly subscriptions = new Map<string, Subscription>();
  /** Outgoing QoS 1/2 by packet ID; Map order is send order, which resend keeps [MQTT-4.6.0-1]. */
  readonly inflight = new Map<number, Inflight>();
  /** Incoming QoS 2 packet IDs between PUBREC and PUBREL: the exactly-once memory [MQTT-4.3.3-8] (3.1.1). */
  readonly awaitingRelease = new Set<number>();
  /**
   * Queued deliveries from `queueHead` on. Taken from the front by moving the head, not by
   * `shift`: V8's shift copies the whole array once it is large (in Node 20, 315 µs per
   * shift at 300,000 queued), and a subscriber that falls behind 500 publishers queues that
   * many, so every delivery got slower the further behind it was.
   */
  private queued: Delivery[] = [];
  private queueHead = 0;
  /** Deliveries waiting in the queue (what `queue.length` says, without compacting it). */
  get queueLength(): number {
    return this.queued.length - this.queueHead;
  }
  /** The oldest queued delivery, if any. */
  peekQueue(): Delivery | undefined {
    return this.queued[this.queueHead];
  }
  /**
   * QoS 1/2 deliveries waiting for the client to come back or for a free packet ID, oldest
   * first. For reading and for restoring (push); the hot paths use queueLength and peekQueue.
   */
  get queue(): Delivery[] {
    if (this.queueHead > 0) {
      this.queued = this.queued.slice(this.queueHead);
      this.queueHead = 0;
    }
    return this.queued;
  }
  /** Deliveries dropped because the queue was full. */
  dropped = 0;
  /** Payload bytes in `queue`. */
  queuedBytes = 0;
  /** Payload bytes in `inflight` (PUBLISHes not yet acknowledged; PUBREL-only entries included). */
  inflightBytes = 0;
  /** Set at every accepted CONNECT; kept while the session is offline. */
  client: ClientDetails | undefined;
  /** Set while the session is durable (persistence on, Session Expiry Interval > 0). */
  journal: SessionJournal | undefined;
  private lastPacketId = 0;

  /**
   * @param clientId the session's key
   * @param expiryInterval seconds the session outlives its connection; SESSION_NEVER_EXPIRES for ever
   * @param maxQueued bound on `queue`, so an absent subscriber cannot exhaust memory
   * @param maxQueuedBytes bound on the payload bytes in `queue`; 0: none
   * @param held the broker-wide count of held payload bytes this session adds to
   */
  constructor(
    readonly clientId: string,
    public expiryInterval: number,
    private readonly maxQueued: number,
    private readonly maxQueuedBytes = 0,
    private readonly held: HeldBytes = UNCOUNTED,
  ) {}

  /** A packet ID not used by any in-flight message, or undefined when all 65535 are taken. */
  allocatePacketId(): number | undefined {
    for (let tries = 0; tries < 0xffff; tries++) {
      this.lastPacketId = this.lastPacketId >= 0xffff ? 1 : this.lastPacketId + 1; // never 0 [MQTT-2.2.1-3] (5.0; 3.1.1: [MQTT-2.3.1-1])
      if (!this.inflight.has(this.lastPacketId)) return this.lastPacketId;
    }
    return undefined;
  }

  /**
   * Queues a delivery; false (and counted) when the queue is full: as in mosquitto, a
   * delivery is taken while the queue is below both bounds, so the one that crosses the
   * byte bound still fits.
   */
  enqueue(delivery: Delivery): boolean {
    if (this.queueLength >= this.maxQueued || (this.maxQueuedBytes > 0 && this.queuedBytes >= this.maxQueuedBytes)) {
      this.dropped++;
      return false;
    }
    this.queued.push(delivery);
    this.count(delivery, 1, 'queuedBytes');
    this.journal?.queued(delivery);
    return true;
  }

  /** Takes the oldest queued delivery off the queue; `sent` tells the journal whether it became in-flight. */
  dequeue(sent: boolean): void {
    const delivery = this.queued[this.queueHead];
    if (!delivery) return;
    this.queued[this.queueHead++] = undefined as unknown as Delivery; // let it be collected
    // Compacted once the taken part is most of the array: amortised O(1) per delivery.
    if (this.queueHead === this.queued.length) {
      this.queued = [];
      this.queueHead = 0;
    } else if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queued.length) {
      this.queued = this.queued.slice(this.queueHead);
      this.queueHead = 0;
    }
    this.count(delivery, -1, 'queuedBytes');
    if (!sent) this.journal?.settled(delivery);
  }

  /** Records an outgoing QoS 1/2 PUBLISH under its packet ID, before it is written. */
  startInflight(packetId: number, delivery: Delivery): void {
    const entry: Inflight = { packetId, delivery, phase: 'awaiting-ack' };
    this.inflight.set(packetId, entry);
    this.count(delivery, 1, 'inflightBytes');
    this.journal?.inflightStarted(entry);
  }

  /** Counts what a session read back from the store holds (it was put in place, not queued). */
  recount(): void {
    for (const delivery of this.queue) this.count(delivery, 1, 'queuedBytes');
    for (const entry of this.inflight.values()) this.count(entry.delivery, 1, 'inflightBytes');
  }

  /** Forgets everything the session holds from the broker-wide count, when it ends. */
  release(): void {
    this.held.bytes -= this.queuedBytes + this.inflightBytes;
    this.queuedBytes = 0;
    this.inflightBytes = 0;
  }

  private count(delivery: Delivery, sign: 1 | -1, field: 'queuedBytes' | 'inflightBytes'): void {
    const bytes = sign * delivery.message.payload.length;
    this[field] += bytes;
    this.held.bytes += bytes;
  }

  /** PUBREC arrived: from now on only the PUBREL is resent, never the PUBLISH [MQTT-4.3.3-6] (3.1.1). */
  awaitCompletion(entry: Inflight): void {
    entry.phase = 'awaiting-comp';
    this.journal?.inflightReleased(entry);
  }

  /** Ends an outgoing exchange (PUBACK, PUBCOMP, refusing PUBREC, or discarded as too large); frees the packet ID. */
  settle(packetId: number): void {
    const entry = this.inflight.get(packetId);
    if (!entry) return;
    this.inflight.delete(packetId);
    this.count(entry.delivery, -1, 'inflightBytes');
    this.journal?.settled(entry.delivery);
  }

  /** An incoming QoS 2 PUBLISH was routed: its packet ID is held until PUBREL [MQTT-4.3.3-8] (3.1.1). */
  holdIncoming(packetId: number): void {
    this.awaitingRelease.add(packetId);
    this.journal?.incomingHeld(packetId);
  }

  /** PUBREL arrived: forgets the packet ID; returns whether it was held. */
  releaseIncoming(packetId: number): boolean {
    if (!this.awaitingRelease.delete(packetId)) return false;
    this.journal?.incomingReleased(packetId);
    return true;
  }
}
