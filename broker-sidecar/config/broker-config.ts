/**
 * The broker configuration that a mosquitto.conf is read into (see mosquitto-conf.ts), with
 * mosquitto 2.0's defaults. Kept apart from the parser so the broker can depend on the shape
 * without the parsing.
 */

import type { BridgeConfig } from './bridge-types';
import type { ConfigIssue } from './config-error';

/** How a listener speaks: plain MQTT, MQTT over TLS, WebSocket, WebSocket over TLS. */
export type ListenerKind = 'tcp' | 'tls' | 'ws' | 'wss';

/** mosquitto's `log_type` values (`internal` is accepted by mosquitto 2.0 too, undocumented). */
export type LogType = 'error' | 'warning' | 'notice' | 'information' | 'debug' | 'subscribe' | 'unsubscribe' | 'websockets' | 'internal' | 'none' | 'all';

/** One `log_dest`; `file` carries its path. */
export type LogDestination = { kind: 'stdout' | 'stderr' | 'syslog' | 'topic' | 'dlt' | 'none' } | { kind: 'file'; path: string };

/** mosquitto's `tls_version` values: the lowest TLS version a listener accepts. */
export type TlsVersion = 'tlsv1.1' | 'tlsv1.2' | 'tlsv1.3';

/** Who may connect and what they may do; global, or per listener with per_listener_settings. */
export interface SecuritySettings {
  allowAnonymous: boolean;
  /** Absolute path, or undefined for none. */
  passwordFile: string | undefined;
  /** Absolute path, or undefined for none. */
  aclFile: string | undefined;
  /** TLS-PSK identities and keys (`identity:hexkey` lines); absolute path or undefined. */
  pskFile: string | undefined;
  /** Whether 3.1.1/5.0 clients may send an empty client ID and get one assigned. Default true. */
  allowZeroLengthClientid: boolean;
  /** Prefix of assigned client IDs. Default `auto-`. */
  autoIdPrefix: string;
}

/** What mosquitto.conf sets per listener, as read (and as the listener runs with it). */
export interface ListenerSettings {
  /** Address or host name to bind; undefined means all interfaces. */
  bindAddress: string | undefined;
  /** `listener 0 PATH`: listen on a Unix domain socket instead of TCP. */
  unixSocketPath: string | undefined;
  protocol: 'mqtt' | 'websockets';
  cafile: string | undefined;
  /** A directory of CA certificates (PEM files, as `openssl rehash` leaves them). */
  capath: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  /** OpenSSL cipher list for TLS 1.2 and below. */
  ciphers: string | undefined;
  /** TLS 1.3 cipher suites, colon separated. */
  ciphersTls13: string | undefined;
  crlfile: string | undefined;
  dhparamfile: string | undefined;
  tlsVersion: TlsVersion | undefined;
  requireCertificate: boolean;
  useIdentityAsUsername: boolean;
  useSubjectAsUsername: boolean;
  /** Enables TLS-PSK on the listener; sent to TLS 1.2 clients as the identity hint. */
  pskHint: string | undefined;
  /** `ipv4` or `ipv6` only; undefined: both where the host has them. */
  socketDomain: 'ipv4' | 'ipv6' | undefined;
  /** Listen only on this network interface's addresses. */
  bindInterface: string | undefined;
  /** Static files served to plain HTTP requests on a websockets listener. */
  httpDir: string | undefined;
  /** Open connections on this listener beyond which new ones are closed; -1: no limit. */
  maxConnections: number;
  /** Highest QoS clients of this listener may use (announced to 5.0 clients). */
  maxQos: 0 | 1 | 2;
  /** Topic aliases 5.0 clients of this listener may set up. Default 10. */
  maxTopicAlias: number;
  /** Prefix added to every topic of this listener's clients and removed from what they receive. */
  mountPoint: string | undefined;
  /** Replace the client ID by the username (clients without one are refused). */
  useUsernameAsClientid: boolean;
  /** Line of the `listener` directive; 0 for the default listener made from port/bind_address or implied. */
  line: number;
}

/** One listening socket. */
export interface ListenerConfig extends ListenerSettings {
  /** 0 with `unixSocketPath`: a Unix domain socket. */
  port: number;
  /** tls/wss when a certfile and keyfile (or, for mqtt, a psk_hint) are set. */
  kind: ListenerKind;
  /** The security settings in force on this listener (the global ones unless per_listener_settings). */
  security: SecuritySettings;
}

/** Broker-wide limits and behaviour switches, with mosquitto's defaults. */
export interface LimitsConfig {
  /** -1: unlimited. Kept for embedders; mosquitto.conf's max_connections is per listener. */
  maxConnections: number;
  /** 0: unlimited. Outgoing QoS 1/2 in flight per client, and the 5.0 Receive Maximum announced. */
  maxInflightMessages: number;
  /** 0: unlimited. Payload bytes of outgoing QoS 1/2 in flight per client. */
  maxInflightBytes: number;
  /** 0: unlimited. */
  maxQueuedMessages: number;
  /** 0: unlimited. Payload bytes queued per client. */
  maxQueuedBytes: number;
  /** Bytes of payload; 0: no limit beyond MQTT's own. */
  messageSizeLimit: number;
  /** Largest packet accepted from clients, header included; 0: MQTT's own limit. */
  maxPacketSize: number;
  maxKeepalive: number;
  retainAvailable: boolean;
  /** MQTT Desk extension `allow_control_characters`: accept control characters and noncharacters in strings. */
  allowControlCharacters: boolean;
  /** Bytes of message data the broker may hold; 0: no limit. */
  memoryLimit: number;
  /** Queue QoS 0 messages for offline durable sessions too. */
  queueQos0Messages: boolean;
  /** Deliver at the subscription's QoS even when the message's was lower (non-standard). */
  upgradeOutgoingQos: boolean;
  /** Check the publisher's write access again before sending a retained message to a new subscriber. */
  checkRetainSource: boolean;
  /** Only client IDs with this prefix may connect (deprecated in mosquitto). */
  clientidPrefixes: string | undefined;
  /** TCP_NODELAY on client sockets (mosquitto's default is false). */
  setTcpNodelay: boolean;
  /** Seconds after which an offline durable session ends at the latest; 0: as the session says. */
  persistentClientExpiration: number;
}

/** persistence, persistence_location, persistence_file, autosave_interval, autosave_on_changes. */
export interface PersistenceConfig {
  enabled: boolean;
  /** The folder of the store; the store itself when `file` is unset (our LevelDB directory). */
  location: string | undefined;
  /** A store name inside `location` (mosquitto's persistence_file). */
  file: string | undefined;
  /**
   * Seconds between saves (or, with autosaveOnChanges, changes between saves); 0: only at
   * exit and on SIGUSR1. Undefined (not in the file): every change is written through at once.
   */
  autosaveInterval: number | undefined;
  autosaveOnChanges: boolean;
}

/** Where log lines go and how they look. */
export interface LoggingSettings {
  types: LogType[];
  destinations: LogDestination[];
  /** Prefix each line with a timestamp (log_timestamp). Default true. */
  timestamp: boolean;
  /** strftime format of that timestamp; undefined: seconds since the epoch. */
  timestampFormat: string | undefined;
  /** syslog facility code: 3 (daemon) by default, 16-23 for local0-local7. */
  facility: number;
  /** Log clients connecting and disconnecting (connection_messages). Default true. */
  connectionMessages: boolean;
  /** libwebsockets' log level bits, for log_type websockets lines. */
  websocketsLogLevel: number;
}

/** A parsed configuration file. */
export interface BrokerConfig {
  /** The file as it was named to the parser. */
  file: string;
  perListenerSettings: boolean;
  /** Never empty: with no listener configured, mosquitto 2 listens on localhost:1883 only. */
  listeners: ListenerConfig[];
  /** The global security settings (listeners carry the effective ones). */
  security: SecuritySettings;
  limits: LimitsConfig;
  persistence: PersistenceConfig;
  /** Seconds between $SYS updates; 0 disables them. */
  sysInterval: number;
  logging: LoggingSettings;
  /** Write the process ID here while running. */
  pidFile: string | undefined;
  /** The user to switch to when started as root; undefined: mosquitto's default, `mosquitto`. */
  user: string | undefined;
  /** Largest HTTP header block a websockets listener reads; 0: the default. */
  websocketsHeadersSize: number;
  /** Accepted lines that cannot apply here (plugins, engines, dlt), for one warning each at start. */
  warnings: ConfigIssue[];
  /** mosquitto's own notes on accepted lines (deprecated options), logged at start as notices. */
  notices: ConfigIssue[];
  /** The `connection` blocks, in file order. */
  bridges: BridgeConfig[];
}

/** mosquitto 2.0's defaults for the limits. */
export const DEFAULT_LIMITS: Readonly<LimitsConfig> = {
  maxConnections: -1,
  maxInflightMessages: 20,
  maxInflightBytes: 0,
  maxQueuedMessages: 1000,
  maxQueuedBytes: 0,
  messageSizeLimit: 0,
  maxPacketSize: 0,
  maxKeepalive: 65535,
  retainAvailable: true,
  allowControlCharacters: false,
  memoryLimit: 0,
  queueQos0Messages: false,
  upgradeOutgoingQos: false,
  checkRetainSource: true,
  clientidPrefixes: undefined,
  setTcpNodelay: false,
  persistentClientExpiration: 0,
};

/** syslog's `daemon` facility, mosquitto's default. */
export const LOG_DAEMON = 3;

/** mosquitto 2.0's logging defaults. */
export const DEFAULT_LOGGING: Readonly<LoggingSettings> = {
  types: ['error', 'warning', 'notice', 'information'],
  destinations: [{ kind: 'stderr' }],
  timestamp: true,
  timestampFormat: undefined,
  facility: LOG_DAEMON,
  connectionMessages: true,
  websocketsLogLevel: 0,
};
