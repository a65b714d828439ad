/**
 * Connection profiles: what a user saves to reach a broker. The schema is the single source
 * of truth for the profile editor (field messages), the backend store and the contract.
 */

import { z } from 'zod';

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

/** The editable fields of a profile; `id` is absent until first saved. */
export const profileInputSchema = z.object({
  id: z.string().min(1).max(64).optional(),
  name: z.string().trim().min(1, 'Name is required').max(200, 'Name is longer than 200 characters'),
  protocol: z.enum(PROTOCOLS, { error: 'Protocol must be mqtt, mqtts, ws or wss' }),
  host: z
    .string()
    .trim()
    .min(1, 'Host is required')
    .regex(hostPattern, 'Host must be a host name or IP address, without scheme or path'),
  port: z
    .number({ error: 'Port must be a number' })
    .int('Port must be a whole number')
    .min(1, 'Port must be between 1 and 65535')
    .max(65535, 'Port must be between 1 and 65535'),
  path: z.string().startsWith('/', 'Path must start with /').default('/mqtt'),
  mqttVersion: z.enum(MQTT_VERSIONS, { error: 'MQTT version must be 3.1, 3.1.1 or 5.0' }).default('3.1.1'),
  clientId: z.string().max(65535, 'Client ID is too long').default(''),
  username: z.string().max(65535, 'Username is too long').default(''),
  password: z.string().max(65535, 'Password is too long').default(''),
  clean: z.boolean().default(true),
  keepalive: z
    .number({ error: 'Keepalive must be a number' })
    .int('Keepalive must be a whole number of seconds')
    .min(0, 'Keepalive must be between 0 and 65535')
    .max(65535, 'Keepalive must be between 0 and 65535')
    .default(60),
  connectTimeout: z
    .number({ error: 'Connect timeout must be a number' })
    .int()
    .min(1000, 'Connect timeout must be at least 1000 ms')
    .max(600000, 'Connect timeout must be at most 600000 ms')
    .default(10000),
});

/** What the editor sends to be saved. */
export type ProfileInput = z.input<typeof profileInputSchema>;

/** A saved profile: every default filled in, an id assigned. */
export type Profile = z.output<typeof profileInputSchema> & { id: string };

/** The result of checking a profile: the normalised profile, or one message per bad field. */
export type ProfileCheck =
  | { ok: true; profile: z.output<typeof profileInputSchema> }
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

/** A blank profile for the "New connection" form. */
export function newProfileDraft(): ProfileInput {
  return {
    name: 'New connection',
    protocol: 'mqtt',
    host: '127.0.0.1',
    port: DEFAULT_PORTS.mqtt,
    path: '/mqtt',
    mqttVersion: '3.1.1',
    clientId: '',
    username: '',
    password: '',
    clean: true,
    keepalive: 60,
    connectTimeout: 10000,
  };
}

/** The URL MQTT.js connects to for a profile. */
export function profileUrl(profile: Pick<Profile, 'protocol' | 'host' | 'port' | 'path'>): string {
  const host = profile.host.includes(':') && !profile.host.startsWith('[') ? `[${profile.host}]` : profile.host;
  const base = `${profile.protocol}://${host}:${profile.port}`;
  return profile.protocol === 'ws' || profile.protocol === 'wss' ? base + profile.path : base;
}
