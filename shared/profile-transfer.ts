/**
 * Moving profiles between machines and tools: MQTT Desk's own export format, MQTTX's
 * exported connections (its "Export data" JSON), MQTT Explorer's settings.json and MQTT.fx
 * 1.x's mqttfx-config.xml (see profile-import/other-tools.ts). Parsing is pure so the same
 * rules hold wherever a file is read; every entry is validated by the profile schema, and
 * entries that do not fit are reported by name rather than dropped silently.
 */

import type { CollectionRequest } from './collections';
import { checkProfile, type Profile, type ProfileValue } from './profile';
import { fromMqttExplorer, mqttExplorerConnections, parseMqttFx } from './profile-import/other-tools';

/** The top level of an MQTT Desk export. */
export interface ProfileExport {
  format: 'mqtt-desk-profiles';
  version: 1;
  exportedAt: string;
  profiles: ProfileValue[];
}

/** Where an imported file came from. */
export type ImportSource = 'mqtt-desk' | 'mqttx' | 'mqtt-explorer' | 'mqtt-fx';

/** A publish collection an import brings along (MQTT.fx's predefined messages). */
export interface ImportedCollection {
  name: string;
  requests: Array<Pick<CollectionRequest, 'name' | 'topic' | 'qos' | 'retain' | 'payload'>>;
}

/** What an import found: profiles ready to save, and entries it could not use. */
export interface ImportResult {
  source: ImportSource;
  profiles: ProfileValue[];
  skipped: Array<{ name: string; reason: string }>;
  /** Notes on what a profile could not carry over (a certificate that is not PEM). */
  warnings: string[];
  collections: ImportedCollection[];
}

/**
 * Builds the export document; secrets are blanked unless asked for. A TLS key log path is
 * never exported: importing it elsewhere would log that machine's session keys unasked.
 */
export function exportProfiles(profiles: readonly Profile[], options: { includeSecrets: boolean; now: Date }): ProfileExport {
  return {
    format: 'mqtt-desk-profiles',
    version: 1,
    exportedAt: options.now.toISOString(),
    profiles: profiles.map(({ id: _id, ...profile }) => {
      const tls = { ...profile.tls, keylogFile: '' };
      return options.includeSecrets ? { ...profile, tls } : { ...profile, password: '', tls: { ...tls, passphrase: '' } };
    }),
  };
}

/**
 * Reads an MQTT Desk export or an MQTTX connections export.
 * @throws Error with a message for the user when the text is not one of them.
 */
export function parseProfileImport(text: string): ImportResult {
  const fx = parseMqttFx(text);
  if (fx) {
    const result = collect('mqtt-fx', fx.map((p) => p.profile), (entry) => entry);
    result.collections = fx
      .filter((p) => p.messages.length > 0)
      .map((p) => ({ name: String(p.profile.name), requests: p.messages.map((m) => ({ ...m, qos: m.qos === 1 || m.qos === 2 ? m.qos : 0 })) }));
    return result;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`The file is not JSON: ${(error as Error).message}`);
  }
  if (isRecord(data) && data.format === 'mqtt-desk-profiles') {
    // An export from a newer MQTT Desk may mean things this one would silently drop.
    if (data.version !== undefined && !(typeof data.version === 'number' && data.version <= 1)) throw new Error(`Profile export version ${String(data.version)} is newer than this MQTT Desk reads (1)`);
    if (!Array.isArray(data.profiles)) throw new Error('The MQTT Desk export has no "profiles" list');
    return collect('mqtt-desk', data.profiles, (entry) => (isRecord(entry) ? { ...entry, id: undefined } : entry));
  }
  const explorer = mqttExplorerConnections(data);
  if (explorer) {
    const warnings: string[] = [];
    const result = collect('mqtt-explorer', explorer, (entry) => fromMqttExplorer(entry as Record<string, unknown>, warnings));
    result.warnings.push(...warnings);
    return result;
  }
  const mqttx = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.connections) ? data.connections : undefined;
  if (mqttx && mqttx.every((entry) => isRecord(entry) && 'host' in entry && ('clientId' in entry || 'mqttVersion' in entry))) {
    return collect('mqttx', mqttx, (entry) => fromMqttx(entry as Record<string, unknown>));
  }
  throw new Error('Not a profile export: expected an MQTT Desk export, an MQTTX connections export, MQTT Explorer\'s settings.json or MQTT.fx\'s mqttfx-config.xml');
}

function collect(source: ImportSource, entries: unknown[], map: (entry: unknown) => unknown): ImportResult {
  const result: ImportResult = { source, profiles: [], skipped: [], warnings: [], collections: [] };
  entries.forEach((entry, index) => {
    const name = isRecord(entry) && typeof entry.name === 'string' && entry.name ? entry.name : `entry #${index + 1}`;
    const check = checkProfile(map(entry));
    if (check.ok) result.profiles.push(check.profile);
    else result.skipped.push({ name, reason: Object.entries(check.fields).map(([field, message]) => `${field}: ${message}`).join('; ') });
  });
  return result;
}

/** One MQTTX ConnectionModel → our profile input (validated by the caller). */
function fromMqttx(c: Record<string, unknown>): Record<string, unknown> {
  const ssl = c.ssl === true;
  const baseProtocol = typeof c.protocol === 'string' ? c.protocol : 'mqtt';
  // MQTTX keeps "mqtt"/"ws" plus an ssl flag; newer versions may already say mqtts/wss.
  const protocol = ssl ? (baseProtocol.startsWith('ws') ? 'wss' : 'mqtts') : baseProtocol;
  const will = isRecord(c.will) ? c.will : undefined;
  const willProps = will && isRecord(will.properties) ? will.properties : {};
  const props = isRecord(c.properties) ? c.properties : c; // older MQTTX kept MQTT 5 fields at top level
  const customCerts = c.certType === 'self';
  return {
    name: c.name,
    group: '',
    protocol,
    host: c.host,
    port: c.port,
    path: typeof c.path === 'string' && c.path ? c.path : '/mqtt',
    mqttVersion: c.mqttVersion,
    clientId: c.clientId ?? '',
    username: c.username ?? '',
    password: c.password ?? '',
    clean: c.clean ?? true,
    keepalive: c.keepalive ?? 60,
    connectTimeout: toMs(c.connectTimeout),
    autoReconnect: c.reconnect === true,
    reconnectPeriod: typeof c.reconnectPeriod === 'number' ? c.reconnectPeriod : 4000,
    tls: {
      ca: customCerts ? (c.ca ?? '') : '',
      cert: customCerts ? (c.cert ?? '') : '',
      key: customCerts ? (c.key ?? '') : '',
      rejectUnauthorized: c.rejectUnauthorized !== false,
      alpn: typeof c.ALPNProtocols === 'string' ? c.ALPNProtocols : '',
    },
    will:
      will && typeof will.lastWillTopic === 'string' && will.lastWillTopic
        ? {
            enabled: true,
            topic: will.lastWillTopic,
            payload: typeof will.lastWillPayload === 'string' ? will.lastWillPayload : '',
            qos: will.lastWillQos ?? 0,
            retain: will.lastWillRetain === true,
            ...numberIf('delayInterval', willProps.willDelayInterval),
            ...numberIf('messageExpiryInterval', willProps.messageExpiryInterval),
            contentType: stringOr(willProps.contentType),
            responseTopic: stringOr(willProps.responseTopic),
            correlationData: stringOr(willProps.correlationData),
            userProperties: pairs(willProps.userProperties),
          }
        : { enabled: false },
    mqtt5: {
      ...numberIf('sessionExpiryInterval', props.sessionExpiryInterval),
      ...numberIf('receiveMaximum', props.receiveMaximum),
      ...numberIf('maximumPacketSize', props.maximumPacketSize),
      ...numberIf('topicAliasMaximum', props.topicAliasMaximum),
      requestResponseInformation: props.requestResponseInformation === true,
      requestProblemInformation: props.requestProblemInformation !== false,
      userProperties: pairs(props.userProperties),
    },
    subscriptions: Array.isArray(c.subscriptions) ? c.subscriptions.filter(isRecord).map((s) => ({ filter: s.topic, qos: s.qos ?? 0 })) : [],
  };
}

/** MQTTX stores the connect timeout in seconds; ours is milliseconds. */
function toMs(value: unknown): number {
  if (typeof value !== 'number') return 10000;
  return value <= 600 ? value * 1000 : value;
}

function numberIf(key: string, value: unknown): Record<string, number> {
  return typeof value === 'number' ? { [key]: value } : {};
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function pairs(value: unknown): Array<{ key: string; value: string }> {
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((item) => ({ key, value: String(item) })));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
