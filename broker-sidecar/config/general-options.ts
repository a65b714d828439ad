/**
 * mosquitto.conf(5)'s general options (security, limits, persistence, logging, process),
 * one handler each, with mosquitto 2.0.11's ranges and defaults: values mosquitto clamps are
 * clamped, values it refuses are refused. Listener options live in listener-options.ts.
 */

import path from 'node:path';
import type { LogDestination, LogType } from './broker-config';
import { boolOption, intOption, type OptionContext, type OptionHandler } from './conf-reader';

const LOG_TYPES: readonly LogType[] = ['error', 'warning', 'notice', 'information', 'debug', 'subscribe', 'unsubscribe', 'websockets', 'internal', 'none', 'all'];
const SIMPLE_DESTS = ['stdout', 'stderr', 'syslog', 'topic', 'dlt', 'none'] as const;

/** Seconds per persistent_client_expiration unit: hour, day, week, month (30 days), year (365 days). */
const DURATION_UNITS: Record<string, number> = { h: 3600, d: 86400, w: 7 * 86400, m: 30 * 86400, y: 365 * 86400 };

const deprecated = (ctx: OptionContext, extra = ''): void => ctx.notice(`The '${ctx.keyword}' option is now deprecated and will be removed in a future version.${extra}`);

const plugin: OptionHandler = (ctx) => {
  const file = ctx.path();
  if (file === undefined) return;
  ctx.security().plugins++;
  ctx.draft.pluginSeen = true;
  ctx.warn(`${ctx.keyword} ${file}: mosquitto plugins are C libraries, which this broker cannot load; ignored (with its ${ctx.keyword === 'plugin' ? 'plugin_opt_*' : 'auth_opt_*'} options)`);
};

/** plugin_opt_* / auth_opt_*: options of the plugin before them, which is warned about and not loaded. */
const pluginOption: OptionHandler = (ctx) => {
  if (!ctx.draft.pluginSeen) return ctx.error(`${ctx.keyword} has no plugin or auth_plugin before it`);
  if (ctx.src.rest === '') return ctx.error(`empty ${ctx.keyword} value`);
};

const securityPath = (field: 'passwordFile' | 'aclFile' | 'pskFile'): OptionHandler => (ctx) => {
  const security = ctx.security();
  const file = ctx.path();
  if (file !== undefined && ctx.once(security.seen)) security[field] = file;
};

const globalBool = boolOption;

/** An integer that mosquitto clamps to 0 when negative. */
const nonNegative = (set: (ctx: OptionContext, value: number) => void): OptionHandler => intOption({}, (ctx, value) => set(ctx, Math.max(0, value)));

const logDest: OptionHandler = (ctx) => {
  const [kind] = ctx.words();
  const { draft } = ctx;
  if (kind === 'file') {
    const file = ctx.src.rest.slice('file'.length).trim();
    if (file === '') return ctx.error('usage: log_dest file PATH');
    // mosquitto opens one log file only.
    if (draft.logFileAt !== undefined) return ctx.error(`duplicate "log_dest file" (first on line ${draft.logFileAt})`);
    draft.logFileAt = ctx.src.line;
    // The path is what follows "file"; a relative one is anchored at the file's folder like every path.
    draft.logging.destinations.push({ kind: 'file', path: path.resolve(ctx.scope.dir, file) });
    return;
  }
  const simple = SIMPLE_DESTS.find((d) => d === kind);
  if (simple === undefined) return ctx.error(`usage: log_dest ${SIMPLE_DESTS.join('|')}|file PATH`);
  if (ctx.words().length > 1) ctx.warn(`"${ctx.words().slice(1).join(' ')}" after log_dest ${simple} is ignored`);
  if (simple === 'dlt') ctx.warn('log_dest dlt: the automotive Diagnostic Log and Trace daemon is not available to this broker; ignored');
  draft.logging.destinations.push({ kind: simple } as LogDestination);
};

const logType: OptionHandler = (ctx) => {
  const [type] = ctx.words();
  // mosquitto reports an empty log_type and carries on.
  if (type === undefined) return ctx.warn('empty log_type value; ignored (mosquitto ignores it too)');
  if (!LOG_TYPES.includes(type as LogType)) return ctx.error(`usage: log_type ${LOG_TYPES.join('|')}`);
  ctx.draft.logging.types.push(type as LogType);
};

const persistentClientExpiration: OptionHandler = (ctx) => {
  const [text] = ctx.words();
  if (text === undefined) return ctx.warn('empty persistent_client_expiration value; ignored (mosquitto ignores it too)');
  const unit = DURATION_UNITS[text.slice(-1)];
  const amount = Number.parseInt(text.slice(0, -1), 10);
  if (unit === undefined || !Number.isFinite(amount) || amount <= 0) {
    return ctx.error(`bad duration "${text}" for persistent_client_expiration (a number followed by h, d, w, m or y)`);
  }
  ctx.draft.limits.persistentClientExpiration = amount * unit;
};

/** The general options by keyword. */
export const GENERAL_OPTIONS: ReadonlyMap<string, OptionHandler> = new Map<string, OptionHandler>([
  // Security (per listener with per_listener_settings true).
  ['acl_file', securityPath('aclFile')],
  ['password_file', securityPath('passwordFile')],
  ['psk_file', securityPath('pskFile')],
  ['allow_anonymous', globalBool((ctx, v) => (ctx.security().allowAnonymous = v))],
  ['allow_zero_length_clientid', globalBool((ctx, v) => (ctx.security().allowZeroLengthClientid = v))],
  [
    'auto_id_prefix',
    (ctx) => {
      const security = ctx.security();
      const prefix = ctx.text();
      if (prefix !== undefined && ctx.once(security.seen)) security.autoIdPrefix = prefix;
    },
  ],
  ['plugin', plugin],
  ['auth_plugin', plugin],
  [
    'auth_plugin_deny_special_chars',
    (ctx) => {
      if (!ctx.draft.pluginSeen) return ctx.error('auth_plugin_deny_special_chars has no auth_plugin before it');
      ctx.bool();
    },
  ],
  // mosquitto files check_retain_source with the security options (it counts for per_listener_settings' placement), but it is global.
  [
    'check_retain_source',
    globalBool((ctx, v) => {
      ctx.security();
      ctx.draft.limits.checkRetainSource = v;
    }),
  ],
  [
    'per_listener_settings',
    (ctx) => {
      const value = ctx.bool();
      if (value === undefined) return;
      const at = ctx.draft.securityAt;
      if (value && at) return ctx.error(`per_listener_settings must come before every security option (${at.file}:${at.line})`);
      ctx.draft.perListenerSettings = value;
    },
  ],
  [
    'clientid_prefixes',
    (ctx) => {
      deprecated(ctx);
      const prefix = ctx.text();
      if (prefix !== undefined && ctx.once(ctx.draft.seen)) ctx.draft.limits.clientidPrefixes = prefix;
    },
  ],
  // Limits.
  ['max_inflight_bytes', nonNegative((ctx, v) => (ctx.draft.limits.maxInflightBytes = v))],
  [
    'max_inflight_messages',
    (ctx) => {
      const value = ctx.int({ max: 65535 });
      // mosquitto: negative and 65535 both mean "no maximum".
      if (value !== undefined) ctx.draft.limits.maxInflightMessages = value < 0 || value === 65535 ? 0 : value;
    },
  ],
  ['max_queued_bytes', nonNegative((ctx, v) => (ctx.draft.limits.maxQueuedBytes = v))],
  ['max_queued_messages', nonNegative((ctx, v) => (ctx.draft.limits.maxQueuedMessages = v))],
  ['max_keepalive', intOption({ min: 10, max: 65535 }, (ctx, value) => (ctx.draft.limits.maxKeepalive = value))],
  ['max_packet_size', intOption({ min: 20 }, (ctx, value) => (ctx.draft.limits.maxPacketSize = value))],
  ['memory_limit', intOption({ min: 0 }, (ctx, value) => (ctx.draft.limits.memoryLimit = value))],
  [
    'message_size_limit',
    (ctx) => {
      ctx.notice('It is recommended to replace `message_size_limit` with `max_packet_size`.');
      const value = ctx.int({ min: 0, max: 268435455 });
      if (value !== undefined) ctx.draft.limits.messageSizeLimit = value;
    },
  ],
  ['persistent_client_expiration', persistentClientExpiration],
  ['queue_qos0_messages', globalBool((ctx, v) => (ctx.draft.limits.queueQos0Messages = v))],
  ['retain_available', globalBool((ctx, v) => (ctx.draft.limits.retainAvailable = v))],
  // An MQTT Desk extension: mosquitto has no such option and always refuses control characters.
  ['allow_control_characters', globalBool((ctx, v) => (ctx.draft.limits.allowControlCharacters = v))],
  ['set_tcp_nodelay', globalBool((ctx, v) => (ctx.draft.limits.setTcpNodelay = v))],
  ['upgrade_outgoing_qos', globalBool((ctx, v) => (ctx.draft.limits.upgradeOutgoingQos = v))],
  [
    'allow_duplicate_messages',
    globalBool((ctx) => deprecated(ctx, ' The behaviour will default to true. (This broker sends a message once per client, whatever the setting.)')),
  ],
  ['retry_interval', (ctx) => ctx.warn('the retry_interval option is no longer available (mosquitto 2.0 resends on reconnect only); ignored')],
  ['sys_interval', intOption({ min: 0, max: 65535 }, (ctx, value) => (ctx.draft.sysInterval = value))],
  // Persistence.
  ['persistence', globalBool((ctx, v) => (ctx.draft.persistence.enabled = v))],
  ['retained_persistence', globalBool((ctx, v) => (ctx.draft.persistence.enabled = v))],
  [
    'persistence_location',
    (ctx) => {
      const dir = ctx.path();
      if (dir !== undefined && ctx.once(ctx.draft.seen)) ctx.draft.persistence.location = dir;
    },
  ],
  [
    'persistence_file',
    (ctx) => {
      const name = ctx.text();
      if (name !== undefined && ctx.once(ctx.draft.seen)) ctx.draft.persistence.file = name;
    },
  ],
  ['autosave_interval', nonNegative((ctx, v) => (ctx.draft.persistence.autosaveInterval = v))],
  ['autosave_on_changes', globalBool((ctx, v) => (ctx.draft.persistence.autosaveOnChanges = v))],
  // Logging.
  ['log_dest', logDest],
  ['log_type', logType],
  ['log_timestamp', globalBool((ctx, v) => (ctx.draft.logging.timestamp = v))],
  [
    'log_timestamp_format',
    (ctx) => {
      const format = ctx.text();
      if (format !== undefined && ctx.once(ctx.draft.seen)) ctx.draft.logging.timestampFormat = format;
    },
  ],
  ['log_facility', intOption({ min: 0, max: 7 }, (ctx, value) => (ctx.draft.logging.facility = 16 + value))], // LOG_LOCAL0 is facility 16
  ['connection_messages', globalBool((ctx, v) => (ctx.draft.logging.connectionMessages = v))],
  ['websockets_log_level', intOption({}, (ctx, value) => (ctx.draft.logging.websocketsLogLevel = value))],
  ['websockets_headers_size', intOption({ min: 0, max: 65535 }, (ctx, value) => (ctx.draft.websocketsHeadersSize = value))],
  // The process.
  [
    'pid_file',
    (ctx) => {
      const file = ctx.path();
      if (file !== undefined && ctx.once(ctx.draft.seen)) ctx.draft.pidFile = file;
    },
  ],
  [
    'user',
    (ctx) => {
      const user = ctx.text();
      if (user !== undefined) ctx.draft.user = user;
    },
  ],
]);

/** Keywords that start with these prefixes are plugin options. */
export const PLUGIN_OPTION_PREFIXES = ['auth_opt_', 'plugin_opt_'] as const;

/** The handler for `auth_opt_*` / `plugin_opt_*` keywords. */
export { pluginOption };
