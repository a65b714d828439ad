/**
 * The one contract between the UI and the backend: commands (request → result) and event
 * streams (backend → UI). Electron IPC and the browser-mode WebSocket both carry exactly
 * this; the backend implements {@link CommandHandlers}, so a missing handler fails to compile.
 */

import { z } from 'zod';
import type { BrokerBridgeInfo, BrokerClientInfo, BrokerLogLine, BrokerRetainedInfo, BrokerStats, BrokerViolation, SidecarState } from './broker-control';
import type { Collection } from './collections';
import type { ConnectionState } from './connection-state';
import type { DecodedPayload } from './decoded';
import type { Profile } from './profile';
import type { ImportSource } from './profile-transfer';

const id = z.string().min(1, 'id must not be empty').max(200);

/**
 * Most payload bytes one `messages.get` carries to the page: a 256 MB payload stays in the
 * backend, and its first 16 MB is what "Load full payload" can show.
 */
export const MESSAGE_LOAD_MAX_BYTES = 16 * 1024 * 1024;

/** Largest page of `packets.list` and `packets.page`. */
export const PACKET_PAGE_MAX = 50_000;

/**
 * A connection id of this form names a client of the local broker (its client ID, or its
 * address when it had none) for packets.list, packets.page, packets.export and packets.clear, so the
 * broker panel shows a client's packets in the same inspector as the app's connections.
 */
export const BROKER_CLIENT_PREFIX = 'broker:';
const qos = z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'QoS must be 0, 1 or 2' });
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be bytes' });

/** One page of a capture: packets.list and packets.page. */
const packetPageArgs = z
  .object({
    connectionId: id,
    /** Only packets with a higher sequence number (0: from the oldest held). */
    afterSeq: z.number().int().min(0).optional(),
    /** At most this many, so a million-packet capture crosses in pages. */
    limit: z.number().int().min(1).max(PACKET_PAGE_MAX).optional(),
  })
  .strict();

/** MQTT 5 PUBLISH properties a user can set. */
const publishProperties = z
  .object({
    payloadFormatIndicator: z.boolean().optional(),
    messageExpiryInterval: z.number().int().min(0).max(4294967295).optional(),
    topicAlias: z.number().int().min(1, 'Topic alias must be between 1 and 65535').max(65535, 'Topic alias must be between 1 and 65535').optional(),
    responseTopic: z.string().optional(),
    correlationData: bytes.optional(),
    userProperties: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional(),
    contentType: z.string().optional(),
  })
  .strict();

/** MQTT 5 subscription options. */
const subscribeOptions = z
  .object({
    noLocal: z.boolean().optional(),
    retainAsPublished: z.boolean().optional(),
    retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'Retain handling must be 0, 1 or 2' }).optional(),
    subscriptionIdentifier: z
      .number()
      .int()
      .min(1, 'Subscription identifier must be between 1 and 268435455')
      .max(268435455, 'Subscription identifier must be between 1 and 268435455')
      .optional(),
  })
  .strict();

/** Argument schemas: every call is validated against these before a handler runs. */
export const commandArgs = {
  'profiles.list': z.object({}).strict(),
  'profiles.save': z.object({ profile: z.unknown() }).strict(),
  'profiles.delete': z.object({ id }).strict(),
  'profiles.export': z.object({ ids: z.array(id).optional(), includeSecrets: z.boolean().default(false) }).strict(),
  'profiles.import': z.object({ json: z.string().max(20 * 1024 * 1024, 'The file is larger than 20 MB') }).strict(),
  'collections.list': z.object({}).strict(),
  'collections.save': z.object({ collection: z.unknown() }).strict(),
  'collections.delete': z.object({ id }).strict(),
  'collections.export': z.object({ ids: z.array(id).optional() }).strict(),
  'collections.import': z.object({ json: z.string().max(20 * 1024 * 1024, 'The file is larger than 20 MB') }).strict(),
  'connections.list': z.object({}).strict(),
  'broker.status': z.object({}).strict(),
  'broker.start': z.object({ port: z.number().int().min(0).max(65535).optional() }).strict(),
  'broker.stop': z.object({}).strict(),
  'broker.clients': z.object({}).strict(),
  'broker.retained': z.object({}).strict(),
  'broker.violations': z.object({}).strict(),
  'broker.bridges': z.object({}).strict(),
  'broker.connectLocal': z.object({}).strict(),
  'messages.get': z
    .object({
      connectionId: id,
      seq: z.number().int().min(1),
      /** At most this many payload bytes (the rest stays in the backend; `payloadSize` tells how much there is). */
      maxBytes: z.number().int().min(1).max(MESSAGE_LOAD_MAX_BYTES, `maxBytes must be at most ${MESSAGE_LOAD_MAX_BYTES}`).optional(),
    })
    .strict(),
  'messages.export': z.object({ connectionId: id, format: z.enum(['json', 'csv'], { error: 'Format must be json or csv' }) }).strict(),
  'messages.clear': z.object({ connectionId: id }).strict(),
  'packets.list': packetPageArgs,
  /** The same page as packets.list, as one binary frame. */
  'packets.page': packetPageArgs,
  'packets.export': z.object({ connectionId: id, format: z.literal('pcapng', { error: 'Format must be pcapng' }) }).strict(),
  'packets.clear': z.object({ connectionId: id }).strict(),
  'connections.connect': z.object({ profileId: id }).strict(),
  'connections.disconnect': z.object({ connectionId: id }).strict(),
  'subscriptions.subscribe': z.object({ connectionId: id, filter: z.string(), qos, options: subscribeOptions.optional() }).strict(),
  'subscriptions.unsubscribe': z.object({ connectionId: id, filter: z.string() }).strict(),
  'payloads.encode': z
    .object({
      connectionId: id,
      topic: z.string(),
      json: z.string().max(20 * 1024 * 1024, 'The payload is larger than 20 MB'),
      /** Sparkplug B from its JSON form of metrics, or the schema mapped to the topic. */
      as: z.enum(['sparkplug', 'schema'], { error: 'Encode as sparkplug or schema' }),
    })
    .strict(),
  'messages.publish': z
    .object({
      connectionId: id,
      topic: z.string(),
      payload: bytes,
      qos,
      retain: z.boolean(),
      properties: publishProperties.optional(),
    })
    .strict(),
} satisfies Record<keyof CommandResults, z.ZodType>;

/** MQTT 5 subscription options, as sent in SUBSCRIBE. */
export type SubscribeOptions = z.output<typeof subscribeOptions>;

/** A subscription as the backend holds it for a connection. */
export interface SubscriptionInfo {
  filter: string;
  /** The QoS the broker granted. */
  qos: 0 | 1 | 2;
  options?: SubscribeOptions;
}

/** MQTT 5 PUBLISH properties, as sent or received. */
export type MessageProperties = z.output<typeof publishProperties> & {
  /** Received only: the identifiers of every subscription that matched. */
  subscriptionIdentifiers?: number[];
};

/** What the UI needs to draw one live connection. */
export interface ConnectionSnapshot {
  connectionId: string;
  profileId: string;
  state: ConnectionState;
  subscriptions: SubscriptionInfo[];
}

/** What each command returns. */
export interface CommandResults {
  'profiles.list': Profile[];
  /** Profile validation happens in the handler so field messages reach the form. */
  'profiles.save': Profile;
  'profiles.delete': { deleted: boolean };
  /** The export document as JSON text, ready to download. */
  'profiles.export': { json: string; count: number };
  /**
   * Imported profiles are saved as new ones; entries that did not validate are listed, with
   * notes on what could not come along; MQTT.fx's predefined messages become collections.
   */
  'profiles.import': { source: ImportSource; imported: Profile[]; skipped: Array<{ name: string; reason: string }>; warnings: string[]; collections: Collection[] };
  'collections.list': Collection[];
  /** Collection validation happens in the handler so field messages reach the form. */
  'collections.save': Collection;
  'collections.delete': { deleted: boolean };
  'collections.export': { json: string; count: number };
  /** All or nothing: a file with one bad collection imports none. */
  'collections.import': { imported: Collection[] };
  'connections.list': ConnectionSnapshot[];
  /** The sidecar's state and its recent log. */
  'broker.status': { state: SidecarState; log: BrokerLogLine[]; stats: BrokerStats | null };
  'broker.start': SidecarState;
  'broker.stop': SidecarState;
  'broker.clients': BrokerClientInfo[];
  'broker.retained': BrokerRetainedInfo[];
  /** The packets the local broker refused for breaking a rule of the spec, oldest first. */
  'broker.violations': BrokerViolation[];
  'broker.bridges': BrokerBridgeInfo[];
  /** Starts the sidecar if needed, keeps a "Local broker" profile pointing at it, connects. */
  'broker.connectLocal': ConnectionSnapshot;
  /** The message, its payload in full or cut at `maxBytes` (MESSAGE_LOAD_MAX_BYTES by default). */
  'messages.get': MessageRecord;
  'messages.export': { text: string; count: number; mimeType: string };
  'messages.clear': { cleared: number };
  /**
   * The oldest held packets after `afterSeq`; `more` when the page was cut at `limit`. The
   * packets.* commands also take `broker:<client>` (see BROKER_CLIENT_PREFIX): the packets the
   * local broker exchanged with one of its clients, directions as that client saw them.
   */
  'packets.list': PacketBatch & { more: boolean };
  /**
   * The page `packets.list` answers, as one binary frame (shared/wire-packets.ts, the
   * encoding of the live packets.batch stream; `decodePacketPage` reads it): the page an
   * inspector opened after a flood fetches its million packets with, without JSON or base64.
   */
  'packets.page': Uint8Array;
  /** A pcapng file of the capture (tshark/Wireshark decode it as MQTT on port 1883). */
  'packets.export': { data: Uint8Array; count: number; fileName: string };
  'packets.clear': { cleared: number };
  'connections.connect': ConnectionSnapshot;
  'connections.disconnect': ConnectionSnapshot;
  'subscriptions.subscribe': SubscriptionInfo;
  'subscriptions.unsubscribe': { filter: string };
  'messages.publish': { bytes: number };
  /** The payload bytes, and the type they were encoded as. */
  'payloads.encode': { payload: Uint8Array; type: string };
}

/** Every command's name. */
export type CommandName = keyof CommandResults;
/** What a caller passes to a command. */
export type CommandArgs<K extends CommandName> = z.input<(typeof commandArgs)[K]>;
/** What a handler receives: the arguments after validation. */
export type ValidArgs<K extends CommandName> = z.output<(typeof commandArgs)[K]>;

/** The backend's side of the contract: one handler per command, checked by the compiler. */
export type CommandHandlers = {
  [K in CommandName]: (args: ValidArgs<K>) => Promise<CommandResults[K]>;
};

/** One MQTT message as the UI sees it. */
export interface MessageRecord {
  /** Per-connection sequence number, increasing; gaps mean messages were dropped. */
  seq: number;
  direction: 'in' | 'out';
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** Milliseconds since the epoch when the backend saw it. */
  time: number;
  /** MQTT 5 properties, when the message had any. */
  properties?: MessageProperties;
  /** The payload's full length; `payload` may hold only a preview of it (see messages.get). */
  payloadSize: number;
  /** What the payload decoded to (Sparkplug B, or the schema mapped to the topic). */
  decoded?: DecodedPayload;
}

/** One MQTT control packet as it crossed the wire (bytes exactly as sent or received). */
export interface PacketRecord {
  /** Per-connection sequence number, increasing. */
  seq: number;
  /** Milliseconds since the epoch, with sub-millisecond fractions. */
  time: number;
  /** 'out' = sent by the app to the broker (in an opened capture file: by the client). */
  direction: 'in' | 'out';
  bytes: Uint8Array;
  /** Opened capture files only: the file's frame number (from 1) whose segment completed the packet. */
  frame?: number;
  /** The packet's full size, when `bytes` holds only its start (see {@link packetForPage}). */
  length?: number;
}

/**
 * Bytes of one packet the page gets at most: a 256 MB PUBLISH reaches the page as its first
 * 64 KiB (header, topic, properties and the start of the payload) with its full `length`;
 * the backend keeps it whole for the pcapng export.
 */
export const PACKET_PAGE_BYTES = 64 * 1024;

/** A captured packet as the page gets it: cut to PACKET_PAGE_BYTES, saying so in `length`. */
export function packetForPage(packet: PacketRecord): PacketRecord {
  if (packet.bytes.byteLength <= PACKET_PAGE_BYTES) return packet;
  return { ...packet, bytes: packet.bytes.subarray(0, PACKET_PAGE_BYTES), length: packet.length ?? packet.bytes.byteLength };
}

/**
 * Caps of one connection's packet capture, the same in the backend and the page: a million
 * packets, or 512 MB as counted by `packetFootprint`.
 */
export const PACKET_CAPTURE_LIMITS = { maxItems: 1_000_000, maxBytes: 512 * 1024 * 1024 } as const;

/**
 * What a captured packet costs in memory, at most: its bytes plus about 320 bytes for the
 * record and a Uint8Array with a buffer of its own, as measured in V8 (Node 20: 1,000,000
 * records of 30 B took 356 MB RSS). The backend packs frames into shared blocks and spends
 * less (213 MB for the same million); the page, decoding each from base64, spends this.
 */
export function packetFootprint(packet: PacketRecord): number {
  return packet.bytes.byteLength + PACKET_RECORD_BYTES;
}

/** What {@link packetFootprint} counts for a packet beyond its bytes. */
export const PACKET_RECORD_BYTES = 320;

/** Packets captured over one batch interval for one connection. */
export interface PacketBatch {
  connectionId: string;
  /** Protocol level the connection speaks (3, 4 or 5), needed to decode the packets. */
  protocolVersion: 3 | 4 | 5;
  packets: PacketRecord[];
  /** Packets the backend's capture has evicted by its caps so far (a running total). */
  evicted: number;
}

/** Messages gathered over one batch interval for one connection. */
export interface MessageBatch {
  connectionId: string;
  messages: MessageRecord[];
  /** Messages dropped before this batch because the UI could not keep up. */
  dropped: number;
  /** Messages the backend's store has evicted by its caps so far (a running total). */
  evicted: number;
  /**
   * Per message, how many earlier messages on its topic it stands for: held while the page
   * was behind and replaced by this newer one (backend/batch-window.ts). They are in
   * `dropped` too; this lets the page keep every topic's count exact. Absent: none.
   */
  replaced?: number[];
}

/** The event streams the backend pushes to every attached UI. */
export interface EventStreams {
  'connection.state': ConnectionSnapshot;
  'messages.batch': MessageBatch;
  'packets.batch': PacketBatch;
  'broker.state': SidecarState;
  'broker.log': { lines: BrokerLogLine[] };
  /** Desktop app only: a menu item the page acts on. */
  'app.menu': { action: MenuAction };
}

/** Menu items the page handles (the desktop menu sends them). */
export type MenuAction = 'new-connection' | 'import' | 'open-capture' | 'export' | 'theme-system' | 'theme-light' | 'theme-dark';

/** Every stream's name. */
export type StreamName = keyof EventStreams;

/** The names of all streams, for carriers that must list them (the Electron preload). */
export const STREAM_NAMES = ['connection.state', 'messages.batch', 'packets.batch', 'broker.state', 'broker.log', 'app.menu'] as const satisfies readonly StreamName[];

/** How the UI talks to the backend, whichever carrier is underneath. */
export interface DeskApi {
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResults[K]>;
  on<S extends StreamName>(stream: S, listener: (data: EventStreams[S]) => void): () => void;
  /**
   * Says whose captured packets the page shows (open packet inspectors and Flows views):
   * `packets.batch` comes for those connections only, the rest are fetched with
   * `packets.page` on opening. Absent: the carrier sends every packet batch.
   */
  watchPackets?(connectionIds: readonly string[]): void;
}

/** Tells whether a string names a command; used before looking up its schema. */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commandArgs, name);
}
