/**
 * The layout of the LevelDB store: one key prefix per record kind, and JSON values with
 * binary fields (payloads, Correlation Data, raw User Property bytes) as base64, so that
 * every byte and every 5.0 property comes back exactly as it went in.
 *
 * Client IDs inside keys are hex-encoded: a client ID may contain any character, and the
 * hex form cannot contain the 0x00 separator, so one client's key range never overlaps
 * another's. The last component of a key (topic, filter) needs no escaping.
 */

import type { QoS } from 'mqtt-packet';
import type { Will } from '../connection-state';
import type { ClientDetails, Delivery } from '../session';
import type { Message, PublishProperties, Subscription } from '../types';

/** Bumped when a record's shape changes incompatibly; a store with another version is refused. */
export const FORMAT_VERSION = 1;

/** Key of the format record: `{ "version": FORMAT_VERSION }`. */
export const FORMAT_KEY = 'format';

/** First character of each record kind's keys. */
export const Kind = {
  retained: 'r',
  session: 's',
  subscription: 'u',
  delivery: 'm',
  inflight: 'f',
  heldIncoming: 'a',
  will: 'w',
} as const;

const SEP = '\u0000';

function hex(clientId: string): string {
  return Buffer.from(clientId, 'utf8').toString('hex');
}

/** Fixed width, so the store's byte order is the numeric order of sequence numbers. */
function seqKey(seq: number): string {
  return seq.toString(16).padStart(14, '0');
}

/** Keys of every record kind. */
export const keys = {
  retained: (topic: string): string => `${Kind.retained}${SEP}${topic}`,
  session: (clientId: string): string => `${Kind.session}${SEP}${hex(clientId)}`,
  subscription: (clientId: string, filter: string): string => `${Kind.subscription}${SEP}${hex(clientId)}${SEP}${filter}`,
  delivery: (clientId: string, seq: number): string => `${Kind.delivery}${SEP}${hex(clientId)}${SEP}${seqKey(seq)}`,
  inflight: (clientId: string, seq: number): string => `${Kind.inflight}${SEP}${hex(clientId)}${SEP}${seqKey(seq)}`,
  heldIncoming: (clientId: string, packetId: number): string => `${Kind.heldIncoming}${SEP}${hex(clientId)}${SEP}${packetId}`,
  will: (clientId: string): string => `${Kind.will}${SEP}${hex(clientId)}`,
};

/** A Message as JSON. */
export interface MessageRecord {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
  /** Properties without binary ones. */
  properties?: Record<string, unknown>;
  /** Binary properties (Correlation Data), base64 by name. */
  binaryProperties?: Record<string, string>;
  senderId?: string;
  expiresAt?: number;
  userPropertyBytes?: string;
  /** Retained messages: the publisher's username and listener port (check_retain_source). */
  origin?: { username?: string; port?: number };
}

/** Session state that is not a list: what the broker panel shows, expiry, and when it went offline. */
export interface SessionRecord {
  clientId: string;
  expiryInterval: number;
  /** Epoch ms of the end of the last connection; undefined while (or when last seen) connected. */
  disconnectedAt?: number;
  client?: ClientDetails;
}

/** One subscription of a session. */
export interface SubscriptionRecord {
  clientId: string;
  sub: Subscription;
}

/** One outgoing QoS 1/2 message of a session, queued or in flight; `seq` is its send order. */
export interface DeliveryRecord {
  clientId: string;
  seq: number;
  message: MessageRecord;
  qos: QoS;
  retain: boolean;
  subscriptionIds: number[];
}

/** The in-flight state of a delivery: its packet ID, and whether PUBREC came (so PUBREL is what is resent). */
export interface InflightRecord {
  clientId: string;
  seq: number;
  packetId: number;
  phase: 'awaiting-ack' | 'awaiting-comp';
}

/** An incoming QoS 2 packet ID between PUBREC and PUBREL. */
export interface HeldIncomingRecord {
  clientId: string;
  packetId: number;
}

/** A will waiting for its Will Delay Interval. */
export interface WillRecord {
  clientId: string;
  message: MessageRecord;
  expirySeconds?: number;
  delaySeconds: number;
  /** Epoch ms at which it is published. */
  dueAt: number;
}

/** Encodes a message; see MessageRecord. */
export function encodeMessage(message: Message): MessageRecord {
  const record: MessageRecord = { topic: message.topic, payload: message.payload.toString('base64'), qos: message.qos, retain: message.retain };
  if (message.properties) {
    const plain: Record<string, unknown> = {};
    const binary: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.properties)) {
      if (Buffer.isBuffer(value)) binary[name] = value.toString('base64');
      else if (value !== undefined) plain[name] = value;
    }
    record.properties = plain;
    if (Object.keys(binary).length > 0) record.binaryProperties = binary;
  }
  if (message.senderId !== undefined) record.senderId = message.senderId;
  if (message.expiresAt !== undefined) record.expiresAt = message.expiresAt;
  if (message.userPropertyBytes) record.userPropertyBytes = message.userPropertyBytes.toString('base64');
  if (message.origin) record.origin = { username: message.origin.username, port: message.origin.port };
  return record;
}

/** Decodes what `encodeMessage` made. */
export function decodeMessage(record: MessageRecord): Message {
  let properties: PublishProperties | undefined;
  if (record.properties) {
    const all: Record<string, unknown> = { ...record.properties };
    for (const [name, value] of Object.entries(record.binaryProperties ?? {})) all[name] = Buffer.from(value, 'base64');
    properties = all as PublishProperties;
  }
  return {
    topic: record.topic,
    payload: Buffer.from(record.payload, 'base64'),
    qos: record.qos,
    retain: record.retain,
    properties,
    senderId: record.senderId,
    expiresAt: record.expiresAt,
    userPropertyBytes: record.userPropertyBytes === undefined ? undefined : Buffer.from(record.userPropertyBytes, 'base64'),
    ...(record.origin ? { origin: { username: record.origin.username, port: record.origin.port } } : {}),
  };
}

/** Messages routed to several durable sessions are encoded once (base64 of a large payload is not free). */
const encoded = new WeakMap<Message, MessageRecord>();

/** Encodes one delivery of a session. */
export function encodeDelivery(clientId: string, seq: number, delivery: Delivery): DeliveryRecord {
  let message = encoded.get(delivery.message);
  if (!message) {
    message = encodeMessage(delivery.message);
    encoded.set(delivery.message, message);
  }
  return { clientId, seq, message, qos: delivery.qos, retain: delivery.retain, subscriptionIds: delivery.subscriptionIds };
}

/** Decodes a delivery record into the router's shape. */
export function decodeDelivery(record: DeliveryRecord): Delivery {
  return { message: decodeMessage(record.message), qos: record.qos, retain: record.retain, subscriptionIds: record.subscriptionIds };
}

/** Encodes a pending will. */
export function encodeWill(clientId: string, will: Will, dueAt: number): WillRecord {
  const record: WillRecord = { clientId, message: encodeMessage(will.message), delaySeconds: will.delaySeconds, dueAt };
  if (will.expirySeconds !== undefined) record.expirySeconds = will.expirySeconds;
  return record;
}

/** Decodes a pending will. */
export function decodeWill(record: WillRecord): Will {
  return { message: decodeMessage(record.message), expirySeconds: record.expirySeconds, delaySeconds: record.delaySeconds };
}
