/**
 * The control channel between the app's backend and the sidecar broker process (Node IPC
 * over fork): the sidecar announces its port, streams its log, and answers questions about
 * its clients. Types only, plus the sidecar state the UI shows.
 */

/** One broker log line, structured. */
export interface BrokerLogLine {
  /** Milliseconds since the epoch. */
  time: number;
  level: 'debug' | 'info' | 'notice' | 'warning' | 'error';
  clientId?: string;
  message: string;
}

/**
 * Questions the backend may ask the sidecar: counters, clients, retained messages, bridges, the
 * protocol violations it refused, and the packets it exchanged with one client.
 */
export type BrokerQuery = 'stats' | 'clients' | 'retained' | 'bridges' | 'violations' | BrokerPacketsQuery | BrokerPacketsClear;

/**
 * The packets the sidecar captured for one client (its own key, see BrokerCapturedPacket),
 * oldest first, after `afterSeq`, at most `limit`.
 */
export interface BrokerPacketsQuery {
  type: 'packets';
  client: string;
  afterSeq: number;
  limit: number;
}

/** Forgets the captured packets of one client. */
export interface BrokerPacketsClear {
  type: 'packets-clear';
  client: string;
}

/** One packet between the sidecar and a client, as the client saw it: 'out' is what the client sent. */
export interface BrokerCapturedPacket {
  seq: number;
  /** Epoch ms. */
  time: number;
  direction: 'in' | 'out';
  /** The packet's exact bytes, hex. */
  hex: string;
}

/** The answer to a BrokerPacketsQuery. */
export interface BrokerPacketsPage {
  packets: BrokerCapturedPacket[];
  /** The client's protocol level, to decode its packets (4 until its CONNECT says otherwise). */
  protocolVersion: 3 | 4 | 5;
  /** Packets evicted by the capture's caps so far, all clients together. */
  evicted: number;
  /** True when the page was cut at `limit`. */
  more: boolean;
}

/**
 * One packet the sidecar refused because it broke a rule of the spec: who sent it, the
 * rule, what was wrong, the reason code it answered with (5.0; 3.x only closes), its bytes.
 */
export interface BrokerViolation {
  /** Epoch ms. */
  time: number;
  /** The client ID, or the one the refused CONNECT named; '' when there was none. */
  clientId: string;
  remoteAddress: string;
  /** The capture key of the client's packets (the client ID, or the address when it had none). */
  client: string;
  protocolVersion: 3 | 4 | 5;
  /** As shown in the Reason String and the log: `[MQTT-3.1.2-22]` or `[MQTT 5.0 §3.8.3.1]`. */
  rule: string;
  message: string;
  /** The 5.0 reason code of the CONNACK or DISCONNECT sent; undefined for 3.x (the connection is just closed). */
  reasonCode: number | undefined;
  /** The packet's bytes, hex (the first 64 KiB of a larger one). */
  hex: string;
  /** The packet's size in bytes. */
  size: number;
}

/** Sidecar → backend. */
export type SidecarMessage =
  /** `wsPort` when the sidecar also listens for MQTT over WebSocket. */
  | { type: 'ready'; host: string; port: number; requestedPort: number; wsPort?: number }
  | { type: 'log'; lines: BrokerLogLine[] }
  | { type: 'answer'; id: number; ok: true; result: unknown }
  | { type: 'answer'; id: number; ok: false; error: string };

/** Backend → sidecar. */
export type SupervisorMessage = { type: 'ask'; id: number; query: BrokerQuery };

/** Where the sidecar process is, as the UI shows it. */
export type SidecarState =
  | { status: 'stopped' }
  | { status: 'starting'; since: number }
  | { status: 'running'; since: number; pid: number; host: string; port: number; requestedPort: number; wsPort?: number }
  | { status: 'stopping'; since: number }
  | { status: 'crashed'; at: number; exitCode: number | null; signal: string | null; reason: string };

/** Counters of the running broker. */
export interface BrokerStats {
  clientsConnected: number;
  /** Sessions, including those of clients that are offline. */
  clientsTotal: number;
  subscriptions: number;
  retained: number;
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** PUBLISHes not sent because they exceeded the receiver's Maximum Packet Size. */
  droppedTooLarge: number;
  /** QoS 1/2 messages dropped because a session's queue was full. */
  droppedQueueFull: number;
  /** QoS 0 messages dropped because a client's socket stayed full. */
  droppedQos0: number;
  /** Epoch ms when the broker started. */
  startedAt: number;
}

/** One client (or offline session) of the running broker. */
export interface BrokerClientInfo {
  clientId: string;
  connected: boolean;
  protocolVersion: number | undefined;
  remoteAddress: string | undefined;
  /** Epoch ms of the (last) accepted CONNECT. */
  connectedAt: number | undefined;
  keepalive: number | undefined;
  cleanStart: boolean | undefined;
  subscriptions: Array<{ filter: string; qos: number }>;
  /** Outgoing QoS 1/2 messages waiting for an acknowledgement. */
  inflight: number;
  /** QoS 1/2 messages waiting to be sent (offline, or held by the client's Receive Maximum). */
  queued: number;
}

/** One retained message the broker holds. */
export interface BrokerRetainedInfo {
  topic: string;
  qos: number;
  payloadSize: number;
  senderId: string | undefined;
  /** Epoch ms when the message expires (5.0 Message Expiry), if it does. */
  expiresAt: number | undefined;
  contentType: string | undefined;
}

/** One bridge of the running broker (mosquitto.conf `connection`), for the broker panel. */
export interface BrokerBridgeInfo {
  /** The `connection` name. */
  name: string;
  /** The address in use or tried next, "host:port". */
  address: string;
  addresses: string[];
  /**
   * connecting / connected; waiting: for restart_timeout; idle: a lazy bridge below its
   * threshold (or stopped by idle_timeout); stopped: start_type once after a failure, or shut down.
   */
  state: 'connecting' | 'connected' | 'waiting' | 'idle' | 'stopped';
  /** Epoch ms of the last state change. */
  since: number;
  /** Why the last connection failed or ended, until the next one succeeds. */
  lastError: string | undefined;
  /** Messages sent to the remote broker. */
  messagesOut: number;
  /** Messages received from the remote broker. */
  messagesIn: number;
  /** Messages dropped on the way out: QoS 0 while the remote was down, or too large for it. */
  dropped: number;
  /** QoS 1/2 messages waiting for the remote. */
  queued: number;
  remoteClientId: string;
  localClientId: string;
  protocolVersion: 3 | 4 | 5;
  startType: 'automatic' | 'lazy' | 'once';
  tls: boolean;
}
