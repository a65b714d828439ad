/**
 * The checks of a mosquitto_pub/sub/rr command line that stand apart from reading its flags
 * (args.ts): topics and UTF-8 as libmosquitto checks them, -L URLs, session expiry, and
 * client_config_load's checks after the arguments, each failing with mosquitto's own line.
 */

import { utf8Encode } from '../utf8';
import { atoi, strtol } from './c-numbers';
import type { MosquittoConfig } from './config';
import { checkAll, makeProperty, type PropertyCommand } from './properties';

/** The largest MQTT 5 Session Expiry Interval: "never expires". */
export const UINT32_MAX = 4294967295;

/** Ends reading a command line: help, version, or an error with its stderr text. */
export class Stop extends Error {
  constructor(
    readonly kind: 'help' | 'version' | 'error',
    readonly stderr = '',
  ) {
    super(kind);
  }
}

/** mosquitto_validate_utf8 on a JS string: control characters, non-characters and lone surrogates fail. */
export function validUtf8(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
    if ((cp & 0xffff) === 0xfffe || (cp & 0xffff) === 0xffff) return false;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
  }
  return utf8Encode(text).length <= 65536;
}

/** mosquitto_pub_topic_check. */
export function pubTopicOk(topic: string): boolean {
  return !/[+#]/.test(topic) && utf8Encode(topic).length <= 65535;
}

/** mosquitto_sub_topic_check. */
export function subTopicOk(filter: string): boolean {
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    const before = i === 0 ? '' : filter[i - 1];
    const after = filter[i + 1];
    if (c === '+' && ((before !== '' && before !== '/') || (after !== undefined && after !== '/'))) return false;
    if (c === '#' && ((before !== '' && before !== '/') || after !== undefined)) return false;
  }
  return utf8Encode(filter).length <= 65535;
}

export type TopicKind = 'pub' | 'sub' | 'rr' | 'response';

export function addTopic(config: MosquittoConfig, kind: TopicKind, topic: string, arg: string): void {
  if (!validUtf8(topic)) throw new Stop('error', `Error: Malformed UTF-8 in ${arg} argument.\n\n`);
  if (kind === 'pub' || kind === 'rr') {
    if (!pubTopicOk(topic)) throw new Stop('error', `Error: Invalid publish topic '${topic}', does it contain '+' or '#'?\n`);
    config.topic = topic;
  } else if (kind === 'response') {
    if (!pubTopicOk(topic)) throw new Stop('error', `Error: Invalid response topic '${topic}', does it contain '+' or '#'?\n`);
    config.responseTopic = topic;
  } else {
    if (!subTopicOk(topic)) throw new Stop('error', `Error: Invalid subscription topic '${topic}', are all '+' and '#' wildcards correct?\n`);
    config.topics.push(topic);
  }
}

export function readExpiry(raw: string): number {
  if (raw === '∞') return UINT32_MAX;
  const read = strtol(raw, 0);
  if (!read.whole) throw new Stop('error', 'Error: session-expiry-interval not a number.\n\n');
  if (read.value > UINT32_MAX || read.value < -1) throw new Stop('error', 'Error: session-expiry-interval out of range.\n\n');
  return read.value === -1 ? UINT32_MAX : read.value;
}

/** -L mqtt(s)://[username[:password]@]host[:port]/topic */
export function readUrl(config: MosquittoConfig, url: string): void {
  let rest: string;
  if (/^mqtt:\/\//i.test(url)) {
    rest = url.slice(7);
    config.port = 1883;
  } else if (/^mqtts:\/\//i.test(url)) {
    rest = url.slice(8);
    config.port = 8883;
    config.tls.useOsCerts = true;
  } else throw new Stop('error', 'Error: unsupported URL scheme.\n\n');
  const slash = rest.indexOf('/');
  if (slash < 0) throw new Stop('error', 'Error: Invalid URL for -L argument specified - topic missing.\n');
  addTopic(config, config.tool, rest.slice(slash + 1), '-L topic');
  let hostPart = rest.slice(0, slash);
  const at = hostPart.indexOf('@');
  if (at >= 0) {
    const auth = hostPart.slice(0, at);
    const colon = auth.indexOf(':');
    if (colon >= 0) config.password = auth.slice(colon + 1);
    config.username = colon >= 0 ? auth.slice(0, colon) : auth;
    hostPart = hostPart.slice(at + 1);
  }
  const colon = hostPart.indexOf(':');
  if (colon >= 0) {
    config.port = atoi(hostPart.slice(colon + 1)).value;
    hostPart = hostPart.slice(0, colon);
  }
  config.host = hostPart;
}

/** client_config_load's checks after the arguments. */
export function finishLoad(config: MosquittoConfig): void {
  const will = config.will;
  const tls = config.tls;
  const fail = (text: string) => new Stop('error', text);
  if (will?.payload !== undefined && !will.topic) throw fail('Error: Will payload given, but no will topic given.\n');
  if (will?.retain && !will.topic) throw fail('Error: Will retain given, but no will topic given.\n');
  if ((tls.cert && !tls.key) || (tls.key && !tls.cert)) throw fail('Error: Both certfile and keyfile must be provided if one of them is set.\n');
  if (tls.keyform && !tls.key) throw fail('Error: If keyform is set, keyfile must be also specified.\n');
  if (tls.engineKpassSha1 && (!tls.keyform || !tls.engine)) throw fail('Error: when using tls-engine-kpass-sha1, both tls-engine and keyform must also be provided.\n');
  if ((tls.cafile || tls.capath) && tls.psk) throw fail('Error: Only one of --psk or --cafile/--capath may be used at once.\n');
  if (tls.psk && !tls.pskIdentity) throw fail('Error: --psk-identity required if --psk used.\n');
  if (config.protocolVersion === 5) {
    if (!config.clean && config.sessionExpiryInterval === -1) config.sessionExpiryInterval = UINT32_MAX;
    if (config.sessionExpiryInterval > 0) {
      if (config.sessionExpiryInterval === UINT32_MAX && (config.idPrefix !== undefined || config.id === undefined)) {
        throw fail('Error: You must provide a client id if you are using an infinite session expiry interval.\n');
      }
      config.properties.push(makeProperty('connect', 'session-expiry-interval', config.sessionExpiryInterval));
    }
  } else if (!config.clean && (config.idPrefix !== undefined || config.id === undefined)) {
    throw fail('Error: You must provide a client id if you are using the -c option.\n');
  }
  if (config.tool === 'sub' && config.topics.length === 0) throw fail('Error: You must specify a topic to subscribe to.\n');
  const checks: Array<[PropertyCommand, string]> = [
    ['connect', 'CONNECT'],
    ['publish', 'PUBLISH'],
    ['subscribe', 'SUBSCRIBE'],
    ['unsubscribe', 'UNSUBSCRIBE'],
    ['disconnect', 'DISCONNECT'],
    ['will', 'Will'],
  ];
  for (const [command, name] of checks) {
    const problem = checkAll(config.properties.filter((p) => p.command === command));
    if (problem) throw fail(config.quiet ? '' : `Error in ${name} properties: ${problem}\n`);
  }
}
