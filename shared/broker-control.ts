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

/** Questions the backend may ask the sidecar. */
export type BrokerQuery = 'stats' | 'clients';

/** Sidecar → backend. */
export type SidecarMessage =
  | { type: 'ready'; host: string; port: number; requestedPort: number }
  | { type: 'log'; lines: BrokerLogLine[] }
  | { type: 'answer'; id: number; ok: true; result: unknown }
  | { type: 'answer'; id: number; ok: false; error: string };

/** Backend → sidecar. */
export type SupervisorMessage = { type: 'ask'; id: number; query: BrokerQuery };

/** Where the sidecar process is, as the UI shows it. */
export type SidecarState =
  | { status: 'stopped' }
  | { status: 'starting'; since: number }
  | { status: 'running'; since: number; pid: number; host: string; port: number; requestedPort: number }
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
  startedAt: number;
}

/** One client (or offline session) of the running broker. */
export interface BrokerClientInfo {
  clientId: string;
  connected: boolean;
  protocolVersion?: number;
  remoteAddress?: string;
  connectedAt?: number;
  keepalive?: number;
  cleanStart?: boolean;
  subscriptions: Array<{ filter: string; qos: number }>;
}
