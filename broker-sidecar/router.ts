/**
 * Routing: from one application message to at most one PUBLISH per session (plus one per
 * matching shared-subscription group), and the packet-ID bookkeeping of outgoing QoS 1/2
 * (send within the client's Receive Maximum, queue, resend on resume).
 */

import type { IPublishPacket, Packet, QoS } from 'mqtt-packet';
import type { Logger } from './logger';
import type { Delivery, Session } from './session';
import type { SessionStore } from './session-store';
import { SubscriptionIndex, type IndexEntry, type SharedGroup } from './subscription-index';
import type { Message, ProtocolVersion, PublishProperties, Subscription } from './types';

/** The sending side of a live connection, as routing needs it. */
export interface Outlet {
  readonly protocolVersion: ProtocolVersion;
  /** Cap on unacknowledged outgoing QoS 1/2 PUBLISHes: the client's Receive Maximum (5.0; 65535 otherwise), or the broker's lower max_inflight_messages. */
  readonly receiveMaximum: number;
  /**
   * Writes a packet; `userPropertyBytes` are the ordered User Property entries of a
   * forwarded PUBLISH. Returns false when the packet was discarded rather than sent
   * (too large for the client [MQTT-3.1.2-25], or QoS 0 behind a full socket).
   */
  send(packet: Packet, userPropertyBytes?: Buffer): boolean;
}

/** What the router needs from the broker. */
export interface RouterDeps {
  sessions: SessionStore;
  /** The live connection of a client, if it is online. */
  outlet(clientId: string): Outlet | undefined;
  log: Logger;
  /** Read access of a client to a topic (ACL), asked per delivery; absent: everything readable. */
  mayRead?(clientId: string, topic: string): boolean;
  /** Told of every delivery dropped because a session's queue was full (the broker counts them). */
  queueFull?(): void;
  /** mosquitto's queue_qos0_messages, upgrade_outgoing_qos and max_inflight_bytes; default off. */
  policy?: RoutingPolicy;
}

/** Delivery rules that mosquitto.conf can change. */
export interface RoutingPolicy {
  /** Queue QoS 0 messages for offline durable sessions. */
  queueQos0: boolean;
  /** Deliver at the subscription's QoS, not min(message, subscription) (non-standard). */
  upgradeQos: boolean;
  /** Payload bytes in flight per session: nothing more is sent while this many are; 0: no limit. */
  maxInflightBytes: number;
}

const STANDARD: RoutingPolicy = { queueQos0: false, upgradeQos: false, maxInflightBytes: 0 };

/** The QoS a message goes out with: min(message, subscription) [MQTT-3.8.4-6], or the subscription's with upgrade_outgoing_qos. */
export function outgoingQos(messageQos: QoS, subscriptionQos: QoS, upgrade: boolean): QoS {
  return upgrade ? subscriptionQos : (Math.min(subscriptionQos, messageQos) as QoS);
}

/** Whether a message's 5.0 Message Expiry has passed. */
export function isExpired(message: Message, now?: number): boolean {
  // The clock is read only for messages that can expire: this runs for every delivery.
  return message.expiresAt !== undefined && message.expiresAt <= (now ?? Date.now());
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
  // 5.0 with nothing to carry (the common case): no properties object per delivery.
  if (version === 5 && (message.properties !== undefined || message.expiresAt !== undefined || delivery.subscriptionIds.length > 0)) {
    // Everything else is forwarded unaltered: Payload Format Indicator [MQTT-3.3.2-4], Response Topic
    // [MQTT-3.3.2-15], Correlation Data [MQTT-3.3.2-16], User Properties [MQTT-3.3.2-17], Content Type [MQTT-3.3.2-20].
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
 * Combines the subscriptions of one session that match a message into one delivery, or
 * undefined when No Local rules them all out. One copy per session, at the highest
 * matching QoS [MQTT-3.3.5-1] (3.1.1; 5.0: [MQTT-3.3.4-2]). The caller has matched the topic.
 */
export function combineMatches(subscriptions: Iterable<Subscription>, clientId: string, message: Message, upgrade = false): Delivery | undefined {
  let best = -1;
  let retain = false;
  const subscriptionIds: number[] = [];
  for (const sub of subscriptions) {
    if (sub.noLocal && message.senderId === clientId) continue; // [MQTT-3.8.3-3] (5.0)
    best = Math.max(best, sub.qos);
    // Live deliveries clear RETAIN [MQTT-3.3.1-9] (3.1.1) unless Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13] (5.0).
    if (sub.retainAsPublished && message.retain) retain = true;
    if (sub.identifier !== undefined) subscriptionIds.push(sub.identifier); // all of them, one PUBLISH [MQTT-3.3.4-3]
  }
  if (best < 0) return undefined;
  return { message, qos: outgoingQos(message.qos, best as QoS, upgrade), retain, subscriptionIds };
}

/** Routes messages to sessions and tracks outgoing QoS 1/2 per session. */
export class Router {
  /** Every subscription of every session, by filter level; change it only through this class. */
  private readonly index = new SubscriptionIndex();
  private subscriptionCount = 0;
  private readonly policy: RoutingPolicy;

  constructor(private readonly deps: RouterDeps) {
    this.policy = deps.policy ?? STANDARD;
    // A store handed in with sessions already in it (a durable one) gets indexed once.
    for (const session of deps.sessions.all()) {
      for (const sub of session.subscriptions.values()) {
        this.index.add(session, sub);
        this.subscriptionCount++;
      }
    }
  }

  /** Number of subscriptions over all sessions. */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /** Adds or replaces a session's subscription [MQTT-3.8.4-3]; returns whether one existed for the filter. */
  subscribe(session: Session, sub: Subscription): boolean {
    const old = session.subscriptions.get(sub.filter);
    if (old) this.index.remove(session, old);
    else this.subscriptionCount++;
    session.subscriptions.set(sub.filter, sub);
    this.index.add(session, sub);
    session.journal?.subscribed(sub);
    return old !== undefined;
  }

  /** Removes a subscription; returns whether it existed. */
  unsubscribe(session: Session, filter: string): boolean {
    const old = session.subscriptions.get(filter);
    if (!old) return false;
    session.subscriptions.delete(filter);
    this.index.remove(session, old);
    this.subscriptionCount--;
    session.journal?.unsubscribed(filter);
    return true;
  }

  /** Takes an ending session's subscriptions out of the index. */
  forget(session: Session): void {
    for (const sub of session.subscriptions.values()) {
      this.index.remove(session, sub);
      this.subscriptionCount--;
    }
  }

  /** Sends a message to every matching session; returns how many deliveries were made. */
  route(message: Message): number {
    const { direct, groups } = this.index.match(message.topic); // also keeps '$' topics from leading wildcards [MQTT-4.7.2-1]
    let count = 0;
    for (const { session, subs } of direct.values()) {
      // Several matches: list them in subscription order, so Subscription Identifiers come out as subscribed.
      const ordered = subs.length > 1 ? [...session.subscriptions.values()].filter((s) => subs.includes(s)) : subs;
      const delivery = combineMatches(ordered, session.clientId, message, this.policy.upgradeQos);
      if (!delivery) continue;
      count++;
      this.deliver(session, delivery);
    }
    for (const group of groups) {
      const entry = this.pickMember(group);
      if (!entry) continue;
      count++;
      const { sub } = entry;
      // Each message to one session of the group (5.0 §4.8.2), at that subscription's granted QoS [MQTT-4.8.2-3].
      this.deliver(entry.session, {
        message,
        qos: outgoingQos(message.qos, sub.qos, this.policy.upgradeQos),
        retain: sub.retainAsPublished && message.retain,
        subscriptionIds: sub.identifier === undefined ? [] : [sub.identifier],
      });
    }
    return count;
  }

  /** Sends, or queues when offline / at the client's Receive Maximum / behind earlier queued messages. */
  deliver(session: Session, delivery: Delivery): void {
    if (isExpired(delivery.message)) return;
    // Checked per message like mosquitto, so retained and shared deliveries are covered too.
    if (this.deps.mayRead && !this.deps.mayRead(session.clientId, delivery.message.topic)) return;
    const outlet = this.deps.outlet(session.clientId);
    if (delivery.qos === 0) {
      if (outlet) outlet.send(buildPublish(delivery, undefined, outlet.protocolVersion, false), delivery.message.userPropertyBytes);
      // QoS 0 is not kept for offline sessions (at most once means it may be lost), unless
      // queue_qos0_messages asks for it for sessions that outlive their connection.
      else if (this.policy.queueQos0 && session.expiryInterval > 0 && !session.enqueue(delivery)) this.logDrop(session, delivery);
      return;
    }
    if (outlet && session.queueLength === 0 && this.sendInflight(session, outlet, delivery)) return;
    if (!session.enqueue(delivery)) this.logDrop(session, delivery);
  }

  /**
   * After a reconnect: resend unacknowledged PUBLISHes with DUP and PUBRELs in their
   * original order [MQTT-4.4.0-1], then flush the queue.
   */
  resume(session: Session, outlet: Outlet): void {
    for (const entry of [...session.inflight.values()]) {
      if (entry.phase === 'awaiting-ack') {
        const sent = outlet.send(buildPublish(entry.delivery, entry.packetId, outlet.protocolVersion, true), entry.delivery.message.userPropertyBytes); // DUP=1 [MQTT-3.3.1-1]
        if (!sent) session.settle(entry.packetId); // too large for the new connection: as if delivered [MQTT-3.1.2-25]
      } else {
        outlet.send({ cmd: 'pubrel', messageId: entry.packetId });
      }
    }
    this.drain(session);
  }

  /** Sends queued deliveries while the client is online and below its Receive Maximum. */
  drain(session: Session): void {
    const outlet = this.deps.outlet(session.clientId);
    if (!outlet) return;
    for (let next = session.peekQueue(); next !== undefined; next = session.peekQueue()) {
      if (isExpired(next.message)) {
        session.dequeue(false);
        continue;
      }
      if (next.qos === 0) {
        // A QoS 0 message kept for the offline session (queue_qos0_messages): sent, never in flight.
        outlet.send(buildPublish(next, undefined, outlet.protocolVersion, false), next.message.userPropertyBytes);
        session.dequeue(false);
        continue;
      }
      if (!this.sendInflight(session, outlet, next)) return;
      session.dequeue(true);
    }
  }

  /** Round-robin over the group, preferring members that are online; undefined for an empty group. */
  private pickMember(group: SharedGroup): IndexEntry | undefined {
    const members = [...group.members.values()];
    if (members.length === 0) return undefined;
    for (let i = 0; i < members.length; i++) {
      const at = (group.cursor + i) % members.length;
      const entry = members[at]!;
      if (this.deps.outlet(entry.session.clientId)) {
        group.cursor = at + 1;
        return entry;
      }
    }
    // Nobody online: queue for one of them, delivered when it reconnects [MQTT-4.8.2-4] (5.0).
    const entry = members[group.cursor % members.length]!;
    group.cursor++;
    return entry;
  }

  private sendInflight(session: Session, outlet: Outlet, delivery: Delivery): boolean {
    // Never more unacknowledged QoS 1/2 PUBLISHes than the client's Receive Maximum [MQTT-3.3.4-9].
    if (session.inflight.size >= outlet.receiveMaximum) return false;
    // max_inflight_bytes: more goes out while the bytes in flight are below it (as mosquitto counts), so a larger message goes alone.
    const byteCap = this.policy.maxInflightBytes;
    if (byteCap > 0 && session.inflightBytes >= byteCap) return false;
    const packetId = session.allocatePacketId();
    if (packetId === undefined) return false;
    session.startInflight(packetId, delivery);
    const sent = outlet.send(buildPublish(delivery, packetId, outlet.protocolVersion, false), delivery.message.userPropertyBytes);
    if (!sent) session.settle(packetId); // discarded as too large: behave as if delivered [MQTT-3.1.2-25]
    return true;
  }

  private logDrop(session: Session, delivery: Delivery): void {
    this.deps.queueFull?.();
    const n = session.dropped;
    // Log the 1st, 10th, 100th... drop: visible without flooding the log of a stuck client.
    if (Number.isInteger(Math.log10(n))) {
      this.deps.log({
        level: 'warning',
        clientId: session.clientId,
        message: `Outgoing messages are being dropped: queue full (${session.queueLength}), dropped ${n} so far (latest on '${delivery.message.topic}').`,
      });
    }
  }
}
