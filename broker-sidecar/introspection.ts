/**
 * What the app's broker panel and the $SYS tree read (shapes from shared/broker-control.ts): traffic counters, the clients
 * (online and offline sessions) and the retained messages. Plain data snapshots, built on request, so the
 * panel can poll without holding references into broker state.
 */

import type { Packet } from 'mqtt-packet';
import type { RetainedStore } from './retained-store';
import type { SessionStore } from './session-store';
import type { BrokerClientInfo, BrokerRetainedInfo, BrokerStats } from '../shared/broker-control';
import type { Message } from './types';

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
  /** QoS 1/2 deliveries dropped because the session's queue was full (max_queued_messages). */
  droppedQueueFull = 0;
  /** QoS 0 PUBLISHes dropped because the receiver's socket stayed full. */
  droppedQos0 = 0;
  /** MQTT packets of any type read; mosquitto's `$SYS/broker/messages/received` counts these. */
  packetsReceived = 0;
  /** Packets read and refused because they broke a rule (they are not in `packetsReceived`). */
  packetsRefused = 0;
  /** MQTT packets of any type written or queued. */
  packetsSent = 0;
  /** Payload bytes of the PUBLISHes received. */
  publishBytesReceived = 0;
  /** Payload bytes of the PUBLISHes written or queued. */
  publishBytesSent = 0;
  /** Sockets accepted, refused ones included (mosquitto's load/sockets). */
  socketsAccepted = 0;
  /** CONNECT packets received, accepted or not (mosquitto's load/connections). */
  connectsReceived = 0;
  /** Sessions ended by their expiry interval (mosquitto's clients/expired). */
  clientsExpired = 0;
  /** Most clients connected at the same time (mosquitto's clients/maximum). */
  clientsMaximum = 0;

  /** Counts one decoded packet read from a client (its bytes are counted as they arrive). */
  packetIn(packet: Packet): void {
    this.packetsReceived++;
    if (packet.cmd === 'publish') {
      this.messagesReceived++;
      this.publishBytesReceived += Buffer.byteLength(packet.payload);
    } else if (packet.cmd === 'connect') this.connectsReceived++;
  }

  /** Counts one packet written or queued to a client. */
  packetOut(packet: Packet): void {
    this.packetsSent++;
    if (packet.cmd === 'publish') {
      this.messagesSent++;
      this.publishBytesSent += Buffer.byteLength(packet.payload);
    }
  }

  /** Every PUBLISH that was meant for a client but not sent, whatever the reason. */
  get publishDropped(): number {
    return this.droppedTooLarge + this.droppedQueueFull + this.droppedQos0;
  }
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
    droppedQueueFull: counters.droppedQueueFull,
    droppedQos0: counters.droppedQos0,
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
      queued: session.queueLength,
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

/**
 * Messages the broker holds: retained ones plus those queued or in flight for sessions,
 * each counted once however many sessions hold it (mosquitto's message store).
 */
export function storedMessagesOf(sessions: SessionStore, retained: RetainedStore): { count: number; bytes: number } {
  const seen = new Set<Message>();
  let bytes = 0;
  const add = (message: Message): void => {
    if (seen.has(message)) return;
    seen.add(message);
    bytes += message.payload.length;
  };
  for (const message of retained.all()) add(message);
  for (const session of sessions.all()) {
    for (const entry of session.inflight.values()) add(entry.delivery.message);
    for (const delivery of session.queue) add(delivery.message);
  }
  return { count: seen.size, bytes };
}
