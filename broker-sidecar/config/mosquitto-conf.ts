/**
 * Reads the subset of mosquitto.conf(5) that MQTT Desk's broker understands, so that an
 * existing mosquitto configuration can be used unchanged. Placement follows mosquitto 2.0:
 * listener options attach to the most recent `listener`; before the first one they build the
 * "default listener" (also made by `port` / `bind_address`); with `per_listener_settings true`
 * the security options (allow_anonymous, password_file, acl_file) attach to listeners too.
 * Unlike mosquitto, which ignores stray words and reads "abc" as 0, this parser is strict:
 * every problem is reported with file and line, all at once.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_LIMITS,
  type BrokerConfig,
  type LimitsConfig,
  type ListenerConfig,
  type ListenerKind,
  type LogDestination,
  type LogType,
  type SecuritySettings,
} from './broker-config';
import { IssueList, sourceLines, words, type SourceLine } from './config-error';

const LOG_TYPES: readonly LogType[] = ['error', 'warning', 'notice', 'information', 'debug', 'subscribe', 'unsubscribe', 'websockets', 'none', 'all'];
const SIMPLE_DESTS = ['stdout', 'stderr', 'syslog', 'topic', 'dlt', 'none'] as const;

/** Options that belong to a listener (or to the default listener before the first one). */
const LISTENER_OPTIONS = new Set(['protocol', 'cafile', 'certfile', 'keyfile', 'require_certificate', 'use_identity_as_username']);
/** Options that are per listener only with per_listener_settings true. */
const SECURITY_OPTIONS = new Set(['allow_anonymous', 'password_file', 'acl_file']);
/** Recognised but deliberately not supported. */
const UNSUPPORTED = new Set(['include_dir']);

interface SecurityDraft {
  allowAnonymous: boolean | undefined;
  passwordFile: string | undefined;
  aclFile: string | undefined;
}

interface ListenerDraft {
  line: number;
  port: number | undefined;
  bindAddress: string | undefined;
  protocol: 'mqtt' | 'websockets';
  cafile: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  requireCertificate: boolean;
  useIdentityAsUsername: boolean;
  security: SecurityDraft;
}

function newDraft(line: number): ListenerDraft {
  return {
    line,
    port: undefined,
    bindAddress: undefined,
    protocol: 'mqtt',
    cafile: undefined,
    certfile: undefined,
    keyfile: undefined,
    requireCertificate: false,
    useIdentityAsUsername: false,
    security: { allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined },
  };
}

/** Parses mosquitto.conf text; `file` names it in errors and anchors relative paths. Throws ConfigError. */
export function parseMosquittoConf(text: string, file: string): BrokerConfig {
  return new ConfParser(file).parse(text);
}

/** Reads and parses a mosquitto.conf file. Throws ConfigError (or the read error). */
export async function loadMosquittoConf(file: string): Promise<BrokerConfig> {
  return parseMosquittoConf(await readFile(file, 'utf8'), file);
}

class ConfParser {
  private readonly issues: IssueList;
  private readonly dir: string;
  private perListenerSettings = false;
  /** Set by the first listener or security option: per_listener_settings must come before. */
  private placementFixedAt: number | undefined;
  private defaultListener: ListenerDraft | undefined;
  private readonly listeners: ListenerDraft[] = [];
  private current: ListenerDraft | undefined;
  private readonly security: SecurityDraft = { allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined };
  private readonly limits: LimitsConfig = { ...DEFAULT_LIMITS };
  private persistence = false;
  private persistenceLocation: string | undefined;
  private sysInterval = 10;
  private logTypes: LogType[] = [];
  private logDests: LogDestination[] = [];

  constructor(private readonly file: string) {
    this.issues = new IssueList(file);
    this.dir = path.dirname(path.resolve(file));
  }

  parse(text: string): BrokerConfig {
    for (const line of sourceLines(text, { indentedComments: false })) this.directive(line);
    const config = this.finish();
    this.issues.throwIfAny();
    return config;
  }

  /** The listener that listener options go to: the latest `listener`, else the default one. */
  private target(): ListenerDraft {
    if (this.current) return this.current;
    this.defaultListener ??= newDraft(0);
    return this.defaultListener;
  }

  private directive({ line, keyword, rest, raw }: SourceLine): void {
    const args = words(rest);
    // mosquitto splits on spaces only: a tab, even trailing, makes it fail on the line.
    if (raw.includes('\t')) return this.issues.add(line, 'tab characters are not allowed (mosquitto separates with spaces only)');
    if (keyword.startsWith('#')) return this.issues.add(line, 'a comment must start in the first column (mosquitto reads an indented "#" as an option)');
    if (UNSUPPORTED.has(keyword)) return this.issues.add(line, `option "${keyword}" is not supported`);
    if (LISTENER_OPTIONS.has(keyword) || SECURITY_OPTIONS.has(keyword) || keyword === 'listener') {
      this.placementFixedAt ??= line;
    }
    switch (keyword) {
      case 'listener': {
        if (args.length < 1 || args.length > 2) return this.issues.add(line, 'usage: listener PORT [BIND_ADDRESS]');
        const draft = newDraft(line);
        draft.port = this.port(line, args[0]!);
        draft.bindAddress = args[1];
        this.listeners.push(draft);
        this.current = draft;
        return;
      }
      case 'port': {
        if (args.length !== 1) return this.issues.add(line, 'usage: port PORT');
        this.target0().port = this.port(line, args[0]!);
        return;
      }
      case 'bind_address':
        if (args.length !== 1) return this.issues.add(line, 'usage: bind_address ADDRESS');
        this.target0().bindAddress = args[0];
        return;
      case 'per_listener_settings': {
        const value = this.bool(line, keyword, args);
        if (value === undefined) return;
        if (this.placementFixedAt !== undefined) {
          return this.issues.add(line, `per_listener_settings must come before any listener or security option (line ${this.placementFixedAt})`);
        }
        this.perListenerSettings = value;
        return;
      }
      case 'protocol': {
        if (args.length !== 1 || (args[0] !== 'mqtt' && args[0] !== 'websockets')) {
          return this.issues.add(line, 'usage: protocol mqtt|websockets');
        }
        this.target().protocol = args[0];
        return;
      }
      case 'cafile':
      case 'certfile':
      case 'keyfile': {
        const value = this.path(line, keyword, rest);
        if (value !== undefined) this.target()[keyword] = value;
        return;
      }
      case 'require_certificate':
      case 'use_identity_as_username': {
        const value = this.bool(line, keyword, args);
        if (value === undefined) return;
        if (keyword === 'require_certificate') this.target().requireCertificate = value;
        else this.target().useIdentityAsUsername = value;
        return;
      }
      case 'allow_anonymous': {
        const value = this.bool(line, keyword, args);
        if (value !== undefined) this.securityTarget().allowAnonymous = value;
        return;
      }
      case 'password_file':
      case 'acl_file': {
        const value = this.path(line, keyword, rest);
        if (value === undefined) return;
        if (keyword === 'password_file') this.securityTarget().passwordFile = value;
        else this.securityTarget().aclFile = value;
        return;
      }
      case 'persistence': {
        const value = this.bool(line, keyword, args);
        if (value !== undefined) this.persistence = value;
        return;
      }
      case 'persistence_location':
        this.persistenceLocation = this.path(line, keyword, rest);
        return;
      case 'max_connections':
        return this.limit(line, keyword, args, -1, Number.MAX_SAFE_INTEGER, (v) => (this.limits.maxConnections = v));
      case 'max_inflight_messages':
        return this.limit(line, keyword, args, 0, 65535, (v) => (this.limits.maxInflightMessages = v));
      case 'max_queued_messages':
        return this.limit(line, keyword, args, 0, Number.MAX_SAFE_INTEGER, (v) => (this.limits.maxQueuedMessages = v));
      case 'message_size_limit':
        return this.limit(line, keyword, args, 0, 268435455, (v) => (this.limits.messageSizeLimit = v));
      case 'max_keepalive':
        return this.limit(line, keyword, args, 0, 65535, (v) => (this.limits.maxKeepalive = v));
      case 'sys_interval':
        return this.limit(line, keyword, args, 0, Number.MAX_SAFE_INTEGER, (v) => (this.sysInterval = v));
      case 'retain_available': {
        const value = this.bool(line, keyword, args);
        if (value !== undefined) this.limits.retainAvailable = value;
        return;
      }
      case 'allow_control_characters': {
        // An MQTT Desk extension (mosquitto has no such option and refuses them always).
        const value = this.bool(line, keyword, args);
        if (value !== undefined) this.limits.allowControlCharacters = value;
        return;
      }
      case 'log_type':
        if (args.length !== 1 || !LOG_TYPES.includes(args[0] as LogType)) {
          return this.issues.add(line, `usage: log_type ${LOG_TYPES.join('|')}`);
        }
        this.logTypes.push(args[0] as LogType);
        return;
      case 'log_dest':
        return this.logDest(line, args, rest);
      default:
        this.issues.add(line, `unknown option "${keyword}"`);
    }
  }

  /** `port` and `bind_address` always set the default listener, wherever they appear. */
  private target0(): ListenerDraft {
    this.defaultListener ??= newDraft(0);
    return this.defaultListener;
  }

  private securityTarget(): SecurityDraft {
    return this.perListenerSettings ? this.target().security : this.security;
  }

  private port(line: number, text: string): number | undefined {
    const value = this.int(text);
    if (value === undefined || value < 1 || value > 65535) {
      this.issues.add(line, `bad port "${text}" (1-65535)`);
      return undefined;
    }
    return value;
  }

  private int(text: string): number | undefined {
    return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
  }

  private bool(line: number, keyword: string, args: string[]): boolean | undefined {
    if (args.length === 1 && (args[0] === 'true' || args[0] === 'false')) return args[0] === 'true';
    this.issues.add(line, args.length === 1 ? `bad boolean "${args[0]}" for ${keyword} (true|false)` : `usage: ${keyword} true|false`);
    return undefined;
  }

  private limit(line: number, keyword: string, args: string[], min: number, max: number, set: (v: number) => void): void {
    if (args.length !== 1) return this.issues.add(line, `usage: ${keyword} NUMBER`);
    const value = this.int(args[0]!);
    if (value === undefined || value < min || value > max) {
      return this.issues.add(line, `bad number "${args[0]}" for ${keyword} (${min}-${max})`);
    }
    set(value);
  }

  /** Paths are the rest of the line (they may contain spaces), relative to the file's folder. */
  private path(line: number, keyword: string, rest: string): string | undefined {
    if (rest === '') {
      this.issues.add(line, `usage: ${keyword} PATH`);
      return undefined;
    }
    return path.resolve(this.dir, rest);
  }

  private logDest(line: number, args: string[], rest: string): void {
    const kind = args[0];
    if (kind === 'file') {
      const file = rest.slice('file'.length).trim();
      if (file === '') return this.issues.add(line, 'usage: log_dest file PATH');
      this.logDests.push({ kind: 'file', path: path.resolve(this.dir, file) });
      return;
    }
    const simple = SIMPLE_DESTS.find((d) => d === kind);
    if (args.length !== 1 || simple === undefined) {
      return this.issues.add(line, `usage: log_dest ${SIMPLE_DESTS.join('|')}|file PATH`);
    }
    this.logDests.push({ kind: simple });
  }

  private finish(): BrokerConfig {
    const drafts = this.defaultListener ? [this.defaultListener, ...this.listeners] : [...this.listeners];
    // mosquitto 2 "local only mode": no listener at all means localhost:1883 and, unless
    // allow_anonymous was set, anonymous access.
    const localOnly = drafts.length === 0;
    if (localOnly) {
      const draft = newDraft(0);
      draft.bindAddress = 'localhost';
      drafts.push(draft);
    }
    const global = resolveSecurity(this.security, localOnly);
    const listeners = drafts.map((d) => this.listener(d, global, localOnly));
    this.checkDuplicates(listeners);
    return {
      file: this.file,
      perListenerSettings: this.perListenerSettings,
      listeners,
      security: global,
      limits: { ...this.limits },
      persistence: { enabled: this.persistence, location: this.persistenceLocation },
      sysInterval: this.sysInterval,
      logging: {
        types: this.logTypes.length > 0 ? this.logTypes : ['error', 'warning', 'notice', 'information'],
        destinations: this.logDests.length > 0 ? this.logDests : [{ kind: 'stderr' }],
      },
    };
  }

  private listener(d: ListenerDraft, global: SecuritySettings, localOnly: boolean): ListenerConfig {
    const where = d.line;
    if ((d.certfile === undefined) !== (d.keyfile === undefined)) {
      this.issues.add(where, `${d.line === 0 ? 'default listener' : 'listener'} needs both certfile and keyfile for TLS`);
    }
    const tls = d.certfile !== undefined;
    if ((d.requireCertificate || d.useIdentityAsUsername) && !tls) {
      this.issues.add(where, `${d.line === 0 ? 'default listener' : 'listener'}: require_certificate/use_identity_as_username need TLS (certfile and keyfile)`);
    }
    const kind: ListenerKind = d.protocol === 'mqtt' ? (tls ? 'tls' : 'tcp') : tls ? 'wss' : 'ws';
    return {
      port: d.port ?? 1883,
      bindAddress: d.bindAddress,
      protocol: d.protocol,
      kind,
      cafile: d.cafile,
      certfile: d.certfile,
      keyfile: d.keyfile,
      requireCertificate: d.requireCertificate,
      useIdentityAsUsername: d.useIdentityAsUsername,
      security: this.perListenerSettings ? resolveSecurity(d.security, localOnly) : global,
      line: d.line,
    };
  }

  private checkDuplicates(listeners: ListenerConfig[]): void {
    const seen = new Map<string, number>();
    for (const l of listeners) {
      const key = `${l.bindAddress ?? '*'}:${l.port}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) this.issues.add(l.line, `port ${l.port} is already used by the listener on line ${earlier}`);
      else seen.set(key, l.line);
    }
  }
}

function resolveSecurity(draft: SecurityDraft, localOnly: boolean): SecuritySettings {
  return { allowAnonymous: draft.allowAnonymous ?? localOnly, passwordFile: draft.passwordFile, aclFile: draft.aclFile };
}
