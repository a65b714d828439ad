/**
 * What the bridge section of a mosquitto.conf is read into (bridge-conf.ts), with
 * mosquitto 2.0's defaults; the bridge runtime (bridge/) depends on these shapes only.
 */

/** Which way a `topic` line carries messages. */
export type BridgeDirection = 'in' | 'out' | 'both';

/** One `topic pattern [[[out|in|both] qos] local-prefix remote-prefix]` line. */
export interface BridgeTopic {
  /** The pattern as written; '' for the `""` place marker. */
  pattern: string;
  direction: BridgeDirection;
  qos: 0 | 1 | 2;
  localPrefix: string;
  remotePrefix: string;
  /** localPrefix + pattern: the filter subscribed on the local broker (out, both). */
  localTopic: string;
  /** remotePrefix + pattern: the filter subscribed on the remote broker (in, both). */
  remoteTopic: string;
  line: number;
}

/** One remote broker address. */
export interface BridgeAddress {
  host: string;
  port: number;
}

/** How long an automatic bridge waits before it reconnects. */
export type RestartTimeout = { kind: 'constant'; seconds: number } | { kind: 'backoff'; base: number; cap: number };

/** A bridge's TLS settings; `enabled` when bridge_cafile, bridge_capath or bridge_psk is set (as mosquitto decides). */
export interface BridgeTls {
  enabled: boolean;
  cafile: string | undefined;
  capath: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  insecure: boolean;
  alpn: string | undefined;
  version: 'tlsv1' | 'tlsv1.1' | 'tlsv1.2' | 'tlsv1.3' | undefined;
  requireOcsp: boolean;
  identity: string | undefined;
  /** The pre-shared key in hex, as written. */
  psk: string | undefined;
}

/** One `connection` block with mosquitto 2.0's defaults filled in. */
export interface BridgeConfig {
  name: string;
  /** Line of the `connection` directive. */
  line: number;
  addresses: BridgeAddress[];
  topics: BridgeTopic[];
  /** 3 = mqttv31, 4 = mqttv311 (default), 5 = mqttv50. */
  protocolVersion: 3 | 4 | 5;
  tryPrivate: boolean;
  cleanSession: boolean;
  localCleanSession: boolean;
  remoteClientId: string;
  remoteUsername: string | undefined;
  remotePassword: string | undefined;
  localClientId: string;
  localUsername: string | undefined;
  localPassword: string | undefined;
  notifications: boolean;
  /** Where the 1/0 state goes; default `$SYS/broker/connection/<remote clientid>/state`. */
  notificationTopic: string;
  notificationsLocalOnly: boolean;
  keepalive: number;
  startType: 'automatic' | 'lazy' | 'once';
  idleTimeout: number;
  threshold: number;
  restartTimeout: RestartTimeout;
  roundRobin: boolean;
  attemptUnsubscribe: boolean;
  outgoingRetain: boolean;
  /** 0: unlimited. */
  maxPacketSize: number;
  bindAddress: string | undefined;
  tls: BridgeTls;
  /** Values mosquitto would have changed, said once when the bridge starts. */
  notes: string[];
}
