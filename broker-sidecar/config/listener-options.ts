/**
 * mosquitto.conf(5)'s listener options: `listener` itself, the deprecated default-listener
 * options (`port`, `bind_address`), and everything that attaches to the current listener
 * (TLS, TLS-PSK, websockets, limits, mount point), with mosquitto 2.0.11's rules for where
 * each goes and what it refuses.
 */

import { newListenerDraft, type ListenerDraft } from './conf-drafts';
import { boolOption, intOption, type OptionHandler } from './conf-reader';

type StringField = 'cafile' | 'capath' | 'certfile' | 'keyfile' | 'crlfile' | 'dhparamfile' | 'httpDir' | 'ciphers' | 'ciphersTls13' | 'pskHint' | 'bindInterface';
type BoolField = 'requireCertificate' | 'useIdentityAsUsername' | 'useSubjectAsUsername' | 'useUsernameAsClientid';

/** A string option of the current listener; `asPath` resolves it against the file's folder. */
const listenerString = (field: StringField, asPath: boolean): OptionHandler => (ctx) => {
  const target = ctx.listener();
  const value = asPath ? ctx.path() : ctx.text();
  if (value !== undefined && ctx.once(target.seen)) target[field] = value;
};

/** cafile and certfile are certificate options, which mosquitto refuses on a listener that already has a psk_hint. */
const certificateFile = (field: 'cafile' | 'certfile'): OptionHandler => (ctx) => {
  if (ctx.listener().pskHint !== undefined) return ctx.error('cannot use both certificate and psk encryption in a single listener');
  listenerString(field, true)(ctx);
};

const listenerBool = (field: BoolField): OptionHandler => boolOption((ctx, value) => (ctx.listener()[field] = value));

const listener: OptionHandler = (ctx) => {
  ctx.draft.localOnly = false;
  const [portText, address] = ctx.words();
  if (portText === undefined) return ctx.error('usage: listener PORT [BIND_ADDRESS|UNIX_SOCKET_PATH]');
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) return ctx.error(`bad port "${portText}" (1-65535, or 0 with a Unix socket path)`);
  if (port === 0 && address === undefined) return ctx.error('a listener with port 0 must give a Unix socket path');
  if (ctx.words().length > 2) ctx.warn(`"${ctx.words().slice(2).join(' ')}" after the listener's address is ignored`);
  const draft: ListenerDraft = newListenerDraft(ctx.src.line, ctx.scope.file);
  draft.port = port;
  if (port === 0) draft.unixSocketPath = address;
  else draft.bindAddress = address;
  ctx.draft.listeners.push(draft);
  ctx.scope.listener = draft;
};

const port: OptionHandler = (ctx) => {
  ctx.notice("The 'port' option is now deprecated and will be removed in a future version. Please use 'listener' instead.");
  ctx.draft.localOnly = false;
  const target = ctx.draft.defaultListener;
  if (target.port !== undefined) ctx.warn('default listener port specified multiple times; only the latest is used');
  const value = ctx.int({ min: 1, max: 65535 });
  if (value !== undefined) target.port = value;
};

const bindAddress: OptionHandler = (ctx) => {
  ctx.notice("The 'bind_address' option is now deprecated and will be removed in a future version.");
  ctx.draft.localOnly = false;
  const target = ctx.draft.defaultListener;
  const address = ctx.text();
  if (address !== undefined && ctx.once(target.seen)) target.bindAddress = address;
};

const protocol: OptionHandler = (ctx) => {
  // mosquitto reports an empty protocol and carries on with the one set before.
  if (ctx.words().length === 0) return ctx.warn('empty protocol value; ignored (mosquitto ignores it too)');
  const value = ctx.choice(['mqtt', 'websockets'] as const);
  if (value !== undefined) ctx.listener().protocol = value;
};

const maxConnections: OptionHandler = (ctx) => {
  if (ctx.words().length === 0) return ctx.warn('empty max_connections value; ignored (mosquitto ignores it too)');
  const value = ctx.int();
  if (value !== undefined) ctx.listener().maxConnections = value < 0 ? -1 : value;
};

const mountPoint: OptionHandler = (ctx) => {
  if (ctx.draft.listeners.length === 0) return ctx.error('mount_point needs a listener line before it');
  const target = ctx.listener();
  const prefix = ctx.text();
  if (prefix === undefined || !ctx.once(target.seen)) return;
  if (/[+#\u0000]/.test(prefix)) return ctx.error(`invalid mount_point "${prefix}": it must be a topic without wildcards`);
  target.mountPoint = prefix;
};

const tlsEngine: OptionHandler = (ctx) => {
  const value = ctx.text();
  if (value === undefined) return;
  if (ctx.keyword === 'tls_engine_kpass_sha1' && !/^[0-9a-fA-F]{40}$/.test(value)) return ctx.error('tls_engine_kpass_sha1 must be 40 hexadecimal digits (a SHA-1)');
  if (ctx.keyword === 'tls_keyform' && value !== 'engine') {
    if (value !== 'pem') ctx.warn(`tls_keyform "${value}" is read as pem, as mosquitto does`);
    return;
  }
  ctx.listener().tlsEngine = true;
  ctx.warn(`${ctx.keyword}: OpenSSL engines (hardware keys) are not available to this broker; ignored, the keyfile must be a PEM key`);
};

/** The listener options by keyword. */
export const LISTENER_OPTIONS: ReadonlyMap<string, OptionHandler> = new Map<string, OptionHandler>([
  ['listener', listener],
  ['port', port],
  ['bind_address', bindAddress],
  ['bind_interface', listenerString('bindInterface', false)],
  ['protocol', protocol],
  ['http_dir', listenerString('httpDir', true)],
  [
    'socket_domain',
    (ctx) => {
      const value = ctx.choice(['ipv4', 'ipv6'] as const);
      if (value !== undefined) ctx.listener().socketDomain = value;
    },
  ],
  ['max_connections', maxConnections],
  ['max_qos', intOption({ min: 0, max: 2 }, (ctx, value) => (ctx.listener().maxQos = value as 0 | 1 | 2))],
  ['maximum_qos', intOption({ min: 0, max: 2 }, (ctx, value) => (ctx.listener().maxQos = value as 0 | 1 | 2))],
  ['max_topic_alias', intOption({ min: 0, max: 65535 }, (ctx, value) => (ctx.listener().maxTopicAlias = value))],
  ['mount_point', mountPoint],
  ['use_username_as_clientid', listenerBool('useUsernameAsClientid')],
  // Certificate based TLS.
  ['cafile', certificateFile('cafile')],
  ['capath', listenerString('capath', true)],
  ['certfile', certificateFile('certfile')],
  ['keyfile', listenerString('keyfile', true)],
  ['ciphers', listenerString('ciphers', false)],
  ['ciphers_tls1.3', listenerString('ciphersTls13', false)],
  ['crlfile', listenerString('crlfile', true)],
  ['dhparamfile', listenerString('dhparamfile', true)],
  ['require_certificate', listenerBool('requireCertificate')],
  ['use_identity_as_username', listenerBool('useIdentityAsUsername')],
  ['use_subject_as_username', listenerBool('useSubjectAsUsername')],
  [
    'tls_version',
    (ctx) => {
      const target = ctx.listener();
      const value = ctx.choice(['tlsv1.3', 'tlsv1.2', 'tlsv1.1'] as const);
      if (value !== undefined && ctx.once(target.seen)) target.tlsVersion = value;
    },
  ],
  ['tls_engine', tlsEngine],
  ['tls_engine_kpass_sha1', tlsEngine],
  ['tls_keyform', tlsEngine],
  // TLS-PSK.
  ['psk_hint', listenerString('pskHint', false)],
]);
