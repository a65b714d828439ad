/**
 * The last step of reading a mosquitto.conf: from what the lines set (the drafts) to the
 * configuration the broker runs, with mosquitto 2.0's rules for what was left out: the
 * default listener only when something asked for it, local-only mode without any listener
 * line, allow_anonymous false once a listener is configured, `auto-` as the ID prefix.
 * Listener combinations mosquitto runs but that cannot do what they seem to (a certfile
 * without a keyfile runs without TLS) are warned about, never refused.
 */

import { DEFAULT_LOGGING, type BrokerConfig, type ListenerConfig, type ListenerKind, type SecuritySettings } from './broker-config';
import { defaultListenerWanted, newListenerDraft, type ConfDraft, type ListenerDraft, type SecurityDraft } from './conf-drafts';
import type { ConfIssues } from './conf-reader';

/** Builds the configuration; adds warnings and errors (duplicate ports) to `issues`. */
export function finishConfig(draft: ConfDraft, issues: ConfIssues): Omit<BrokerConfig, 'bridges'> {
  // mosquitto 2 "local only mode": no listener, port or bind_address line means localhost:1883
  // and, unless allow_anonymous says otherwise, anonymous access. Whatever else was set for the
  // default listener is dropped with it, as mosquitto does.
  const localOnly = draft.localOnly;
  let drafts: ListenerDraft[];
  if (localOnly) {
    const local = newListenerDraft(0, draft.mainFile);
    local.bindAddress = 'localhost';
    local.security = draft.defaultListener.security;
    drafts = [local];
  } else {
    const fallback = draft.defaultListener;
    drafts = defaultListenerWanted(fallback) ? [fallback, ...draft.listeners] : [...draft.listeners];
    const first = fallback.firstOption;
    if (drafts[0] === fallback && fallback.port === undefined && fallback.bindAddress === undefined && draft.listeners.length > 0 && first) {
      // Easy to do by accident: a listener option written above the `listener` line it was meant for.
      issues.warnings.push({ ...first, message: `${first.keyword} before the first listener line belongs to mosquitto's default listener, which then also listens on port 1883 on every interface` });
    }
  }
  const global = resolveSecurity(draft.security, localOnly);
  const listeners = drafts.map((d) => listenerConfig(d, draft.perListenerSettings ? resolveSecurity(d.security, localOnly) : global, issues));
  checkDuplicatePorts(listeners, drafts, issues);
  const { logging } = draft;
  return {
    file: draft.mainFile,
    perListenerSettings: draft.perListenerSettings,
    listeners,
    security: global,
    limits: { ...draft.limits },
    persistence: { ...draft.persistence },
    sysInterval: draft.sysInterval,
    logging: {
      ...logging,
      types: logging.types.length > 0 ? logging.types : [...DEFAULT_LOGGING.types],
      destinations: logging.destinations.length > 0 ? logging.destinations : [...DEFAULT_LOGGING.destinations],
    },
    pidFile: draft.pidFile,
    user: draft.user,
    websocketsHeadersSize: draft.websocketsHeadersSize,
    warnings: issues.warnings,
    notices: issues.notices,
  };
}

function resolveSecurity(draft: SecurityDraft, localOnly: boolean): SecuritySettings {
  return {
    allowAnonymous: draft.allowAnonymous ?? localOnly,
    passwordFile: draft.passwordFile,
    aclFile: draft.aclFile,
    pskFile: draft.pskFile,
    allowZeroLengthClientid: draft.allowZeroLengthClientid,
    autoIdPrefix: draft.autoIdPrefix ?? 'auto-',
  };
}

function listenerConfig(d: ListenerDraft, security: SecuritySettings, issues: ConfIssues): ListenerConfig {
  const warn = (message: string): void => void issues.warnings.push({ file: d.file, line: d.line, message: `${d.line === 0 ? 'default listener' : 'listener'}: ${message}` });
  const websockets = d.protocol === 'websockets';
  if ((d.certfile === undefined) !== (d.keyfile === undefined)) {
    warn(`${d.certfile === undefined ? 'keyfile' : 'certfile'} without ${d.certfile === undefined ? 'certfile' : 'keyfile'}: certificate TLS needs both, so this listener runs without it, as in mosquitto`);
  }
  const certificates = d.certfile !== undefined && d.keyfile !== undefined;
  let pskHint = d.pskHint;
  if (pskHint !== undefined && websockets) {
    warn('psk_hint has no effect on a websockets listener (no TLS-PSK over WebSocket, as in mosquitto)');
    pskHint = undefined;
  }
  const tls = certificates || pskHint !== undefined;
  if (!tls) {
    const unused = (
      [
        ['require_certificate', d.requireCertificate],
        ['use_identity_as_username', d.useIdentityAsUsername],
        ['use_subject_as_username', d.useSubjectAsUsername],
        ['cafile', d.cafile !== undefined],
        ['capath', d.capath !== undefined],
        ['crlfile', d.crlfile !== undefined],
        ['ciphers', d.ciphers !== undefined],
        ['ciphers_tls1.3', d.ciphersTls13 !== undefined],
        ['dhparamfile', d.dhparamfile !== undefined],
        ['tls_version', d.tlsVersion !== undefined],
      ] as const
    ).filter(([, set]) => set);
    if (unused.length > 0) warn(`${unused.map(([name]) => name).join(', ')} ha${unused.length > 1 ? 've' : 's'} no effect without TLS (certfile and keyfile, or psk_hint)`);
  }
  if (pskHint !== undefined && security.pskFile === undefined) warn('psk_hint without a psk_file: every TLS-PSK handshake will fail');
  if (d.httpDir !== undefined && !websockets) warn('http_dir has no effect on an mqtt listener (it serves files on websockets listeners)');
  const kind: ListenerKind = websockets ? (tls ? 'wss' : 'ws') : tls ? 'tls' : 'tcp';
  const { file: _file, port, tlsEngine: _engine, security: _drafted, seen: _seen, firstOption: _first, ...settings } = d;
  return {
    ...settings,
    port: port ?? 1883,
    kind,
    certfile: certificates ? d.certfile : undefined,
    keyfile: certificates ? d.keyfile : undefined,
    requireCertificate: tls && d.requireCertificate,
    useIdentityAsUsername: tls && d.useIdentityAsUsername,
    useSubjectAsUsername: tls && d.useSubjectAsUsername,
    pskHint,
    httpDir: websockets ? d.httpDir : undefined,
    security,
  };
}

/** Two listeners on one address and port cannot both open (mosquitto fails to start too). */
function checkDuplicatePorts(listeners: ListenerConfig[], drafts: ListenerDraft[], issues: ConfIssues): void {
  const seen = new Map<string, ListenerDraft>();
  listeners.forEach((l, i) => {
    const draft = drafts[i]!;
    const key = l.unixSocketPath !== undefined ? `unix:${l.unixSocketPath}` : `${l.bindAddress ?? '*'}:${l.port}`;
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, draft);
      return;
    }
    const where = earlier.file === draft.file ? `line ${earlier.line}` : `${earlier.file}:${earlier.line}`;
    const what = l.unixSocketPath !== undefined ? `socket ${l.unixSocketPath}` : `port ${l.port}`;
    issues.errors.push({ file: draft.file, line: draft.line, message: `${what} is already used by the listener on ${where}` });
  });
}
