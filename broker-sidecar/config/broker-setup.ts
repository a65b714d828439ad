/**
 * Turns a parsed mosquitto.conf (BrokerConfig) into what the broker is built from: broker
 * options for the limits, one listener spec per listener, each with its own
 * FileAuthenticator and TLS-PSK keys, and what the CLI does around the broker (log
 * destinations, persistence, pid file, user). One authenticator per listener because
 * use_identity_as_username is a listener option even when the password and ACL files are
 * global (each reads its files; they are small).
 */

import path from 'node:path';
import { createFileAuthenticator } from '../auth/file-authenticator';
import { loadPskFile } from '../auth/psk-file';
import type { ListenerSpec } from '../listeners';
import type { Logger } from '../logger';
import { PROTOCOL_MAX_PACKET_BYTES, type BrokerOptions } from '../options';
import type { BridgeConfig } from './bridge-types';
import type { BrokerConfig, LimitsConfig, ListenerConfig } from './broker-config';
import type { ConfigIssue } from './config-error';

/** What `createBroker`, `openListener` and the CLI need to run a configuration. */
export interface BrokerSetup {
  options: BrokerOptions;
  listeners: ListenerSpec[];
  /** The file's logging options (the CLI applies them); undefined without a file. */
  logging?: BrokerConfig['logging'];
  /** The persistence store's directory when the file says `persistence true`; the caller opens it. */
  dataDir?: string | undefined;
  /** autosave_interval / autosave_on_changes when the file sets them: saves are batched instead of written through. */
  autosave?: { interval: number; onChanges: boolean } | undefined;
  /** pid_file. */
  pidFile?: string | undefined;
  /** The user the process switched to when started as root (mosquitto's `user`, default `mosquitto`); undefined without a file. */
  user?: string | undefined;
  /** Lines accepted with a warning, and mosquitto's notices, for the log at start. */
  warnings?: ConfigIssue[];
  notices?: ConfigIssue[];
  /** The file's bridges (`connection` blocks); started once the listeners are up. */
  bridges?: BridgeConfig[];
}

/**
 * Where `persistence true` keeps the store without a `persistence_location`. mosquitto
 * writes its mosquitto.db into the current directory; ours is a LevelDB directory, so it
 * gets a name of its own there instead of filling the current directory with files.
 */
export const DEFAULT_PERSISTENCE_DIR = 'mqtt-desk-broker.db';

/** mosquitto's default `user`: the one it switches to when started as root. */
export const DEFAULT_USER = 'mosquitto';

/** Builds broker options and listener specs; rejects when a password, ACL or PSK file cannot be read (ConfigError for bad lines). */
export async function brokerSetup(config: BrokerConfig, log: Logger): Promise<BrokerSetup> {
  const pskKeys = new Map<string, Promise<Map<string, Buffer>>>();
  const keysOf = (file: string): Promise<Map<string, Buffer>> => {
    let keys = pskKeys.get(file);
    if (!keys) pskKeys.set(file, (keys = loadPskFile(file)));
    return keys;
  };
  const listeners = await Promise.all(config.listeners.map((listener) => listenerSpec(config, listener, log, keysOf)));
  const { persistence } = config;
  const location = persistence.location ?? (persistence.file === undefined ? path.resolve(DEFAULT_PERSISTENCE_DIR) : process.cwd());
  const dataDir = persistence.enabled ? (persistence.file === undefined ? location : path.resolve(location, persistence.file)) : undefined;
  const autosave = persistence.autosaveInterval === undefined ? undefined : { interval: persistence.autosaveInterval, onChanges: persistence.autosaveOnChanges };
  return {
    options: { ...limitOptions(config.limits), sysInterval: config.sysInterval },
    listeners,
    logging: config.logging,
    dataDir,
    autosave,
    pidFile: config.pidFile,
    user: config.user ?? DEFAULT_USER,
    warnings: config.warnings,
    notices: config.notices,
    bridges: config.bridges,
  };
}

/** Maps mosquitto's limits onto the broker options that implement them. */
export function limitOptions(limits: LimitsConfig): BrokerOptions {
  return {
    maxConnections: limits.maxConnections,
    maxPayloadBytes: limits.messageSizeLimit,
    maxPacketBytes: limits.maxPacketSize > 0 ? Math.min(limits.maxPacketSize, PROTOCOL_MAX_PACKET_BYTES) : PROTOCOL_MAX_PACKET_BYTES,
    // mosquitto announces max_inflight_messages as the 5.0 Receive Maximum and holds outgoing messages to it; 0 means unlimited.
    receiveMaximum: limits.maxInflightMessages === 0 ? 65535 : Math.min(limits.maxInflightMessages, 65535),
    maxInflightMessages: limits.maxInflightMessages,
    maxInflightBytes: limits.maxInflightBytes,
    maxQueuedMessages: limits.maxQueuedMessages === 0 ? Number.MAX_SAFE_INTEGER : limits.maxQueuedMessages,
    maxQueuedBytes: limits.maxQueuedBytes,
    maxKeepalive: limits.maxKeepalive,
    retainAvailable: limits.retainAvailable,
    allowControlCharacters: limits.allowControlCharacters,
    memoryLimit: limits.memoryLimit,
    queueQos0Messages: limits.queueQos0Messages,
    upgradeOutgoingQos: limits.upgradeOutgoingQos,
    checkRetainSource: limits.checkRetainSource,
    clientidPrefixes: limits.clientidPrefixes ?? '',
    persistentClientExpiration: limits.persistentClientExpiration,
  };
}

async function listenerSpec(config: BrokerConfig, listener: ListenerConfig, log: Logger, keysOf: (file: string) => Promise<Map<string, Buffer>>): Promise<ListenerSpec> {
  const { security } = listener;
  const usesIdentity = listener.useIdentityAsUsername || listener.useSubjectAsUsername;
  const authenticator = await createFileAuthenticator({
    allowAnonymous: security.allowAnonymous,
    passwordFile: security.passwordFile,
    aclFile: security.aclFile,
    useIdentityAsUsername: usesIdentity,
    logger: log,
  });
  const psk = listener.pskHint === undefined ? undefined : { hint: listener.pskHint, keys: security.pskFile === undefined ? new Map<string, Buffer>() : await keysOf(security.pskFile) };
  return {
    kind: listener.kind,
    port: listener.port,
    // mosquitto binds every interface when a listener names no address.
    host: listener.bindAddress ?? '*',
    unixSocketPath: listener.unixSocketPath,
    socketDomain: listener.socketDomain,
    bindInterface: listener.bindInterface,
    noDelay: config.limits.setTcpNodelay,
    cafile: listener.cafile,
    capath: listener.capath,
    certfile: listener.certfile,
    keyfile: listener.keyfile,
    crlfile: listener.crlfile,
    ciphers: listener.ciphers,
    ciphersTls13: listener.ciphersTls13,
    dhparamfile: listener.dhparamfile,
    tlsVersion: listener.tlsVersion,
    requireCertificate: listener.requireCertificate,
    useIdentity: listener.useIdentityAsUsername,
    useSubject: listener.useSubjectAsUsername && !listener.useIdentityAsUsername, // the CN wins when both are set, as in mosquitto
    psk,
    httpDir: listener.httpDir,
    websocketsHeadersSize: config.websocketsHeadersSize || undefined,
    // libwebsockets logs only with log_type websockets on; our websockets lines follow the same switch.
    websocketsLogLevel: config.logging.websocketsLogLevel,
    maxConnections: listener.maxConnections,
    overrides: {
      maximumQos: listener.maxQos,
      topicAliasMaximum: listener.maxTopicAlias,
      mountPoint: listener.mountPoint ?? '',
      useUsernameAsClientid: listener.useUsernameAsClientid,
      allowZeroLengthClientid: security.allowZeroLengthClientid,
      autoIdPrefix: security.autoIdPrefix,
    },
    access: { authenticator },
  };
}
