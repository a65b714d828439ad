/**
 * The broker configuration that a mosquitto.conf is read into (see mosquitto-conf.ts), with
 * mosquitto 2.0's defaults. Kept apart from the parser so the broker can depend on the shape
 * without the parsing.
 */

/** How a listener speaks: plain MQTT, MQTT over TLS, WebSocket, WebSocket over TLS. */
export type ListenerKind = 'tcp' | 'tls' | 'ws' | 'wss';

/** mosquitto's `log_type` values. */
export type LogType = 'error' | 'warning' | 'notice' | 'information' | 'debug' | 'subscribe' | 'unsubscribe' | 'websockets' | 'none' | 'all';

/** One `log_dest`; `file` carries its path. */
export type LogDestination = { kind: 'stdout' | 'stderr' | 'syslog' | 'topic' | 'dlt' | 'none' } | { kind: 'file'; path: string };

/** Who may connect and what they may do; global, or per listener with per_listener_settings. */
export interface SecuritySettings {
  allowAnonymous: boolean;
  /** Absolute path, or undefined for none. */
  passwordFile: string | undefined;
  /** Absolute path, or undefined for none. */
  aclFile: string | undefined;
}

/** One listening socket. */
export interface ListenerConfig {
  port: number;
  /** Address or host name to bind; undefined means all interfaces. */
  bindAddress: string | undefined;
  protocol: 'mqtt' | 'websockets';
  /** tls/wss when a certfile is set. */
  kind: ListenerKind;
  cafile: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  requireCertificate: boolean;
  useIdentityAsUsername: boolean;
  /** The security settings in force on this listener (the global ones unless per_listener_settings). */
  security: SecuritySettings;
  /** Line of the `listener` directive; 0 for the default listener made from port/bind_address or implied. */
  line: number;
}

/** Broker-wide limits, with mosquitto's defaults. */
export interface LimitsConfig {
  /** -1: unlimited. */
  maxConnections: number;
  /** 0: unlimited. */
  maxInflightMessages: number;
  /** 0: unlimited. */
  maxQueuedMessages: number;
  /** Bytes of payload; 0: no limit beyond MQTT's own. */
  messageSizeLimit: number;
  maxKeepalive: number;
  retainAvailable: boolean;
  /** MQTT Desk extension `allow_control_characters`: accept control characters and noncharacters in strings. */
  allowControlCharacters: boolean;
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
  persistence: { enabled: boolean; location: string | undefined };
  /** Seconds between $SYS updates; 0 disables them. */
  sysInterval: number;
  logging: { types: LogType[]; destinations: LogDestination[] };
}

/** mosquitto 2.0's defaults for the limits. */
export const DEFAULT_LIMITS: Readonly<LimitsConfig> = {
  maxConnections: -1,
  maxInflightMessages: 20,
  maxQueuedMessages: 1000,
  messageSizeLimit: 0,
  maxKeepalive: 65535,
  retainAvailable: true,
  allowControlCharacters: false,
};
