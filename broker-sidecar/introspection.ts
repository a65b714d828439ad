/**
 * What the app's broker panel reads (shapes from shared/broker-control.ts): traffic counters, the clients (online and offline
 * sessions) and the retained messages. Plain data snapshots, built on request, so the
 * panel can poll without holding references into broker state.
 */

import type { RetainedStore } from './retained-store';
import type { SessionStore } from './session-store';
import type { BrokerClientInfo, BrokerRetainedInfo, BrokerStats } from '../shared/broker-control';

/** Running totals, bumped on the read and write paths (plain increments, always on). */
export class TrafficCounters {
  /** PUBLISH packets received from clients. */
  messagesReceived = 0;
  /** PUBLISH packets written (or queued for writing) to clients. */
  messagesSent = 0;
  /** Bytes of every packet read. */
  bytesReceived = 0;
  /** Bytes of every packet written or queued. */
  bytesSent = 0;
  /** PUBLISHes discarded because they exceeded a client's Maximum Packet Size [MQTT-3.1.2-25]. */
  droppedTooLarge = 0;
}

/** Builds the stats snapshot. */
export function statsOf(sessions: SessionStore, retained: RetainedStore, online: number, subscriptions: number, counters: TrafficCounters, startedAt: number): BrokerStats {
  return {
    clientsConnected: online,
    clientsTotal: sessions.size,
    subscriptions,
    retained: retained.size,
    messagesReceived: counters.messagesReceived,
    messagesSent: counters.messagesSent,
    bytesReceived: counters.bytesReceived,
    bytesSent: counters.bytesSent,
    droppedTooLarge: counters.droppedTooLarge,
    startedAt,
  };
}

/** Builds the client list; `isOnline` tells live sessions from offline ones. */
export function clientsOf(sessions: SessionStore, isOnline: (clientId: string) => boolean): BrokerClientInfo[] {
  const out: BrokerClientInfo[] = [];
  for (const session of sessions.all()) {
    const details = session.client;
    out.push({
      clientId: session.clientId,
      protocolVersion: details?.protocolVersion,
      remoteAddress: details?.remoteAddress,
      connectedAt: details?.connectedAt,
      keepalive: details?.keepalive,
      cleanStart: details?.cleanStart,
      subscriptions: [...session.subscriptions.values()].map((s) => ({ filter: s.filter, qos: s.qos })),
      connected: isOnline(session.clientId),
      inflight: session.inflight.size,
      queued: session.queue.length,
    });
  }
  return out;
}

/** Builds the retained list. */
export function retainedOf(retained: RetainedStore): BrokerRetainedInfo[] {
  const out: BrokerRetainedInfo[] = [];
  for (const message of retained.all()) {
    out.push({
      topic: message.topic,
      qos: message.qos,
      payloadSize: message.payload.length,
      senderId: message.senderId,
      expiresAt: message.expiresAt,
      contentType: message.properties?.contentType,
    });
  }
  return out;
}
