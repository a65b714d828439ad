/**
 * Profiles to and from mosquitto command lines: a pasted mosquitto_sub/pub/rr line becomes a
 * profile draft (with its subscriptions), read by the same parser as `mqtt-desk sub`; a
 * profile becomes the mosquitto_sub line that connects the same way. What one side cannot
 * say is listed as a warning, never dropped silently.
 */

import { parseMosquittoArgs } from './mosquitto/args';
import { propertiesFor, type MosquittoConfig, type MosquittoTool } from './mosquitto/config';
import type { CliProperty } from './mosquitto/properties';
import type { ProfileInput, ProfileValue, SavedSubscription } from './profile';
import { joinCommandLine, splitCommandLine } from './shell-words';

/** What importing a command line gave. */
export type CommandLineImport =
  | { ok: true; tool: MosquittoTool; profile: ProfileInput; warnings: string[] }
  | { ok: false; reason: string };

const VERSION_NAMES = { 3: '3.1', 4: '3.1.1', 5: '5.0' } as const;
const SHELL_BREAKS = new Set(['|', '||', '&&', ';', '&', '>', '2>', '<']);

/** Finds the tool and its arguments: mosquitto_sub …, /usr/bin/mosquitto_pub …, (npx) mqtt-desk sub …. */
function toolOf(words: string[]): { tool: MosquittoTool; args: string[]; program: string } | undefined {
  let rest = words;
  while (rest.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]!)) rest = rest.slice(1);
  if (rest[0] === 'npx' || rest[0] === 'sudo') rest = rest.slice(1);
  const base = (rest[0] ?? '').split('/').pop()!;
  const direct = /^mosquitto_(pub|sub|rr)$/.exec(base);
  if (direct) return { tool: direct[1] as MosquittoTool, args: rest.slice(1), program: base };
  if (base === 'mqtt-desk' && ['pub', 'sub', 'rr'].includes(rest[1] ?? '')) return { tool: rest[1] as MosquittoTool, args: rest.slice(2), program: `mqtt-desk ${rest[1]}` };
  return undefined;
}

function numberProp(list: CliProperty[], name: string): number | undefined {
  const found = list.find((p) => p.name === name);
  return typeof found?.value === 'number' ? found.value : undefined;
}
function textProp(list: CliProperty[], name: string): string {
  const found = list.find((p) => p.name === name);
  return typeof found?.value === 'string' ? found.value : '';
}
function users(list: CliProperty[]): Array<{ key: string; value: string }> {
  return list.filter((p) => p.name === 'user-property').map((p) => ({ key: p.key!, value: String(p.value) }));
}

/** Flags a profile has no place for, and what to say about each. */
const NOT_KEPT: Array<[(c: MosquittoConfig) => boolean, string]> = [
  [(c) => c.tls.capath !== undefined, '--capath: a profile takes one CA file; set it in TLS → CA'],
  [(c) => c.tls.ciphers !== undefined, '--ciphers is not kept'],
  [(c) => c.tls.version !== undefined, '--tls-version is not kept (TLS 1.2 or newer is used)'],
  [(c) => c.tls.psk !== undefined, '--psk: TLS-PSK is not part of profiles (mqtt-desk sub --psk is)'],
  [(c) => c.proxy !== undefined, '--proxy is not kept'],
  [(c) => c.port === 0, '--unix: profiles connect over TCP or WebSocket'],
  [(c) => c.bindAddress !== undefined, '-A is not kept'],
  [(c) => c.tls.insecure, '--insecure: the profile turns certificate verification off entirely (mosquitto only skips the host name check)'],
  [(c) => c.idPrefix !== undefined, '-I: the prefix becomes the client ID (mosquitto adds its process ID)'],
  [(c) => c.pubMode !== 'none', 'The message itself is not part of a profile: use "Save to collection" in the publish panel'],
  [(c) => c.format !== undefined || c.verbose || !c.eol || c.msgCount > (c.tool === 'rr' ? 1 : 0) || c.timeout > 0 || c.exitAfterSubscribe, 'Output flags (-v, -N, -F, -C, -W, -E) apply to the terminal and are not kept'],
  [(c) => c.filterOuts.length > 0 || c.unsubscribeTopics.length > 0, '-T and -U are not kept'],
];

/** Reads a pasted command line into a profile draft. */
export function commandLineToProfile(text: string): CommandLineImport {
  const split = splitCommandLine(text.trim());
  if (!split.ok) return { ok: false, reason: split.reason };
  const cut = split.words.findIndex((w) => SHELL_BREAKS.has(w));
  const words = cut >= 0 ? split.words.slice(0, cut) : split.words;
  const found = toolOf(words);
  if (!found) return { ok: false, reason: `Not a mosquitto_pub, mosquitto_sub or mosquitto_rr command line (it starts with '${words[0] ?? ''}')` };
  const parsed = parseMosquittoArgs(found.tool, found.args, { program: found.program });
  if (parsed.kind === 'help' || parsed.kind === 'version') return { ok: false, reason: `${found.args.includes('--help') ? '--help' : '--version'} does not describe a connection` };
  if (parsed.kind === 'error') return { ok: false, reason: parsed.stderr.split('\n').filter((l) => l && !l.startsWith('Use ')).join(' ') };
  const c = parsed.config;
  const warnings = NOT_KEPT.filter(([applies]) => applies(c)).map(([, text]) => text);
  const secure = Boolean(c.tls.cafile || c.tls.capath || c.tls.psk || c.tls.useOsCerts || c.port === 8883);
  const host = c.host ?? 'localhost';
  const port = c.port || (secure ? 8883 : 1883);
  const will = propertiesFor(c, 'will');
  const connect = propertiesFor(c, 'connect');
  const subscribe = propertiesFor(c, 'subscribe');
  const v5 = c.protocolVersion === 5;
  const subscriptions: SavedSubscription[] = c.topics.map((filter) => ({
    filter,
    qos: c.qos,
    ...(v5 && c.retainAsPublished ? { retainAsPublished: true } : {}),
    ...(v5 && c.noRetain ? { retainHandling: 2 as const } : {}),
    ...(v5 && numberProp(subscribe, 'subscription-identifier') !== undefined ? { subscriptionIdentifier: numberProp(subscribe, 'subscription-identifier')! } : {}),
  }));
  const expiry = numberProp(connect, 'session-expiry-interval');
  const profile: ProfileInput = {
    name: `${found.tool === 'sub' ? 'Subscriber' : found.tool === 'pub' ? 'Publisher' : 'Requester'} at ${host}:${port}`,
    protocol: secure ? 'mqtts' : 'mqtt',
    host,
    port,
    mqttVersion: VERSION_NAMES[c.protocolVersion],
    clientId: c.id ?? c.idPrefix ?? '',
    username: c.username ?? '',
    password: c.password ?? '',
    clean: c.clean,
    keepalive: c.keepalive,
    tls: { ca: c.tls.cafile ?? '', cert: c.tls.cert ?? '', key: c.tls.key ?? '', rejectUnauthorized: !c.tls.insecure, alpn: c.tls.alpn ?? '' },
    will: c.will?.topic
      ? {
          enabled: true,
          topic: c.will.topic,
          payload: c.will.payload ?? '',
          qos: c.will.qos,
          retain: c.will.retain,
          ...(numberProp(will, 'will-delay-interval') !== undefined ? { delayInterval: numberProp(will, 'will-delay-interval') } : {}),
          ...(numberProp(will, 'message-expiry-interval') !== undefined ? { messageExpiryInterval: numberProp(will, 'message-expiry-interval') } : {}),
          contentType: textProp(will, 'content-type'),
          responseTopic: textProp(will, 'response-topic'),
          correlationData: textProp(will, 'correlation-data'),
          userProperties: users(will),
        }
      : { enabled: false },
    mqtt5: {
      ...(expiry !== undefined ? { sessionExpiryInterval: expiry } : {}),
      ...(numberProp(connect, 'receive-maximum') !== undefined ? { receiveMaximum: numberProp(connect, 'receive-maximum') } : {}),
      ...(numberProp(connect, 'maximum-packet-size') !== undefined ? { maximumPacketSize: numberProp(connect, 'maximum-packet-size') } : {}),
      ...(numberProp(connect, 'topic-alias-maximum') !== undefined ? { topicAliasMaximum: numberProp(connect, 'topic-alias-maximum') } : {}),
      requestResponseInformation: numberProp(connect, 'request-response-information') === 1,
      requestProblemInformation: numberProp(connect, 'request-problem-information') !== 0,
      userProperties: users(connect),
    },
    subscriptions,
  };
  return { ok: true, tool: found.tool, profile, warnings };
}

/** The mosquitto_sub line for a profile, and what it could not carry. */
export interface SubCommand {
  command: string;
  warnings: string[];
}

/** Builds the mosquitto_sub command line that connects as the profile does and subscribes its filters. */
export function profileToMosquittoSub(profile: ProfileValue, subscriptions: ReadonlyArray<Pick<SavedSubscription, 'filter' | 'qos'> & Partial<SavedSubscription>>): SubCommand {
  const w: string[] = ['mosquitto_sub', '-h', profile.host, '-p', String(profile.port)];
  const warnings: string[] = [];
  const v5 = profile.mqttVersion === '5.0';
  if (profile.mqttVersion !== '3.1.1') w.push('-V', profile.mqttVersion === '3.1' ? 'mqttv31' : 'mqttv5');
  if (profile.clientId) w.push('-i', profile.clientId);
  if (profile.username) w.push('-u', profile.username);
  if (profile.password) w.push('-P', profile.password);
  if (!profile.clean) w.push('-c');
  if (profile.keepalive !== 60) w.push('-k', String(profile.keepalive));
  if (profile.protocol === 'ws' || profile.protocol === 'wss') warnings.push('mosquitto_sub 2.0.11 has no WebSocket transport: the line connects over plain MQTT to the same host and port');
  if (profile.protocol === 'mqtts' || profile.protocol === 'wss') {
    const pasted = (field: string) => field.includes('-----BEGIN');
    if (profile.tls.ca && !pasted(profile.tls.ca)) w.push('--cafile', profile.tls.ca);
    else {
      w.push('--tls-use-os-certs');
      if (profile.tls.ca) warnings.push('The CA is pasted PEM: save it to a file and add --cafile FILE');
    }
    if (profile.tls.cert && !pasted(profile.tls.cert)) w.push('--cert', profile.tls.cert, '--key', profile.tls.key);
    else if (profile.tls.cert) warnings.push('The client certificate is pasted PEM: save it and its key to files and add --cert FILE --key FILE');
    if (!profile.tls.rejectUnauthorized) {
      w.push('--insecure');
      warnings.push('--insecure only skips the host name check; mosquitto_sub still verifies the certificate chain');
    }
    const alpn = profile.tls.alpn.split(',').map((a) => a.trim()).filter(Boolean);
    if (alpn[0]) w.push('--tls-alpn', alpn[0]);
    if (alpn.length > 1) warnings.push(`mosquitto_sub takes one ALPN protocol: ${alpn.slice(1).join(', ')} left out`);
    if (profile.tls.servername) warnings.push('mosquitto_sub has no SNI option: it sends the host name');
    if (profile.tls.passphrase) warnings.push('The key has a passphrase: mosquitto_sub asks for it on the terminal');
  }
  const m5 = profile.mqtt5;
  if (v5) {
    if (m5.sessionExpiryInterval !== undefined) w.push('-x', String(m5.sessionExpiryInterval));
    if (m5.receiveMaximum !== undefined) w.push('-D', 'connect', 'receive-maximum', String(m5.receiveMaximum));
    if (m5.maximumPacketSize !== undefined) w.push('-D', 'connect', 'maximum-packet-size', String(m5.maximumPacketSize));
    if (m5.topicAliasMaximum !== undefined) w.push('-D', 'connect', 'topic-alias-maximum', String(m5.topicAliasMaximum));
    if (m5.requestResponseInformation) w.push('-D', 'connect', 'request-response-information', '1');
    if (!m5.requestProblemInformation) w.push('-D', 'connect', 'request-problem-information', '0');
    for (const u of m5.userProperties) w.push('-D', 'connect', 'user-property', u.key, u.value);
  }
  const will = profile.will;
  if (will.enabled) {
    w.push('--will-topic', will.topic);
    if (will.payload) w.push('--will-payload', will.payload);
    if (will.payload && will.payloadFormat !== 'text' && will.payloadFormat !== 'json') warnings.push(`The will payload is ${will.payloadFormat}: --will-payload sends the text as typed`);
    if (will.qos) w.push('--will-qos', String(will.qos));
    if (will.retain) w.push('--will-retain');
    if (v5) {
      if (will.delayInterval !== undefined) w.push('-D', 'will', 'will-delay-interval', String(will.delayInterval));
      if (will.messageExpiryInterval !== undefined) w.push('-D', 'will', 'message-expiry-interval', String(will.messageExpiryInterval));
      if (will.contentType) w.push('-D', 'will', 'content-type', will.contentType);
      if (will.responseTopic) w.push('-D', 'will', 'response-topic', will.responseTopic);
      if (will.correlationData) w.push('-D', 'will', 'correlation-data', will.correlationData);
      for (const u of will.userProperties) w.push('-D', 'will', 'user-property', u.key, u.value);
    }
  }
  const subs = subscriptions.length ? subscriptions : [{ filter: '#', qos: 0 as const }];
  const qos = Math.max(...subs.map((s) => s.qos));
  if (subs.some((s) => s.qos !== qos)) warnings.push(`mosquitto_sub takes one QoS for every filter: -q ${qos} is used for all`);
  if (qos) w.push('-q', String(qos));
  if (v5 && subs.some((s) => s.retainAsPublished)) w.push('--retain-as-published');
  if (subs.some((s) => s.retainHandling === 2)) w.push('-R');
  const ids = [...new Set(subs.map((s) => s.subscriptionIdentifier).filter((id) => id !== undefined))];
  if (v5 && ids[0] !== undefined) w.push('-D', 'subscribe', 'subscription-identifier', String(ids[0]));
  for (const s of subs) w.push('-t', s.filter);
  w.push('-v');
  return { command: joinCommandLine(w), warnings };
}
