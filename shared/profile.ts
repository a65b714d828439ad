/**
 * Connection profiles: what a user saves to reach a broker. The schema is the single source
 * of truth for the profile editor (field messages), the backend store and the contract.
 */

import { z } from 'zod';
import { parsePayload } from './payload';
import { schemaMappingSchema } from './schema-mapping';
import { checkTopicFilter, checkTopicName } from './topic';

/** Transport schemes a profile can use. */
export const PROTOCOLS = ['mqtt', 'mqtts', 'ws', 'wss'] as const;
/** MQTT protocol versions a profile can speak. */
export const MQTT_VERSIONS = ['3.1', '3.1.1', '5.0'] as const;

/** Default port per scheme, as brokers conventionally listen. */
export const DEFAULT_PORTS: Record<(typeof PROTOCOLS)[number], number> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 8083,
  wss: 8084,
};

const hostPattern = /^[A-Za-z0-9._:[\]-]+$/;
const UINT32_MAX = 4294967295;

/** A whole number in a range, with messages that name the field. */
function int(label: string, min: number, max: number) {
  const range = `${label} must be between ${min} and ${max}`;
  return z
    .number({ error: `${label} must be a number` })
    .int(`${label} must be a whole number`)
    .min(min, range)
    .max(max, range);
}

const qosSchema = z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'QoS must be 0, 1 or 2' });

/** MQTT 5 user properties: ordered, keys may repeat. */
export const userPropertiesSchema = z
  .array(z.object({ key: z.string().min(1, 'User property name must not be empty'), value: z.string() }))
  .default([]);

/** TLS settings for mqtts and wss. CA, certificate and key take a file path or pasted PEM. */
const tlsSchema = z
  .object({
    ca: z.string().default(''),
    cert: z.string().default(''),
    key: z.string().default(''),
    /** Secret: the key's passphrase. */
    passphrase: z.string().default(''),
    rejectUnauthorized: z.boolean().default(true),
    /** SNI server name; the host when empty. */
    servername: z.string().default(''),
    /** ALPN protocols, comma-separated. */
    alpn: z.string().default(''),
    /**
     * Where to append the session keys in NSS key log format (SSLKEYLOGFILE), so Wireshark can
     * decrypt a capture of this connection. Empty: off, the default. Local to this machine:
     * never exported.
     */
    keylogFile: z.string().trim().default(''),
  })
  .prefault({});

/** The last will, sent by the broker when the connection ends abnormally. */
const willSchema = z
  .object({
    enabled: z.boolean().default(false),
    topic: z.string().default(''),
    payload: z.string().default(''),
    payloadFormat: z.enum(['text', 'json', 'hex', 'base64']).default('text'),
    qos: qosSchema.default(0),
    retain: z.boolean().default(false),
    /** MQTT 5 only, seconds. */
    delayInterval: int('Will delay', 0, UINT32_MAX).optional(),
    messageExpiryInterval: int('Will message expiry', 0, UINT32_MAX).optional(),
    contentType: z.string().default(''),
    responseTopic: z.string().default(''),
    correlationData: z.string().default(''),
    userProperties: userPropertiesSchema,
  })
  .prefault({});

/** MQTT 5 CONNECT properties; an absent number is not sent. */
const mqtt5Schema = z
  .object({
    sessionExpiryInterval: int('Session expiry', 0, UINT32_MAX).optional(),
    receiveMaximum: int('Receive maximum', 1, 65535).optional(),
    maximumPacketSize: int('Maximum packet size', 1, 268435460).optional(),
    topicAliasMaximum: int('Topic alias maximum', 0, 65535).optional(),
    requestResponseInformation: z.boolean().default(false),
    requestProblemInformation: z.boolean().default(true),
    userProperties: userPropertiesSchema,
  })
  .prefault({});

/**
 * Subscriptions made on every connect: what an imported mosquitto_sub line or an MQTTX /
 * MQTT Explorer connection brings along.
 */
const savedSubscriptionSchema = z.object({
  filter: z.string(),
  qos: qosSchema.default(0),
  /** MQTT 5 subscription options. */
  noLocal: z.boolean().optional(),
  retainAsPublished: z.boolean().optional(),
  retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  subscriptionIdentifier: int('Subscription identifier', 1, 268435455).optional(),
});

/** The editable fields of a profile; `id` is absent until first saved. */
export const profileInputSchema = z
  .object({
    id: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1, 'Name is required').max(200, 'Name is longer than 200 characters'),
    group: z.string().trim().max(200, 'Group is longer than 200 characters').default(''),
    protocol: z.enum(PROTOCOLS, { error: 'Protocol must be mqtt, mqtts, ws or wss' }),
    host: z
      .string()
      .trim()
      .min(1, 'Host is required')
      .regex(hostPattern, 'Host must be a host name or IP address, without scheme or path'),
    port: int('Port', 1, 65535),
    path: z.string().startsWith('/', 'Path must start with /').default('/mqtt'),
    mqttVersion: z.enum(MQTT_VERSIONS, { error: 'MQTT version must be 3.1, 3.1.1 or 5.0' }).default('3.1.1'),
    clientId: z.string().max(65535, 'Client ID is too long').default(''),
    username: z.string().max(65535, 'Username is too long').default(''),
    /** Secret. */
    password: z.string().max(65535, 'Password is too long').default(''),
    clean: z.boolean().default(true),
    keepalive: int('Keepalive', 0, 65535).default(60),
    connectTimeout: int('Connect timeout', 1000, 600000).default(10000),
    autoReconnect: z.boolean().default(false),
    reconnectPeriod: int('Reconnect period', 100, 3600000).default(4000),
    tls: tlsSchema,
    will: willSchema,
    mqtt5: mqtt5Schema,
    subscriptions: z.array(savedSubscriptionSchema).default([]),
    /** Schemas per topic filter (protobuf, Avro, JSON Schema), in the order they are tried. */
    schemas: z.array(schemaMappingSchema).default([]),
  })
  .superRefine((profile, ctx) => {
    const { will, tls } = profile;
    profile.subscriptions.forEach((sub, i) => {
      const check = checkTopicFilter(sub.filter);
      if (!check.ok) ctx.addIssue({ code: 'custom', path: ['subscriptions', i, 'filter'], message: `Subscription: ${check.reason}` });
    });
    if (will.enabled) {
      const topic = checkTopicName(will.topic);
      if (!topic.ok) ctx.addIssue({ code: 'custom', path: ['will', 'topic'], message: `Will topic: ${topic.reason}` });
      try {
        parsePayload(will.payload, will.payloadFormat);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['will', 'payload'], message: (error as Error).message });
      }
      if (will.responseTopic) {
        const response = checkTopicName(will.responseTopic);
        if (!response.ok) ctx.addIssue({ code: 'custom', path: ['will', 'responseTopic'], message: `Response topic: ${response.reason}` });
      }
    }
    if (tls.cert && !tls.key) ctx.addIssue({ code: 'custom', path: ['tls', 'key'], message: 'A client certificate needs its private key' });
    if (tls.key && !tls.cert) ctx.addIssue({ code: 'custom', path: ['tls', 'cert'], message: 'A private key needs its client certificate' });
    if (tls.keylogFile && !/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(tls.keylogFile)) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'keylogFile'], message: 'TLS key log file must be an absolute path, e.g. /home/me/mqtt-keys.log' });
    }
    if (tls.alpn && !/^[\w.\/-]+(\s*,\s*[\w.\/-]+)*$/.test(tls.alpn.trim())) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'alpn'], message: 'ALPN must be protocol names separated by commas, e.g. mqtt, x-amzn-mqtt-ca' });
    }
  });

/** What the editor sends to be saved. */
export type ProfileInput = z.input<typeof profileInputSchema>;

/** A saved profile: every default filled in, an id assigned. */
export type Profile = ProfileValue & { id: string };

/** The result of checking a profile: the normalised profile, or one message per bad field. */
export type ProfileCheck =
  | { ok: true; profile: ProfileValue }
  | { ok: false; fields: Record<string, string> };

/** Validates a profile, mapping every problem to the field it belongs next to. */
export function checkProfile(input: unknown): ProfileCheck {
  const result = profileInputSchema.safeParse(input);
  if (result.success) return { ok: true, profile: result.data };
  return { ok: false, fields: issuesToFields(result.error.issues) };
}

/** Flattens zod issues to `{ "field.path": "first message" }`. */
export function issuesToFields(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

/** A profile with every default filled in, before it has an id: what the editor edits. */
export type ProfileValue = z.output<typeof profileInputSchema>;

/** A subscription a profile makes on every connect. */
export type SavedSubscription = z.output<typeof savedSubscriptionSchema>;

/** A blank profile for the "New connection" form, every section filled with its defaults. */
export function newProfileDraft(): ProfileValue {
  return profileInputSchema.parse({ name: 'New connection', protocol: 'mqtt', host: '127.0.0.1', port: DEFAULT_PORTS.mqtt });
}

/** The URL MQTT.js connects to for a profile. */
export function profileUrl(profile: Pick<Profile, 'protocol' | 'host' | 'port'> & { path?: string }): string {
  const host = profile.host.includes(':') && !profile.host.startsWith('[') ? `[${profile.host}]` : profile.host;
  const base = `${profile.protocol}://${host}:${profile.port}`;
  return profile.protocol === 'ws' || profile.protocol === 'wss' ? base + (profile.path ?? '/mqtt') : base;
}
