/**
 * Turns a parsed mosquitto.conf (BrokerConfig) into what the broker is built from: broker
 * options for the limits and one listener spec per listener, each with its own
 * FileAuthenticator. One authenticator per listener because use_identity_as_username is a
 * listener option even when the password and ACL files are global (each reads its files;
 * they are small).
 */

import path from 'node:path';
import { createFileAuthenticator } from '../auth/file-authenticator';
import type { ListenerSpec } from '../listeners';
import type { Logger } from '../logger';
import type { BrokerOptions } from '../options';
import type { BrokerConfig, LimitsConfig, ListenerConfig } from './broker-config';

/** What `createBroker` and `listenOn` need to run a configuration. */
export interface BrokerSetup {
  options: BrokerOptions;
  listeners: ListenerSpec[];
  /** The file's log_type and log_dest (the CLI applies them); undefined without a file. */
  logging?: BrokerConfig['logging'];
  /** The persistence store's directory when the file says `persistence true`; the caller opens it. */
  dataDir?: string | undefined;
}

/**
 * Where `persistence true` keeps the store without a `persistence_location`. mosquitto
 * writes its mosquitto.db into the current directory; ours is a LevelDB directory, so it
 * gets a name of its own there instead of filling the current directory with files.
 */
export const DEFAULT_PERSISTENCE_DIR = 'mqtt-desk-broker.db';

/**
 * mosquitto binds every interface when a listener names no address. IPv4 only, because
 * "::" fails on hosts with IPv6 switched off and a debugging broker should start anyway.
 */
const ALL_INTERFACES = '0.0.0.0';

/** Builds broker options and listener specs; rejects when a password or ACL file cannot be read (ConfigError for bad lines). */
export async function brokerSetup(config: BrokerConfig, log: Logger): Promise<BrokerSetup> {
  const listeners = await Promise.all(config.listeners.map((listener) => listenerSpec(listener, log)));
  const { persistence } = config;
  const dataDir = persistence.enabled ? (persistence.location ?? path.resolve(DEFAULT_PERSISTENCE_DIR)) : undefined;
  return { options: { ...limitOptions(config.limits), sysInterval: config.sysInterval }, listeners, logging: config.logging, dataDir };
}

/** Maps mosquitto's limits onto the broker options that implement them. */
export function limitOptions(limits: LimitsConfig): BrokerOptions {
  return {
    maxConnections: limits.maxConnections,
    maxPayloadBytes: limits.messageSizeLimit,
    // mosquitto announces max_inflight_messages as the 5.0 Receive Maximum; 0 means unlimited (65535 is the most MQTT can say).
    receiveMaximum: limits.maxInflightMessages === 0 ? 65535 : Math.min(limits.maxInflightMessages, 65535),
    maxQueuedMessages: limits.maxQueuedMessages === 0 ? Number.MAX_SAFE_INTEGER : limits.maxQueuedMessages,
    maxKeepalive: limits.maxKeepalive,
    retainAvailable: limits.retainAvailable,
    allowControlCharacters: limits.allowControlCharacters,
  };
}

async function listenerSpec(listener: ListenerConfig, log: Logger): Promise<ListenerSpec> {
  const { security } = listener;
  const authenticator = await createFileAuthenticator({
    allowAnonymous: security.allowAnonymous,
    passwordFile: security.passwordFile,
    aclFile: security.aclFile,
    useIdentityAsUsername: listener.useIdentityAsUsername,
    logger: log,
  });
  return {
    kind: listener.kind,
    port: listener.port,
    host: listener.bindAddress ?? ALL_INTERFACES,
    cafile: listener.cafile,
    certfile: listener.certfile,
    keyfile: listener.keyfile,
    requireCertificate: listener.requireCertificate,
    useIdentity: listener.useIdentityAsUsername,
    access: { authenticator },
  };
}
