/**
 * Reading the store back at start: every record, grouped by session, then turned into
 * Session objects with their subscriptions, queue (in key order, which is arrival order),
 * in-flight messages (with their packet IDs, resent with DUP on resume like any resumed
 * session) and held incoming QoS 2 packet IDs. Records of a session without its session
 * record are left-overs and deleted.
 */

import type { ClassicLevel } from 'classic-level';
import { isExpired } from '../router';
import type { Session } from '../session';
import type { Message, Subscription } from '../types';
import {
  decodeDelivery,
  decodeMessage,
  decodeWill,
  Kind,
  keys,
  type DeliveryRecord,
  type HeldIncomingRecord,
  type InflightRecord,
  type MessageRecord,
  type SessionRecord,
  type SubscriptionRecord,
  type WillRecord,
} from './records';
import type { RestoredWill } from './store';
import { SessionRecords } from './session-records';
import type { WriteQueue } from './write-queue';

/** One session's records as read. */
interface StoredSession {
  record: SessionRecord | undefined;
  subscriptions: Subscription[];
  deliveries: DeliveryRecord[];
  inflight: Map<number, InflightRecord>;
  held: number[];
  /** Keys read for this client ID, deleted when the session record is missing. */
  keys: string[];
}

/** The store's content, decoded. */
export interface StoredState {
  retained: Message[];
  sessions: Map<string, StoredSession>;
  wills: RestoredWill[];
  /** Keys of records that belong to no session; deleted after the restore. */
  orphans: string[];
}

/** Reads every record of the store. */
export async function readStore(db: ClassicLevel<string, string>): Promise<StoredState> {
  const state: StoredState = { retained: [], sessions: new Map(), wills: [], orphans: [] };
  const sessionOf = (clientId: string, key: string): StoredSession => {
    let stored = state.sessions.get(clientId);
    if (!stored) {
      stored = { record: undefined, subscriptions: [], deliveries: [], inflight: new Map(), held: [], keys: [] };
      state.sessions.set(clientId, stored);
    }
    stored.keys.push(key);
    return stored;
  };
  for await (const [key, value] of db.iterator()) {
    switch (key[0]) {
      case Kind.retained: {
        const message = decodeMessage(JSON.parse(value) as MessageRecord);
        // Its Message Expiry ran out while the broker was down: it would never be delivered again.
        if (isExpired(message)) state.orphans.push(key);
        else state.retained.push(message);
        break;
      }
      case Kind.session: {
        const record = JSON.parse(value) as SessionRecord;
        sessionOf(record.clientId, key).record = record;
        break;
      }
      case Kind.subscription: {
        const { clientId, sub } = JSON.parse(value) as SubscriptionRecord;
        sessionOf(clientId, key).subscriptions.push({ ...sub, group: sub.group ?? undefined, identifier: sub.identifier ?? undefined });
        break;
      }
      case Kind.delivery: {
        const record = JSON.parse(value) as DeliveryRecord;
        sessionOf(record.clientId, key).deliveries.push(record);
        break;
      }
      case Kind.inflight: {
        const record = JSON.parse(value) as InflightRecord;
        sessionOf(record.clientId, key).inflight.set(record.seq, record);
        break;
      }
      case Kind.heldIncoming: {
        const record = JSON.parse(value) as HeldIncomingRecord;
        sessionOf(record.clientId, key).held.push(record.packetId);
        break;
      }
      case Kind.will: {
        const record = JSON.parse(value) as WillRecord;
        state.wills.push({ clientId: record.clientId, will: decodeWill(record), dueAt: record.dueAt });
        break;
      }
      default:
        break; // the format record, or a kind a later version added
    }
  }
  for (const [clientId, stored] of state.sessions) {
    if (!stored.record) {
      state.orphans.push(...stored.keys);
      state.sessions.delete(clientId);
      continue;
    }
    // An in-flight state whose message record is gone cannot be resent; drop it.
    const seqs = new Set(stored.deliveries.map((d) => d.seq));
    for (const [seq, record] of stored.inflight) {
      if (seqs.has(seq)) continue;
      stored.inflight.delete(seq);
      state.orphans.push(keys.inflight(record.clientId, seq));
    }
  }
  return state;
}

/** Builds the sessions of a read store, each with a journal that continues its records. */
export function* buildSessions(
  state: StoredState,
  queue: WriteQueue,
  newSession: (clientId: string, expiryInterval: number) => Session,
): Generator<{ session: Session; records: SessionRecords; disconnectedAt: number | undefined }> {
  for (const [clientId, stored] of state.sessions) {
    const record = stored.record!;
    const session = newSession(clientId, record.expiryInterval);
    session.client = record.client;
    const records = new SessionRecords(queue, clientId);
    for (const sub of stored.subscriptions) session.subscriptions.set(sub.filter, sub);
    // Key order is record-number order: the queue keeps arrival order and in-flight
    // messages their send order, which resend keeps [MQTT-4.6.0-1].
    for (const delivery of stored.deliveries) {
      const restored = decodeDelivery(delivery);
      records.adopt(restored, delivery.seq);
      const inflight = stored.inflight.get(delivery.seq);
      if (inflight) session.inflight.set(inflight.packetId, { packetId: inflight.packetId, delivery: restored, phase: inflight.phase });
      else session.queue.push(restored); // not `enqueue`: what was accepted before the restart stays, whatever the bound
    }
    for (const id of stored.held) session.awaitingRelease.add(id);
    session.recount();
    yield { session, records, disconnectedAt: record.disconnectedAt };
  }
}
