/**
 * Connections from MQTT Explorer and MQTT.fx 1.x, mapped to profile input (validated by the
 * caller). MQTT Explorer keeps them in its settings.json under "ConnectionManager_connections"
 * (ConnectionOptions, configVersion 1: host, protocol mqtt|ws, basePath, encryption,
 * certValidation, base64 certificates, subscriptions). MQTT.fx 1.x keeps them in
 * mqttfx-config.xml: configuration > connectionProfiles > connectionProfile with
 * profileName, brokerAddress, brokerPort and connectionOptions, and predefined messages,
 * which come over as a publish collection.
 */

import { base64Decode } from '../base64';
import { utf8DecodeStrict } from '../utf8';
import { child, childText, children, parseXml, type XmlElement } from '../xml-lite';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** MQTT Explorer's connections, in any of the shapes a user may hand over: the settings file, its dictionary, or a list. */
export function mqttExplorerConnections(data: unknown): Json[] | undefined {
  const looksLike = (v: unknown) => isRecord(v) && v.type === 'mqtt' && 'encryption' in v && 'host' in v;
  const dictionary = isRecord(data) && isRecord(data.ConnectionManager_connections) ? data.ConnectionManager_connections : data;
  const list = Array.isArray(dictionary) ? dictionary : isRecord(dictionary) ? Object.values(dictionary) : [];
  return list.length > 0 && list.every(looksLike) ? (list as Json[]) : undefined;
}

/** A certificate MQTT Explorer stored base64-encoded: its PEM text, or undefined for DER. */
function certificate(value: unknown, warnings: string[], what: string): string {
  if (!isRecord(value) || typeof value.data !== 'string') return '';
  const text = utf8DecodeStrict(base64Decode(value.data));
  if (text?.includes('-----BEGIN')) return text;
  warnings.push(`${what} ${String(value.name ?? '')} is not PEM and was left out`);
  return '';
}

/** One MQTT Explorer connection → profile input. */
export function fromMqttExplorer(c: Json, warnings: string[]): Json {
  const secure = c.encryption === true;
  const ws = c.protocol === 'ws';
  const basePath = typeof c.basePath === 'string' && c.basePath ? c.basePath : 'mqtt';
  return {
    name: c.name,
    protocol: ws ? (secure ? 'wss' : 'ws') : secure ? 'mqtts' : 'mqtt',
    host: c.host,
    port: c.port,
    path: `/${basePath.replace(/^\/+/, '')}`,
    // MQTT Explorer speaks MQTT 3.1.1 (MQTT.js's default).
    mqttVersion: '3.1.1',
    clientId: typeof c.clientId === 'string' ? c.clientId : '',
    username: typeof c.username === 'string' ? c.username : '',
    password: typeof c.password === 'string' ? c.password : '',
    tls: {
      ca: certificate(c.selfSignedCertificate, warnings, 'The CA'),
      cert: certificate(c.clientCertificate, warnings, 'The client certificate'),
      key: certificate(c.clientKey, warnings, 'The client key'),
      rejectUnauthorized: c.certValidation !== false,
    },
    subscriptions: Array.isArray(c.subscriptions) ? c.subscriptions.filter(isRecord).map((s) => ({ filter: s.topic, qos: s.qos ?? 0 })) : [],
  };
}

/** A predefined message of MQTT.fx, for a collection. */
export interface MqttFxMessage {
  name: string;
  topic: string;
  qos: number;
  retain: boolean;
  payload: string;
}

/** One MQTT.fx profile: the profile input and its predefined messages. */
export interface MqttFxProfile {
  profile: Json;
  messages: MqttFxMessage[];
}

/** Reads mqttfx-config.xml; undefined when the text is not MQTT.fx's configuration. */
export function parseMqttFx(text: string): MqttFxProfile[] | undefined {
  if (!text.trimStart().startsWith('<')) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    throw new Error(`The file is not well-formed XML: ${(error as Error).message}`);
  }
  if (root.name !== 'configuration' || !child(root, 'connectionProfiles')) throw new Error('Not an MQTT.fx configuration: expected <configuration><connectionProfiles>…');
  return children(child(root, 'connectionProfiles'), 'connectionProfile').map((p) => {
    const o = child(p, 'connectionOptions');
    const version = childText(o, 'mqttVersion') ?? '';
    const secure = /^(true|1)$/i.test(childText(o, 'enableSSL') ?? childText(o, 'sslEnabled') ?? '') || Boolean(childText(o, 'caFile'));
    const number = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
    const timeout = number(childText(o, 'connectionTimeout'));
    const keepalive = number(childText(o, 'keepAliveInterval'));
    const profile: Json = {
      name: `MQTT.fx ${childText(p, 'profileName') ?? ''}`.trim(),
      protocol: secure ? 'mqtts' : 'mqtt',
      host: childText(p, 'brokerAddress'),
      port: number(childText(p, 'brokerPort')),
      mqttVersion: /3_?1_?1|3\.1\.1|311/.test(version) ? '3.1.1' : /3_?1|3\.1/.test(version) ? '3.1' : /5/.test(version) ? '5.0' : '3.1.1',
      clientId: childText(o, 'clientId') ?? '',
      username: childText(o, 'userName') ?? '',
      password: childText(o, 'password') ?? '',
      clean: !/^false$/i.test(childText(o, 'cleanSession') ?? 'true'),
      // MQTT.fx counts the connect timeout in seconds, the desk in milliseconds.
      ...(timeout !== undefined ? { connectTimeout: Math.max(1, timeout) * 1000 } : {}),
      ...(keepalive !== undefined ? { keepalive } : {}),
      tls: { ca: childText(o, 'caFile') ?? '', cert: childText(o, 'clientCertificateFile') ?? '', key: childText(o, 'clientKeyFile') ?? '' },
    };
    const messages = children(child(p, 'preDefinedMessages'), 'message').map((m) => ({
      name: childText(m, 'name') ?? childText(child(m, 'topic'), 'name') ?? 'message',
      topic: childText(child(m, 'topic'), 'name') ?? childText(m, 'topic') ?? '',
      qos: Number(childText(m, 'qos') ?? 0),
      retain: /^true$/i.test(childText(m, 'retained') ?? ''),
      payload: childText(m, 'payload') ?? '',
    }));
    return { profile, messages };
  });
}
