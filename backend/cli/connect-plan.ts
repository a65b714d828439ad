/**
 * From a command line (and a saved profile, with --profile) to what the CLI's MQTT client
 * needs: the transport target and MQTT.js options. The checks mosquitto's clients make
 * before connecting (TLS files, username/password, TLS options) fail here with their words.
 * A profile goes through the app's own mapping (mqtt-options.ts); flags given override it.
 */

import { promises as fs } from 'node:fs';
import tls, { type ConnectionOptions } from 'node:tls';
import type { IClientOptions } from 'mqtt';
import { wasGiven, type MosquittoConfig } from '../../shared/mosquitto/config';
import { propertiesFor } from '../../shared/mosquitto/config';
import { toMqttJsProperties } from '../../shared/mosquitto/properties';
import type { Profile } from '../../shared/profile';
import { clientOptions } from '../mqtt-options';
import { loadTlsMaterial } from '../tls-material';
import { readCaPath, TLS_VERSIONS, type TransportTarget } from './transport';

/** What the client connects with. */
export interface ConnectPlan {
  target: TransportTarget;
  options: IClientOptions;
}

/** A pre-connect problem: the text mosquitto prints (quiet-suppressible) and exit code 1. */
export class PlanError extends Error {}

const UINT32_MAX = 4294967295;

/** mosquitto's generated 3.1 client ID: "mosq-" and 18 random alphanumerics. */
function randomId(): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let id = 'mosq-';
  for (let i = 0; i < 18; i++) id += chars[Math.floor(Math.random() * chars.length)];
  return id;
}

/** The client ID mosquitto would send: -i, -I with the PID, or none (a random one for 3.1). */
export function clientIdFor(config: MosquittoConfig): string {
  if (config.idPrefix !== undefined) return `${config.idPrefix}${process.pid}`;
  if (config.id !== undefined) return config.id;
  return config.protocolVersion === 3 ? randomId() : '';
}

async function readFileOrFail(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch {
    throw new PlanError('Error: Problem setting TLS options: File not found.\n');
  }
}

/** The TLS settings of the command line, as Node's tls options. */
async function tlsFromFlags(config: MosquittoConfig): Promise<ConnectionOptions> {
  const t = config.tls;
  const out: ConnectionOptions = {};
  const cas: Buffer[] = [];
  if (t.cafile || t.capath) {
    if (t.cafile) cas.push(await readFileOrFail(t.cafile));
    if (t.capath) cas.push(...(await readCaPath(t.capath).catch(() => [])));
    if (t.cert) out.cert = await readFileOrFail(t.cert);
    if (t.key) out.key = await readFileOrFail(t.key);
  } else if (t.psk) {
    if (!/^[0-9a-fA-F]+$/.test(t.psk)) throw new PlanError('Error: Problem setting TLS-PSK options.\n');
    const key = Buffer.from(t.psk, 'hex');
    const identity = t.pskIdentity!;
    out.pskCallback = () => ({ psk: key, identity });
    out.ciphers = t.ciphers ?? 'PSK';
    // TLS-PSK in OpenSSL 3 as Node uses it: up to TLS 1.2 without a certificate.
    out.maxVersion = 'TLSv1.2';
  }
  if (t.useOsCerts || (!t.cafile && !t.capath && !t.psk)) cas.push(...tls.rootCertificates.map((c) => Buffer.from(c)));
  if (cas.length && !t.psk) out.ca = cas;
  // --insecure skips the host name check only; the chain is still verified, as in mosquitto.
  if (t.insecure) out.checkServerIdentity = () => undefined;
  if (t.engine) throw new PlanError(`Error: Problem setting TLS engine, is ${t.engine} a valid engine?\n`);
  if (t.keyform && t.keyform !== 'pem' && t.keyform !== 'engine') throw new PlanError("Error: Problem setting key form, it must be one of 'pem' or 'engine'.\n");
  if (t.alpn) out.ALPNProtocols = [t.alpn];
  if (t.version || t.ciphers) {
    if (t.version && !TLS_VERSIONS[t.version]) throw new PlanError('Error: Problem setting TLS options, check the options are valid.\n');
    if (t.ciphers && !t.psk) out.ciphers = t.ciphers;
  }
  out.minVersion = t.version ? TLS_VERSIONS[t.version]! : 'TLSv1.2';
  return out;
}

/** Whether mosquitto would use TLS for this command line. */
export function usesTls(config: MosquittoConfig): boolean {
  const t = config.tls;
  return Boolean(t.cafile || t.capath || t.psk || t.useOsCerts || config.port === 8883);
}

/** Connect and will properties from -D (and -x), the v5 Receive Maximum libmosquitto always sends. */
function v5Properties(config: MosquittoConfig): IClientOptions['properties'] {
  const connect = (toMqttJsProperties(propertiesFor(config, 'connect')) ?? {}) as NonNullable<IClientOptions['properties']>;
  // libmosquitto adds Receive Maximum unless given: 20, or the -C count when below 20.
  connect.receiveMaximum ??= config.msgCount > 0 && config.msgCount < 20 ? config.msgCount : 20;
  return connect;
}

/** Builds the plan for a command line alone (mosquitto's behaviour). */
export async function planFromFlags(config: MosquittoConfig): Promise<ConnectPlan> {
  const v3 = config.protocolVersion !== 5;
  if (v3 && config.password !== undefined && config.username === undefined) throw new PlanError('Error: Problem setting username and/or password.\n');
  const secure = usesTls(config);
  const tlsOptions = secure ? await tlsFromFlags(config) : undefined;
  const port = config.port ?? (config.tls.cafile || config.tls.capath || config.tls.psk ? 8883 : 1883);
  const unix = config.port === 0;
  const target: TransportTarget = {
    kind: unix ? 'unix' : secure ? 'tls' : 'tcp',
    host: config.host ?? 'localhost',
    port,
    ...(unix ? { socketPath: config.host ?? 'localhost' } : {}),
    ...(config.bindAddress ? { localAddress: config.bindAddress } : {}),
    ...(config.tcpNoDelay ? { noDelay: true } : {}),
    ...(tlsOptions ? { tls: tlsOptions } : {}),
  };
  return { target, options: baseOptions(config, clientIdFor(config)) };
}

function baseOptions(config: MosquittoConfig, clientId: string): IClientOptions {
  const v5 = config.protocolVersion === 5;
  const options: IClientOptions = {
    protocolVersion: config.protocolVersion,
    ...(config.protocolVersion === 3 ? { protocolId: 'MQIsdp' as const } : {}),
    clientId,
    clean: config.clean,
    keepalive: config.keepalive,
    reconnectPeriod: 0,
    resubscribe: false,
    // mosquitto's clients wait for the TCP connection and the CONNACK as long as it takes.
    connectTimeout: 2 ** 31 - 1,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (config.will?.topic) {
    const willProps = v5 ? toMqttJsProperties(propertiesFor(config, 'will')) : undefined;
    options.will = {
      topic: config.will.topic,
      payload: Buffer.from(config.will.payload ?? ''),
      qos: config.will.qos,
      retain: config.will.retain,
      ...(willProps ? { properties: willProps } : {}),
    };
  }
  if (v5) options.properties = v5Properties(config);
  return options;
}

/** Builds the plan for --profile: the profile's connection, with the flags given on top. */
export async function planFromProfile(config: MosquittoConfig, profile: Profile): Promise<ConnectPlan> {
  const secure = profile.protocol === 'mqtts' || profile.protocol === 'wss';
  const material = secure ? await loadTlsMaterial(profile.tls) : {};
  const options: IClientOptions = { ...clientOptions(profile, material), reconnectPeriod: 0, resubscribe: false };
  const given = (...flags: string[]) => wasGiven(config, ...flags);
  if (given('-V', '--protocol-version', '-D', '--property')) {
    options.protocolVersion = config.protocolVersion;
    if (config.protocolVersion === 3) options.protocolId = 'MQIsdp';
    else delete options.protocolId;
  }
  if (given('-i', '--id', '-I', '--id-prefix')) options.clientId = clientIdFor(config);
  if (given('-u', '--username', '-L', '--url')) options.username = config.username;
  if (given('-P', '--pw', '-L', '--url')) options.password = config.password;
  if (given('-k', '--keepalive')) options.keepalive = config.keepalive;
  if (given('-c', '--disable-clean-session')) options.clean = false;
  if (config.will?.topic) options.will = baseOptions(config, '').will!;
  if (options.protocolVersion === 5) {
    const fromFlags = v5Properties(config) ?? {};
    options.properties = { ...(options.properties ?? {}), ...fromFlags };
    if (config.sessionExpiryInterval === -1 && profile.mqtt5.sessionExpiryInterval !== undefined) options.properties.sessionExpiryInterval = profile.mqtt5.sessionExpiryInterval;
    if (config.sessionExpiryInterval > 0) options.properties.sessionExpiryInterval = Math.min(config.sessionExpiryInterval, UINT32_MAX);
  }
  const tlsOverrides = usesTls(config) && (config.tls.cafile || config.tls.capath || config.tls.psk) ? await tlsFromFlags(config) : {};
  const kind = profile.protocol === 'mqtt' ? 'tcp' : profile.protocol === 'mqtts' ? 'tls' : profile.protocol;
  const tlsBase: ConnectionOptions = {
    ...(material.ca ? { ca: material.ca } : {}),
    ...(material.cert ? { cert: material.cert } : {}),
    ...(material.key ? { key: material.key } : {}),
    ...(material.passphrase ? { passphrase: material.passphrase } : {}),
    rejectUnauthorized: profile.tls.rejectUnauthorized,
    ...(profile.tls.servername ? { servername: profile.tls.servername } : {}),
    ...(options.ALPNProtocols ? { ALPNProtocols: options.ALPNProtocols as string[] } : {}),
  };
  if (config.tls.insecure) tlsBase.checkServerIdentity = () => undefined;
  const target: TransportTarget = {
    kind: kind === 'tls' || kind === 'tcp' ? (Object.keys(tlsOverrides).length ? 'tls' : kind) : kind,
    host: given('-h', '--host', '-L', '--url') ? config.host! : profile.host,
    port: given('-p', '--port', '-L', '--url') ? config.port! : profile.port,
    ...(config.bindAddress ? { localAddress: config.bindAddress } : {}),
    ...(config.tcpNoDelay ? { noDelay: true } : {}),
    tls: { ...tlsBase, ...tlsOverrides },
    ...(kind === 'ws' || kind === 'wss' ? { socketPath: profile.path } : {}),
  };
  return { target, options };
}
