/**
 * The bridge section of mosquitto.conf(5), as mosquitto 2.0 reads it: `connection NAME`
 * starts a bridge and every bridge option after it belongs to that bridge, until the next
 * `connection` (other options in between still go to the listeners and the broker). A
 * bridge option before any `connection` is refused, as mosquitto refuses it. mosquitto
 * reads "abc" as 0 and a second value of a string option as an error; here numbers must be
 * numbers too, and every problem names its line. Values mosquitto raises to a minimum
 * (keepalive_interval 5, idle_timeout 1, threshold 1, restart_timeout 1) are raised the
 * same way and noted, so the note can be logged when the bridge starts.
 */

import os from 'node:os';
import path from 'node:path';
import { checkTopicFilter, checkTopicName } from '../../shared/topic';
import type { BridgeAddress, BridgeConfig, BridgeTls, BridgeTopic, RestartTimeout } from './bridge-types';
import { words } from './config-error';

/** Every option this section owns (mosquitto's old names `clientid`, `username`, `password` included). */
const BRIDGE_OPTIONS = new Set([
  'connection', 'address', 'addresses', 'topic', 'bridge_attempt_unsubscribe', 'bridge_bind_address', 'bridge_max_packet_size',
  'bridge_outgoing_retain', 'bridge_protocol_version', 'cleansession', 'local_cleansession', 'keepalive_interval', 'idle_timeout',
  'local_clientid', 'local_password', 'local_username', 'notifications', 'notifications_local_only', 'notification_topic',
  'remote_clientid', 'clientid', 'remote_password', 'password', 'remote_username', 'username', 'restart_timeout', 'round_robin',
  'start_type', 'threshold', 'try_private', 'bridge_alpn', 'bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_identity',
  'bridge_insecure', 'bridge_keyfile', 'bridge_psk', 'bridge_require_ocsp', 'bridge_tls_version',
]);

const TLS_VERSIONS = ['tlsv1', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'] as const;
const PROTOCOLS: Record<string, 3 | 4 | 5> = { mqttv31: 3, mqttv311: 4, mqttv50: 5 };

/** A bridge being read: string options start unset so a second value can be refused, as mosquitto does. */
interface Draft {
  name: string;
  /** The file and line of its `connection` line. */
  file: string;
  line: number;
  addresses: BridgeAddress[] | undefined;
  topics: BridgeTopic[];
  protocolVersion: 3 | 4 | 5;
  tryPrivate: boolean;
  cleanSession: boolean;
  localCleanSession: boolean | undefined;
  strings: Map<string, string>;
  notifications: boolean;
  notificationsLocalOnly: boolean;
  keepalive: number;
  startType: BridgeConfig['startType'];
  idleTimeout: number;
  threshold: number;
  restartTimeout: RestartTimeout;
  roundRobin: boolean;
  attemptUnsubscribe: boolean;
  outgoingRetain: boolean;
  maxPacketSize: number;
  insecure: boolean;
  requireOcsp: boolean;
  notes: string[];
}

/** String options and the name mosquitto's messages use for them; aliases map to one key. */
const STRING_OPTIONS: Record<string, string> = {
  remote_clientid: 'remote_clientid', clientid: 'remote_clientid',
  remote_username: 'remote_username', username: 'remote_username',
  remote_password: 'remote_password', password: 'remote_password',
  local_clientid: 'local_clientid', local_username: 'local_username', local_password: 'local_password',
  notification_topic: 'notification_topic', bridge_bind_address: 'bridge_bind_address', bridge_alpn: 'bridge_alpn',
  bridge_cafile: 'bridge_cafile', bridge_capath: 'bridge_capath', bridge_certfile: 'bridge_certfile', bridge_keyfile: 'bridge_keyfile',
  bridge_identity: 'bridge_identity', bridge_psk: 'bridge_psk', bridge_tls_version: 'bridge_tls_version',
};
const PATH_OPTIONS = new Set(['bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_keyfile']);
const CERT_OPTIONS = ['bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_keyfile'];
const PSK_OPTIONS = ['bridge_identity', 'bridge_psk'];

/** Where a bridge line was read: its file, and that file's folder for relative paths. */
export interface BridgeScope {
  file: string;
  dir: string;
}

/**
 * Reads the bridge options of one mosquitto.conf. `directive` takes every line and says
 * whether it was a bridge option; `finish` checks each bridge as a whole and returns them.
 */
export class BridgeSection {
  private readonly drafts: Draft[] = [];
  /** The bridge that options go to, per file: like mosquitto's, each file starts with none. */
  private readonly currentByFile = new Map<string, Draft | undefined>();

  /** The file being read, for relative paths and error locations. */
  private scope: BridgeScope = { file: '', dir: '' };

  /**
   * @param report where problems go, as FILE:LINE
   * @param hostname for the default remote client ID `hostname.name`, as mosquitto makes it
   */
  constructor(
    private readonly report: (file: string, line: number, message: string) => void,
    private readonly hostname: string = os.hostname(),
  ) {}

  /** Handles `keyword rest` when it is a bridge option; false for any other option. */
  directive(scope: BridgeScope, line: number, keyword: string, rest: string): boolean {
    if (!BRIDGE_OPTIONS.has(keyword)) return false;
    this.scope = scope;
    if (keyword === 'connection') {
      this.connection(line, rest);
      return true;
    }
    const bridge = this.currentByFile.get(scope.file);
    if (!bridge) {
      this.report(this.scope.file, line, `"${keyword}" is a bridge option: it must follow a "connection NAME" line`);
      return true;
    }
    this.option(bridge, line, keyword, rest);
    return true;
  }

  /** Every bridge read, defaults filled in; problems of a bridge as a whole go to the issue list. */
  finish(): BridgeConfig[] {
    const bridges = this.drafts.map((d) => this.complete(d));
    const seen = new Map<string, BridgeConfig>();
    for (const [i, b] of bridges.entries()) {
      const earlier = seen.get(b.localClientId);
      if (earlier) this.report(this.drafts[i]!.file, b.line, `bridge local_clientid '${b.localClientId}' is not unique (also used by the bridge on line ${earlier.line}); set local_clientid for one of them`);
      else seen.set(b.localClientId, b);
    }
    return bridges;
  }

  private connection(line: number, rest: string): void {
    const args = words(rest);
    if (args.length !== 1) {
      this.report(this.scope.file, line, 'usage: connection NAME');
      this.currentByFile.set(this.scope.file, undefined);
      return;
    }
    const name = args[0]!;
    const duplicate = this.drafts.find((d) => d.name === name);
    if (duplicate) this.report(this.scope.file, line, `duplicate bridge name "${name}" (line ${duplicate.line})`);
    const draft: Draft = {
      name, file: this.scope.file, line, addresses: undefined, topics: [], protocolVersion: 4, tryPrivate: true, cleanSession: false,
      localCleanSession: undefined, strings: new Map(), notifications: true, notificationsLocalOnly: false, keepalive: 60,
      startType: 'automatic', idleTimeout: 60, threshold: 10, restartTimeout: { kind: 'backoff', base: 5, cap: 30 },
      roundRobin: false, attemptUnsubscribe: true, outgoingRetain: true, maxPacketSize: 0, insecure: false, requireOcsp: false, notes: [],
    };
    this.currentByFile.set(this.scope.file, draft);
    this.drafts.push(draft);
  }

  private option(b: Draft, line: number, keyword: string, rest: string): void {
    const args = words(rest);
    const stringKey = STRING_OPTIONS[keyword];
    if (stringKey !== undefined) return this.string(b, line, keyword, stringKey, rest);
    switch (keyword) {
      case 'address':
      case 'addresses':
        return this.addresses(b, line, keyword, args);
      case 'topic':
        return this.topic(b, line, args);
      case 'bridge_protocol_version': {
        const version = args.length === 1 ? PROTOCOLS[args[0]!] : undefined;
        if (version === undefined) return this.report(this.scope.file, line, 'usage: bridge_protocol_version mqttv31|mqttv311|mqttv50');
        b.protocolVersion = version;
        return;
      }
      case 'start_type': {
        if (args[0] === 'manual') return this.report(this.scope.file, line, 'start_type manual is not supported (mosquitto does not support it either)');
        if (args.length !== 1 || (args[0] !== 'automatic' && args[0] !== 'lazy' && args[0] !== 'once')) {
          return this.report(this.scope.file, line, 'usage: start_type automatic|lazy|once');
        }
        b.startType = args[0];
        return;
      }
      case 'restart_timeout':
        return this.restartTimeout(b, line, args);
      case 'keepalive_interval':
        return this.int(line, keyword, args, (v) => {
          if (v > 65535) return this.report(this.scope.file, line, `bad number "${args[0]}" for keepalive_interval (5-65535)`);
          b.keepalive = this.atLeast(b, v, 5, 'keepalive_interval', 'seconds');
        });
      case 'idle_timeout':
        return this.int(line, keyword, args, (v) => (b.idleTimeout = this.atLeast(b, v, 1, 'idle_timeout', 'seconds')));
      case 'threshold':
        return this.int(line, keyword, args, (v) => (b.threshold = this.atLeast(b, v, 1, 'threshold', 'messages')));
      case 'bridge_max_packet_size':
        return this.int(line, keyword, args, (v) => (b.maxPacketSize = Math.max(0, v)));
      default:
        return this.bool(b, line, keyword, args);
    }
  }

  private bool(b: Draft, line: number, keyword: string, args: string[]): void {
    if (args.length !== 1 || (args[0] !== 'true' && args[0] !== 'false')) {
      return this.report(this.scope.file, line, args.length === 1 ? `bad boolean "${args[0]}" for ${keyword} (true|false)` : `usage: ${keyword} true|false`);
    }
    const value = args[0] === 'true';
    switch (keyword) {
      case 'try_private': b.tryPrivate = value; return;
      case 'cleansession': b.cleanSession = value; return;
      case 'local_cleansession': b.localCleanSession = value; return;
      case 'notifications': b.notifications = value; return;
      case 'notifications_local_only': b.notificationsLocalOnly = value; return;
      case 'round_robin': b.roundRobin = value; return;
      case 'bridge_attempt_unsubscribe': b.attemptUnsubscribe = value; return;
      case 'bridge_outgoing_retain': b.outgoingRetain = value; return;
      case 'bridge_insecure':
        b.insecure = value;
        if (value) b.notes.push(`bridge ${b.name} uses insecure mode (bridge_insecure true): the remote's host name is not checked`);
        return;
      case 'bridge_require_ocsp': b.requireOcsp = value; return;
    }
  }

  /** String options take the rest of the line; a second value is refused like mosquitto's "Duplicate ... value". */
  private string(b: Draft, line: number, keyword: string, key: string, rest: string): void {
    if (rest === '') return this.report(this.scope.file, line, `usage: ${keyword} VALUE`);
    if (b.strings.has(key)) return this.report(this.scope.file, line, `duplicate ${key} value in bridge "${b.name}"`);
    if (CERT_OPTIONS.includes(key) && PSK_OPTIONS.some((k) => b.strings.has(k))) {
      return this.report(this.scope.file, line, `bridge "${b.name}" cannot use both certificate and PSK encryption`);
    }
    if (PSK_OPTIONS.includes(key) && CERT_OPTIONS.some((k) => b.strings.has(k))) {
      return this.report(this.scope.file, line, `bridge "${b.name}" cannot use both certificate and PSK encryption`);
    }
    if (key === 'bridge_psk' && !/^(?:[0-9a-fA-F]{2})+$/.test(rest)) return this.report(this.scope.file, line, 'bridge_psk must be the key in hexadecimal, without "0x"');
    if (key === 'bridge_tls_version' && !TLS_VERSIONS.includes(rest as (typeof TLS_VERSIONS)[number])) {
      return this.report(this.scope.file, line, `usage: bridge_tls_version ${TLS_VERSIONS.join('|')}`);
    }
    if (key === 'notification_topic' && !checkTopicName(rest).ok) return this.report(this.scope.file, line, `notification_topic "${rest}" is not a valid topic name`);
    b.strings.set(key, PATH_OPTIONS.has(key) ? path.resolve(this.scope.dir, rest) : rest);
  }

  private addresses(b: Draft, line: number, keyword: string, args: string[]): void {
    if (b.addresses) return this.report(this.scope.file, line, `bridge "${b.name}" already has its addresses; give them all on one ${keyword} line`);
    const list: BridgeAddress[] = [];
    for (const arg of args) {
      if (arg.startsWith('#')) break; // mosquitto reads the rest of the line as a comment
      const colon = arg.lastIndexOf(':');
      // IPv6 addresses need the port (mosquitto reads the last ':' as the port separator).
      const host = colon >= 0 ? arg.slice(0, colon) : arg;
      const portText = colon >= 0 ? arg.slice(colon + 1) : '1883';
      const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
      if (host === '' || !(port >= 1 && port <= 65535)) return this.report(this.scope.file, line, `bad address "${arg}" (HOST[:PORT], port 1-65535)`);
      list.push({ host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port });
    }
    if (list.length === 0) return this.report(this.scope.file, line, `usage: ${keyword} HOST[:PORT] [HOST[:PORT]...]`);
    b.addresses = list;
  }

  private topic(b: Draft, line: number, all: string[]): void {
    const end = all.findIndex((w, i) => i > 0 && w.startsWith('#')); // a trailing comment, as mosquitto skips it
    const args = end < 0 ? all : all.slice(0, end);
    if (args.length === 0) return this.report(this.scope.file, line, 'usage: topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]');
    if (args.length > 5) return this.report(this.scope.file, line, 'too many values: topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]');
    const unquote = (w: string | undefined): string => (w === undefined || w === '""' ? '' : w);
    const pattern = unquote(args[0]);
    const directionText = (args[1] ?? 'out').toLowerCase();
    if (directionText !== 'in' && directionText !== 'out' && directionText !== 'both') {
      return this.report(this.scope.file, line, `bad bridge topic direction "${args[1]}" (out|in|both)`);
    }
    const qosText = args[2] ?? '0';
    if (!/^[012]$/.test(qosText)) return this.report(this.scope.file, line, `bad bridge topic QoS "${qosText}" (0|1|2)`);
    const localPrefix = unquote(args[3]);
    const remotePrefix = unquote(args[4]);
    if (pattern === '' && (localPrefix === '' || remotePrefix === '')) {
      return this.report(this.scope.file, line, 'a bridge topic of "" needs both a local and a remote prefix (they are then the whole topics)');
    }
    if (pattern !== '') {
      const check = checkTopicFilter(pattern);
      if (!check.ok) return this.report(this.scope.file, line, `bad bridge topic pattern "${pattern}": ${check.reason}`);
    }
    for (const [name, prefix] of [['local', localPrefix], ['remote', remotePrefix]] as const) {
      // A prefix is glued to the pattern: it may not hold wildcards itself.
      if (prefix !== '' && /[+#]/.test(prefix)) return this.report(this.scope.file, line, `bad bridge topic ${name} prefix "${prefix}": no wildcards in a prefix`);
    }
    b.topics.push({
      pattern,
      direction: directionText,
      qos: Number(qosText) as 0 | 1 | 2,
      localPrefix,
      remotePrefix,
      localTopic: localPrefix + pattern,
      remoteTopic: remotePrefix + pattern,
      line,
    });
  }

  private restartTimeout(b: Draft, line: number, args: string[]): void {
    if (args.length < 1 || args.length > 2 || !args.every((a) => /^-?\d+$/.test(a))) {
      return this.report(this.scope.file, line, 'usage: restart_timeout SECONDS | restart_timeout BASE CAP');
    }
    const first = this.atLeast(b, Number(args[0]), 1, 'restart_timeout', 'seconds');
    if (args.length === 1) {
      b.restartTimeout = { kind: 'constant', seconds: first };
      return;
    }
    const cap = Number(args[1]);
    if (cap < first) return this.report(this.scope.file, line, `restart_timeout: the backoff cap ${cap} is lower than the base ${first}`);
    b.restartTimeout = { kind: 'backoff', base: first, cap };
  }

  private int(line: number, keyword: string, args: string[], set: (v: number) => void): void {
    if (args.length !== 1 || !/^-?\d+$/.test(args[0]!) || !Number.isSafeInteger(Number(args[0]))) {
      return this.report(this.scope.file, line, args.length === 1 ? `bad number "${args[0]}" for ${keyword}` : `usage: ${keyword} NUMBER`);
    }
    set(Number(args[0]));
  }

  /** mosquitto raises some values to a minimum with a notice instead of refusing them. */
  private atLeast(b: Draft, value: number, min: number, keyword: string, unit: string): number {
    if (value >= min) return value;
    b.notes.push(`bridge ${b.name}: ${keyword} ${value} is too low, using ${min} ${unit}`);
    return min;
  }

  private complete(b: Draft): BridgeConfig {
    const s = (key: string): string | undefined => b.strings.get(key);
    if (!b.addresses) this.report(b.file, b.line, `bridge "${b.name}" has no address`);
    if (b.topics.length === 0) this.report(b.file, b.line, `bridge "${b.name}" has no topic`);
    if (s('bridge_psk') !== undefined && s('bridge_identity') === undefined) this.report(b.file, b.line, `bridge "${b.name}": bridge_psk needs bridge_identity`);
    if (s('bridge_identity') !== undefined && s('bridge_psk') === undefined) this.report(b.file, b.line, `bridge "${b.name}": bridge_identity needs bridge_psk`);
    if ((s('bridge_certfile') === undefined) !== (s('bridge_keyfile') === undefined)) {
      this.report(b.file, b.line, `bridge "${b.name}" needs both bridge_certfile and bridge_keyfile for a client certificate`);
    }
    if (s('bridge_certfile') !== undefined && s('bridge_cafile') === undefined && s('bridge_capath') === undefined) {
      this.report(b.file, b.line, `bridge "${b.name}": a client certificate needs bridge_cafile or bridge_capath (TLS is on only with one of them)`);
    }
    if (s('remote_password') !== undefined && s('remote_username') === undefined) {
      this.report(b.file, b.line, `bridge "${b.name}": remote_password needs remote_username`);
    }
    if (s('local_password') !== undefined && s('local_username') === undefined) {
      this.report(b.file, b.line, `bridge "${b.name}": local_password needs local_username`);
    }
    const remoteClientId = s('remote_clientid') ?? `${this.hostname}.${b.name}`;
    return {
      name: b.name,
      line: b.line,
      addresses: b.addresses ?? [],
      topics: b.topics,
      protocolVersion: b.protocolVersion,
      tryPrivate: b.tryPrivate,
      cleanSession: b.cleanSession,
      localCleanSession: b.localCleanSession ?? b.cleanSession,
      remoteClientId,
      remoteUsername: s('remote_username'),
      remotePassword: s('remote_password'),
      localClientId: s('local_clientid') ?? `local.${remoteClientId}`,
      localUsername: s('local_username'),
      localPassword: s('local_password'),
      notifications: b.notifications,
      notificationTopic: s('notification_topic') ?? `$SYS/broker/connection/${remoteClientId}/state`,
      notificationsLocalOnly: b.notificationsLocalOnly,
      keepalive: b.keepalive,
      startType: b.startType,
      idleTimeout: b.idleTimeout,
      threshold: b.threshold,
      restartTimeout: b.restartTimeout,
      roundRobin: b.roundRobin,
      attemptUnsubscribe: b.attemptUnsubscribe,
      outgoingRetain: b.outgoingRetain,
      maxPacketSize: b.maxPacketSize,
      bindAddress: s('bridge_bind_address'),
      tls: {
        enabled: s('bridge_cafile') !== undefined || s('bridge_capath') !== undefined || s('bridge_psk') !== undefined,
        cafile: s('bridge_cafile'),
        capath: s('bridge_capath'),
        certfile: s('bridge_certfile'),
        keyfile: s('bridge_keyfile'),
        insecure: b.insecure,
        alpn: s('bridge_alpn'),
        version: s('bridge_tls_version') as BridgeTls['version'],
        requireOcsp: b.requireOcsp,
        identity: s('bridge_identity'),
        psk: s('bridge_psk'),
      },
      notes: b.notes,
    };
  }
}
