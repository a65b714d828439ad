/**
 * The journal of one durable session: turns each change the session makes (session.ts
 * calls it) into puts and deletes of its records. Deliveries are keyed by a per-session
 * sequence number, so queue order and in-flight send order come back in key order.
 */

import type { Delivery, Inflight, Session, SessionJournal } from '../session';
import type { Subscription } from '../types';
import { encodeDelivery, keys, type HeldIncomingRecord, type InflightRecord, type SessionRecord, type SubscriptionRecord } from './records';
import type { WriteQueue } from './write-queue';

/** Writes one session's changes through the queue. */
export class SessionRecords implements SessionJournal {
  /** The record number of each delivery this session still holds (queued or in flight). */
  private readonly seqs = new Map<Delivery, number>();

  /**
   * @param queue where the writes go
   * @param clientId the session's client ID
   * @param nextSeq first free delivery number (after a restore: one past the highest found)
   */
  constructor(
    private readonly queue: WriteQueue,
    private readonly clientId: string,
    private nextSeq = 1,
  ) {}

  /** Registers a delivery restored from the store under its existing number. */
  adopt(delivery: Delivery, seq: number): void {
    this.seqs.set(delivery, seq);
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
  }

  /** Writes the session record: expiry, client details, and when it went offline (undefined: online). */
  saveSession(session: Session, disconnectedAt: number | undefined): void {
    const record: SessionRecord = { clientId: this.clientId, expiryInterval: session.expiryInterval };
    if (disconnectedAt !== undefined) record.disconnectedAt = disconnectedAt;
    if (session.client) record.client = session.client;
    this.queue.put(keys.session(this.clientId), JSON.stringify(record));
  }

  /** Writes everything a session holds; for a session that becomes durable with state in it. */
  saveAll(session: Session): void {
    this.saveSession(session, undefined);
    for (const sub of session.subscriptions.values()) this.subscribed(sub);
    for (const delivery of session.queue) this.queued(delivery);
    for (const entry of session.inflight.values()) this.inflightStarted(entry);
    for (const id of session.awaitingRelease) this.incomingHeld(id);
  }

  /** Deletes every record of the session (it ended, or stopped being durable). */
  deleteAll(session: Session): void {
    const { queue, clientId } = this;
    queue.del(keys.session(clientId));
    for (const filter of session.subscriptions.keys()) queue.del(keys.subscription(clientId, filter));
    for (const seq of this.seqs.values()) {
      queue.del(keys.delivery(clientId, seq));
      queue.del(keys.inflight(clientId, seq));
    }
    this.seqs.clear();
    for (const id of session.awaitingRelease) queue.del(keys.heldIncoming(clientId, id));
  }

  /** See SessionJournal. */
  subscribed(sub: Subscription): void {
    const record: SubscriptionRecord = { clientId: this.clientId, sub };
    this.queue.put(keys.subscription(this.clientId, sub.filter), JSON.stringify(record));
  }

  /** See SessionJournal. */
  unsubscribed(filter: string): void {
    this.queue.del(keys.subscription(this.clientId, filter));
  }

  /** See SessionJournal. */
  queued(delivery: Delivery): void {
    this.seqOf(delivery);
  }

  /** See SessionJournal. */
  inflightStarted(entry: Inflight): void {
    this.saveInflight(this.seqOf(entry.delivery), entry);
  }

  /** See SessionJournal. */
  inflightReleased(entry: Inflight): void {
    const seq = this.seqs.get(entry.delivery);
    if (seq !== undefined) this.saveInflight(seq, entry);
  }

  /** See SessionJournal. */
  settled(delivery: Delivery): void {
    const seq = this.seqs.get(delivery);
    if (seq === undefined) return;
    this.seqs.delete(delivery);
    this.queue.del(keys.delivery(this.clientId, seq));
    this.queue.del(keys.inflight(this.clientId, seq));
  }

  /** See SessionJournal. */
  incomingHeld(packetId: number): void {
    const record: HeldIncomingRecord = { clientId: this.clientId, packetId };
    this.queue.put(keys.heldIncoming(this.clientId, packetId), JSON.stringify(record));
  }

  /** See SessionJournal. */
  incomingReleased(packetId: number): void {
    this.queue.del(keys.heldIncoming(this.clientId, packetId));
  }

  /** The delivery's record number, writing the delivery record the first time it is seen. */
  private seqOf(delivery: Delivery): number {
    let seq = this.seqs.get(delivery);
    if (seq === undefined) {
      seq = this.nextSeq++;
      this.seqs.set(delivery, seq);
      this.queue.put(keys.delivery(this.clientId, seq), JSON.stringify(encodeDelivery(this.clientId, seq, delivery)));
    }
    return seq;
  }

  private saveInflight(seq: number, entry: Inflight): void {
    const record: InflightRecord = { clientId: this.clientId, seq, packetId: entry.packetId, phase: entry.phase };
    this.queue.put(keys.inflight(this.clientId, seq), JSON.stringify(record));
  }
}
