/**
 * What the mosquitto.conf parser builds while it reads: the global settings, the default
 * listener, the listeners and the security settings, each with the lines its string options
 * were set on (mosquitto refuses a string option given twice for the same target).
 */

import { DEFAULT_LIMITS, DEFAULT_LOGGING, type LimitsConfig, type ListenerSettings, type LoggingSettings, type PersistenceConfig } from './broker-config';

/** Where an option was first set (`FILE:LINE`), for "duplicate" messages. */
export type SeenLines = Map<string, string>;

/** Security options as read; undefined means "not in the file" (defaults differ by mode). */
export interface SecurityDraft {
  allowAnonymous: boolean | undefined;
  passwordFile: string | undefined;
  aclFile: string | undefined;
  pskFile: string | undefined;
  allowZeroLengthClientid: boolean;
  autoIdPrefix: string | undefined;
  /** `plugin` / `auth_plugin` lines seen for this target (they cannot be loaded; see the warnings). */
  plugins: number;
  seen: SeenLines;
}

/** A listener as read. */
export interface ListenerDraft extends ListenerSettings {
  /** The file of the `listener` line (the main file for the default listener). */
  file: string;
  port: number | undefined;
  /** tls_engine / tls_keyform engine / tls_engine_kpass_sha1 were set (warned, not used). */
  tlsEngine: boolean;
  security: SecurityDraft;
  seen: SeenLines;
  /** The default listener: the first option that went to it, for the warning when that starts it unasked. */
  firstOption: { keyword: string; file: string; line: number } | undefined;
}

/** Security options before any line: nothing set, mosquitto's defaults apply at the end. */
export function newSecurityDraft(): SecurityDraft {
  return { allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined, pskFile: undefined, allowZeroLengthClientid: true, autoIdPrefix: undefined, plugins: 0, seen: new Map() };
}

/** A listener with mosquitto's defaults, for a `listener` line (or the default listener, line 0). */
export function newListenerDraft(line: number, file: string): ListenerDraft {
  return {
    line,
    file,
    port: undefined,
    bindAddress: undefined,
    unixSocketPath: undefined,
    protocol: 'mqtt',
    cafile: undefined,
    capath: undefined,
    certfile: undefined,
    keyfile: undefined,
    ciphers: undefined,
    ciphersTls13: undefined,
    crlfile: undefined,
    dhparamfile: undefined,
    tlsVersion: undefined,
    tlsEngine: false,
    requireCertificate: false,
    useIdentityAsUsername: false,
    useSubjectAsUsername: false,
    pskHint: undefined,
    socketDomain: undefined,
    bindInterface: undefined,
    httpDir: undefined,
    maxConnections: -1,
    maxQos: 2,
    maxTopicAlias: 10,
    mountPoint: undefined,
    useUsernameAsClientid: false,
    security: newSecurityDraft(),
    seen: new Map(),
    firstOption: undefined,
  };
}

/**
 * Whether mosquitto starts the default listener: only when one of these differs from its
 * default (mosquitto 2.0's config__parse_args). Other options given before the first
 * `listener` (max_topic_alias, http_dir, acl_file...) do not make it on their own.
 */
export function defaultListenerWanted(d: ListenerDraft): boolean {
  const s = d.security;
  return (
    d.bindInterface !== undefined ||
    d.cafile !== undefined ||
    d.capath !== undefined ||
    d.certfile !== undefined ||
    d.keyfile !== undefined ||
    d.tlsEngine ||
    d.ciphers !== undefined ||
    d.ciphersTls13 !== undefined ||
    d.dhparamfile !== undefined ||
    d.pskHint !== undefined ||
    d.requireCertificate ||
    d.crlfile !== undefined ||
    d.useIdentityAsUsername ||
    d.useSubjectAsUsername ||
    d.useUsernameAsClientid ||
    d.bindAddress !== undefined ||
    d.port !== undefined ||
    d.maxConnections !== -1 ||
    d.maxQos !== 2 ||
    d.mountPoint !== undefined ||
    d.protocol !== 'mqtt' ||
    d.socketDomain !== undefined ||
    s.passwordFile !== undefined ||
    s.pskFile !== undefined ||
    s.plugins > 0 ||
    !s.allowZeroLengthClientid
  );
}

/** Everything a configuration sets, while it is read. */
export class ConfDraft {
  perListenerSettings = false;
  /** First security option (file and line): per_listener_settings true must come before it. */
  securityAt: { file: string; line: number } | undefined;
  /** mosquitto's local-only mode lasts until a `listener`, `port` or `bind_address` line. */
  localOnly = true;
  readonly defaultListener: ListenerDraft;
  readonly listeners: ListenerDraft[] = [];
  readonly security = newSecurityDraft();
  readonly limits: LimitsConfig = { ...DEFAULT_LIMITS };
  readonly persistence: PersistenceConfig = { enabled: false, location: undefined, file: undefined, autosaveInterval: undefined, autosaveOnChanges: false };
  sysInterval = 10;
  /** Logging options as read: no types or destinations until the file names some. */
  readonly logging: LoggingSettings = { ...DEFAULT_LOGGING, types: [], destinations: [] };
  /** `log_dest file` seen (mosquitto allows one). */
  logFileAt: number | undefined;
  pidFile: string | undefined;
  user: string | undefined;
  websocketsHeadersSize = 0;
  /** Global string options already set, by keyword. */
  readonly seen: SeenLines = new Map();
  /** Whether a plugin was named, so its `plugin_opt_*` / `auth_opt_*` lines have an owner. */
  pluginSeen = false;

  constructor(readonly mainFile: string) {
    this.defaultListener = newListenerDraft(0, mainFile);
  }
}
