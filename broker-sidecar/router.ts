/**
 * Routing: from one application message to at most one PUBLISH per session, and the
 * packet-ID bookkeeping of outgoing QoS 1/2 (send, queue, resend on resume).
 */

import type { IPublishPacket, Packet, QoS } from 'mqtt-packet';
import { topicMatches } from '../shared/topic';
import type { Logger } from './logger';
import type { Delivery, Session } from './session';
import type { SessionStore } from './session-store';
import type { Message, ProtocolVersion, PublishProperties, Subscription } from './types';

/** The sending side of a live connection, as routing needs it. */
export interface Outlet {
  readonly protocolVersion: ProtocolVersion;
  send(packet: Packet): void;
}

/** What the router needs from the broker. */
export interface RouterDeps {
  sessions: SessionStore;
  /** The live connection of a client, if it is online. */
  outlet(clientId: string): Outlet | undefined;
  log: Logger;
}

/** Whether a message's 5.0 Message Expiry has passed. */
export function isExpired(message: Message, now = Date.now()): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}

/** Builds the PUBLISH for one delivery in the client's protocol version. */
export function buildPublish(delivery: Delivery, packetId: number | undefined, version: ProtocolVersion, dup: boolean): IPublishPacket {
  const { message } = delivery;
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic: message.topic,
    payload: message.payload,
    qos: delivery.qos,
    retain: delivery.retain,
    dup,
  };
  if (packetId !== undefined) packet.messageId = packetId;
  if (version === 5) {
    const properties: PublishProperties = { ...message.properties };
    if (message.expiresAt !== undefined) {
      // The receiver sees the lifetime left, not the one the publisher set [MQTT-3.3.2-6].
      properties.messageExpiryInterval = Math.max(0, Math.ceil((message.expiresAt - Date.now()) / 1000));
    }
    const ids = delivery.subscriptionIds;
    if (ids.length > 0) properties.subscriptionIdentifier = ids.length === 1 ? ids[0]! : [...ids]; // [MQTT-3.3.4-3]
    if (Object.keys(properties).length > 0) packet.properties = properties;
  }
  return packet;
}

/**
 * Combines every matching subscription of one session into one delivery, or undefined
 * when none matches. One copy per session, at the highest matching QoS [MQTT-3.3.5-1] (3.1.1; 5.0: [MQTT-3.3.4-2]).
 */
export function matchSession(subscriptions: Iterable<Subscription>, clientId: string, message: Message): Delivery | undefined {
  let best = -1;
  let retain = false;
  const subscriptionIds: number[] = [];
  for (const sub of subscriptions) {
    if (!topicMatches(sub.filter, message.topic)) continue; // also keeps '$' topics from leading wildcards [MQTT-4.7.2-1]
    if (sub.noLocal && message.senderId === clientId) continue; // [MQTT-3.8.3-3] (5.0)
    best = Math.max(best, sub.qos);
    // Live deliveries clear RETAIN [MQTT-3.3.1-9] (3.1.1) unless Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13] (5.0).
    if (sub.retainAsPublished && message.retain) retain = true;
    if (sub.identifier !== undefined) subscriptionIds.push(sub.identifier); // all of them, one PUBLISH [MQTT-3.3.4-3]
  }
  if (best < 0) return undefined;
  const qos = Math.min(best, message.qos) as QoS; // [MQTT-3.8.4-6]
  return { message, qos, retain, subscriptionIds };
}

/** Routes messages to sessions and tracks outgoing QoS 1/2 per session. */
export class Router {
  constructor(private readonly deps: RouterDeps) {}

  /** Sends a message to every matching session; returns how many sessions got it. */
  route(message: Message): number {
    let count = 0;
    for (const session of this.deps.sessions.all()) {
      const delivery = matchSession(session.subscriptions.values(), session.clientId, message);
      if (!delivery) continue;
      count++;
      this.deliver(session, delivery);
    }
    return count;
  }

  /** Sends, or queues when offline / out of packet IDs / behind earlier queued messages. */
  deliver(session: Session, delivery: Delivery): void {
    if (isExpired(delivery.message)) return;
    const outlet = this.deps.outlet(session.clientId);
    if (delivery.qos === 0) {
      // QoS 0 is not kept for offline sessions: at most once means it may be lost.
      if (outlet) outlet.send(buildPublish(delivery, undefined, outlet.protocolVersion, false));
      return;
    }
    if (outlet && session.queue.length === 0 && this.sendInflight(session, outlet, delivery)) return;
    if (!session.enqueue(delivery)) this.logDrop(session, delivery);
  }

  /**
   * After a reconnect: resend unacknowledged PUBLISHes with DUP and PUBRELs in their
   * original order [MQTT-4.4.0-1], then flush the queue.
   */
  resume(session: Session, outlet: Outlet): void {
    for (const entry of session.inflight.values()) {
      if (entry.phase === 'awaiting-ack') {
        outlet.send(buildPublish(entry.delivery, entry.packetId, outlet.protocolVersion, true)); // DUP=1 [MQTT-3.3.1-1]
      } else {
        outlet.send({ cmd: 'pubrel', messageId: entry.packetId });
      }
    }
    this.drain(session);
  }

  /** Sends queued deliveries while the client is online and packet IDs are free. */
  drain(session: Session): void {
    const outlet = this.deps.outlet(session.clientId);
    if (!outlet) return;
    while (session.queue.length > 0) {
      const next = session.queue[0]!;
      if (isExpired(next.message)) {
        session.queue.shift();
        continue;
      }
      if (!this.sendInflight(session, outlet, next)) return;
      session.queue.shift();
    }
  }

  private sendInflight(session: Session, outlet: Outlet, delivery: Delivery): boolean {
    const packetId = session.allocatePacketId();
    if (packetId === undefined) return false;
    session.inflight.set(packetId, { packetId, delivery, phase: 'awaiting-ack' });
    outlet.send(buildPublish(delivery, packetId, outlet.protocolVersion, false));
    return true;
  }

  private logDrop(session: Session, delivery: Delivery): void {
    const n = session.dropped;
    // Log the 1st, 10th, 100th... drop: visible without flooding the log of a stuck client.
    if (Number.isInteger(Math.log10(n))) {
      this.deps.log({
        level: 'warning',
        clientId: session.clientId,
        message: `Outgoing messages are being dropped: queue full (${session.queue.length}), dropped ${n} so far (latest on '${delivery.message.topic}').`,
      });
    }
  }
}
