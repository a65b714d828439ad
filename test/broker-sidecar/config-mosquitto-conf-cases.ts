import path from 'node:path';
import { expect } from 'vitest';
import { DEFAULT_LIMITS, type BrokerConfig } from '../../broker-sidecar/config/broker-config';
import type { TlsExtras } from '../helpers/mosquitto-conf';
import type { TestPki } from '../helpers/tls';

// The tables of config-mosquitto-conf.test.ts: accepted files, files accepted with a
// warning, and refused files, each with what mosquitto 2.0.11 does with the same file.
// Kept apart so the test file reads as the checks alone.

/** What the cases refer to; the test fills it in beforeAll (free ports, a temporary folder, a PKI). */
export interface CaseEnv {
  dir: string;
  pki: TestPki;
  extras: TlsExtras;
  ports: [number, number];
}

/** Filled by the test before any expectation is evaluated. */
export const env = {} as CaseEnv;

const P1 = (): number => env.ports[0];
const P2 = (): number => env.ports[1];
const plugin = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface GoodCase {
  name: string;
  text: string;
  expected: () => Partial<BrokerConfig> | Record<string, unknown>;
  /** Warnings as `LINE: message` (regexes allowed); none by default. */
  warnings?: Array<string | RegExp>;
  /** Ports mosquitto must open (by index); 'none' = not started (says why). */
  real: number[] | 'none';
}

export const good: GoodCase[] = [
  {
    name: 'a listener with an address and anonymous access',
    text: 'listener {P1} 127.0.0.1\nallow_anonymous true\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), bindAddress: '127.0.0.1', kind: 'tcp', line: 1 })], security: expect.objectContaining({ allowAnonymous: true, passwordFile: undefined }) }),
    real: [0],
  },
  {
    name: 'deprecated port and bind_address make the default listener, with mosquitto notices',
    text: 'port {P1}\nbind_address 127.0.0.1\n',
    expected: () => ({
      listeners: [expect.objectContaining({ port: P1(), bindAddress: '127.0.0.1', kind: 'tcp', line: 0 })],
      security: expect.objectContaining({ allowAnonymous: false }),
      notices: [expect.objectContaining({ line: 1, message: expect.stringContaining("'port' option is now deprecated") }), expect.objectContaining({ line: 2 })],
    }),
    real: [0],
  },
  {
    name: 'comments, blank lines, indentation, trailing spaces and CRLF are ignored',
    text: '# a comment\r\n\r\n  \r\nlistener {P1} 127.0.0.1   \r\n   allow_anonymous false  \r\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), line: 4 })], security: expect.objectContaining({ allowAnonymous: false }) }),
    real: [0],
  },
  {
    name: 'a trailing # comment after word values, and booleans written 1 and 0',
    text: 'listener {P1} 127.0.0.1 # the test port\nallow_anonymous 1 # yes\nretain_available 0\n',
    expected: () => ({ listeners: [expect.objectContaining({ bindAddress: '127.0.0.1' })], security: expect.objectContaining({ allowAnonymous: true }), limits: expect.objectContaining({ retainAvailable: false }) }),
    real: [0],
  },
  {
    name: 'listener options before the first listener go to the default listener',
    text: 'port {P1}\nbind_address 127.0.0.1\nprotocol mqtt\nmax_connections 7\nlistener {P2} 127.0.0.1\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), line: 0, maxConnections: 7 }), expect.objectContaining({ port: P2(), line: 5, maxConnections: -1 })] }),
    real: [0, 1],
  },
  {
    name: 'relative password, ACL and persistence paths resolve against the file',
    text: 'listener {P1} 127.0.0.1\npassword_file passwd\nacl_file acl\npersistence true\npersistence_location data/\npersistence_file desk.db\n',
    expected: () => ({
      security: expect.objectContaining({ allowAnonymous: false, passwordFile: path.join(env.dir, 'passwd'), aclFile: path.join(env.dir, 'acl') }),
      persistence: { enabled: true, location: path.join(env.dir, 'data'), file: 'desk.db', autosaveInterval: undefined, autosaveOnChanges: false },
    }),
    real: [0],
  },
  {
    name: 'per_listener_settings gives each listener its own security, client ID options included',
    text: [
      'per_listener_settings true',
      'listener {P1} 127.0.0.1',
      'allow_anonymous true',
      'auto_id_prefix one-',
      'listener {P2} 127.0.0.1',
      'password_file passwd',
      'allow_zero_length_clientid false',
      '',
    ].join('\n'),
    expected: () => ({
      perListenerSettings: true,
      listeners: [
        expect.objectContaining({ security: expect.objectContaining({ allowAnonymous: true, passwordFile: undefined, autoIdPrefix: 'one-', allowZeroLengthClientid: true }) }),
        expect.objectContaining({ security: expect.objectContaining({ allowAnonymous: false, passwordFile: path.join(env.dir, 'passwd'), autoIdPrefix: 'auto-', allowZeroLengthClientid: false }) }),
      ],
    }),
    real: [0, 1],
  },
  {
    name: 'per_listener_settings after a listener line but before any security option',
    text: 'listener {P1} 127.0.0.1\nper_listener_settings true\nallow_anonymous true\n',
    expected: () => ({ perListenerSettings: true, listeners: [expect.objectContaining({ security: expect.objectContaining({ allowAnonymous: true }) })] }),
    real: [0],
  },
  {
    name: 'a TLS listener with client certificates, capath, a CRL, ciphers, DH parameters and a TLS version',
    text: [
      'listener {P1} 127.0.0.1',
      'listener {P2} 127.0.0.1',
      'cafile {PKI}/ca.crt',
      'capath {CAPATH}',
      'certfile {PKI}/server.crt',
      'keyfile {PKI}/server.key',
      'crlfile {CRL}',
      'ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256',
      'ciphers_tls1.3 TLS_AES_128_GCM_SHA256',
      'dhparamfile {DH}',
      'tls_version tlsv1.2',
      'require_certificate true',
      'use_subject_as_username true',
      'tls_keyform pem',
      '',
    ].join('\n'),
    expected: () => ({
      listeners: [
        expect.objectContaining({ kind: 'tcp', certfile: undefined }),
        expect.objectContaining({
          kind: 'tls',
          cafile: `${env.pki.dir}/ca.crt`,
          capath: env.extras.capath,
          crlfile: env.extras.crlEmpty,
          ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256',
          ciphersTls13: 'TLS_AES_128_GCM_SHA256',
          dhparamfile: env.extras.dhparam,
          tlsVersion: 'tlsv1.2',
          requireCertificate: true,
          useSubjectAsUsername: true,
        }),
      ],
    }),
    real: [0, 1],
  },
  {
    name: 'a TLS-PSK listener with psk_hint, psk_file and the identity as username',
    text: 'listener {P1} 127.0.0.1\npsk_hint desk-hint\npsk_file psk\nuse_identity_as_username true\nciphers PSK-AES128-GCM-SHA256\n',
    expected: () => ({ listeners: [expect.objectContaining({ kind: 'tls', pskHint: 'desk-hint', useIdentityAsUsername: true, security: expect.objectContaining({ pskFile: path.join(env.dir, 'psk') }) })] }),
    real: [0],
  },
  {
    name: 'limits and broker switches',
    text: [
      'listener {P1} 127.0.0.1',
      'max_connections 10',
      'max_inflight_messages 5',
      'max_inflight_bytes 4096',
      'max_queued_messages 100',
      'max_queued_bytes 65536',
      'message_size_limit 1024',
      'max_packet_size 2048',
      'memory_limit 10000000',
      'max_keepalive 120',
      'retain_available false',
      'queue_qos0_messages true',
      'upgrade_outgoing_qos true',
      'check_retain_source false',
      'clientid_prefixes desk-',
      'set_tcp_nodelay true',
      'persistent_client_expiration 2d',
      'allow_duplicate_messages false',
      'sys_interval 0',
      '',
    ].join('\n'),
    expected: () => ({
      listeners: [expect.objectContaining({ maxConnections: 10 })],
      limits: {
        ...DEFAULT_LIMITS,
        maxInflightMessages: 5,
        maxInflightBytes: 4096,
        maxQueuedMessages: 100,
        maxQueuedBytes: 65536,
        messageSizeLimit: 1024,
        maxPacketSize: 2048,
        memoryLimit: 10_000_000,
        maxKeepalive: 120,
        retainAvailable: false,
        queueQos0Messages: true,
        upgradeOutgoingQos: true,
        checkRetainSource: false,
        clientidPrefixes: 'desk-',
        setTcpNodelay: true,
        persistentClientExpiration: 2 * 86400,
      },
      sysInterval: 0,
    }),
    real: [0],
  },
  {
    name: 'values mosquitto clamps: negative queue and inflight limits, 65535 in flight, negative max_connections',
    text: 'listener {P1} 127.0.0.1\nmax_queued_messages -5\nmax_inflight_messages 65535\nautosave_interval -1\nmax_connections -7\n',
    expected: () => ({ limits: expect.objectContaining({ maxQueuedMessages: 0, maxInflightMessages: 0 }), persistence: expect.objectContaining({ autosaveInterval: 0 }), listeners: [expect.objectContaining({ maxConnections: -1 })] }),
    real: [0],
  },
  {
    name: 'logging: types, destinations, timestamps, facility, connection messages, websockets level',
    text: [
      'listener {P1} 127.0.0.1',
      'log_type error',
      'log_type subscribe',
      'log_dest stdout',
      'log_dest file logs/broker.log',
      'log_dest syslog',
      'log_timestamp false',
      'log_timestamp_format %Y-%m-%dT%H:%M:%S',
      'log_facility 5',
      'connection_messages false',
      'websockets_log_level 7',
      '',
    ].join('\n'),
    expected: () => ({
      logging: {
        types: ['error', 'subscribe'],
        destinations: [{ kind: 'stdout' }, { kind: 'file', path: path.join(env.dir, 'logs/broker.log') }, { kind: 'syslog' }],
        timestamp: false,
        timestampFormat: '%Y-%m-%dT%H:%M:%S',
        facility: 21,
        connectionMessages: false,
        websocketsLogLevel: 7,
      },
    }),
    real: [0],
  },
  {
    name: 'persistence: retained_persistence, autosave_interval and autosave_on_changes',
    text: 'listener {P1} 127.0.0.1\nretained_persistence true\npersistence_location data\nautosave_interval 60\nautosave_on_changes true\n',
    expected: () => ({ persistence: { enabled: true, location: path.join(env.dir, 'data'), file: undefined, autosaveInterval: 60, autosaveOnChanges: true } }),
    real: [0],
  },
  {
    name: 'listener options: socket_domain, bind_interface, max_qos, max_topic_alias, mount_point, use_username_as_clientid',
    text: 'listener {P1} 127.0.0.1\nsocket_domain ipv4\nbind_interface lo\nmax_qos 1\nmax_topic_alias 3\nmount_point tenant/\nuse_username_as_clientid true\nlistener {P2} 127.0.0.1\nmaximum_qos 0\n',
    expected: () => ({
      listeners: [
        expect.objectContaining({ socketDomain: 'ipv4', bindInterface: 'lo', maxQos: 1, maxTopicAlias: 3, mountPoint: 'tenant/', useUsernameAsClientid: true }),
        expect.objectContaining({ maxQos: 0, maxTopicAlias: 10, mountPoint: undefined }),
      ],
    }),
    real: [0, 1],
  },
  {
    name: 'the process: pid_file and user',
    text: 'listener {P1} 127.0.0.1\npid_file data/broker.pid\nuser mosquitto\n',
    expected: () => ({ pidFile: path.join(env.dir, 'data/broker.pid'), user: 'mosquitto' }),
    real: [0],
  },
  {
    name: 'a Unix socket listener',
    text: 'listener 0 {DIR}/data/broker.sock\nallow_anonymous true\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: 0, unixSocketPath: `${env.dir}/data/broker.sock`, kind: 'tcp' })] }),
    real: 'none', // mosquitto opens no TCP port to wait for; the socket is tested with mosquitto_pub --unix in config-options
  },
  {
    name: 'websockets listeners, plain with http_dir and over TLS',
    text: 'listener {P1}\nprotocol websockets\nhttp_dir www\nwebsockets_headers_size 4096\nlistener {P2}\nprotocol websockets\ncertfile {PKI}/server.crt\nkeyfile {PKI}/server.key\n',
    expected: () => ({ listeners: [expect.objectContaining({ kind: 'ws', protocol: 'websockets', httpDir: path.join(env.dir, 'www') }), expect.objectContaining({ kind: 'wss' })], websocketsHeadersSize: 4096 }),
    real: 'none', // Debian's libwebsockets build could not open listeners in this sandbox
  },
  {
    name: 'an empty file is mosquitto 2 local-only mode',
    text: '# nothing\n',
    expected: () => ({
      listeners: [expect.objectContaining({ port: 1883, bindAddress: 'localhost', kind: 'tcp' })],
      security: expect.objectContaining({ allowAnonymous: true, passwordFile: undefined, aclFile: undefined }),
      limits: DEFAULT_LIMITS,
      sysInterval: 10,
      persistence: expect.objectContaining({ enabled: false, location: undefined }),
      logging: expect.objectContaining({ types: ['error', 'warning', 'notice', 'information'], destinations: [{ kind: 'stderr' }] }),
      user: undefined,
      warnings: [],
    }),
    real: 'none', // needs port 1883
  },
];

/** Accepted like mosquitto accepts them, each with a warning saying what does not apply or how it is read. */
export const warned: GoodCase[] = [
  {
    name: 'plugins (C libraries) and their options',
    text: `listener {P1} 127.0.0.1\nauth_plugin ${plugin}\nauth_opt_db_host localhost\nauth_plugin_deny_special_chars true\nplugin ${plugin}\nplugin_opt_config_file x.json\n`,
    expected: () => ({}),
    warnings: [/^2: auth_plugin .*mosquitto_dynamic_security\.so: mosquitto plugins are C libraries/, /^5: plugin .*cannot load; ignored/],
    real: [0],
  },
  {
    name: 'OpenSSL engines',
    text: 'listener {P1} 127.0.0.1\ntls_engine pkcs11\ntls_keyform engine\ntls_engine_kpass_sha1 0123456789abcdef0123456789abcdef01234567\n',
    expected: () => ({}),
    warnings: [/^2: tls_engine: OpenSSL engines/, /^3: tls_keyform: OpenSSL engines/, /^4: tls_engine_kpass_sha1: OpenSSL engines/],
    real: 'none', // mosquitto loads the engine when the listener starts TLS, which this one does not
  },
  {
    name: 'log_dest dlt and retry_interval',
    text: 'listener {P1} 127.0.0.1\nlog_dest dlt\nlog_dest stderr\nretry_interval 20\n',
    expected: () => ({ logging: expect.objectContaining({ destinations: [{ kind: 'dlt' }, { kind: 'stderr' }] }) }),
    warnings: [/^2: log_dest dlt: .*ignored/, /^4: the retry_interval option is no longer available/],
    real: [0],
  },
  {
    name: 'words mosquitto reads as numbers, and words it ignores',
    text: 'listener {P1} 127.0.0.1\nmax_connections abc\nmax_queued_messages 12abc\nallow_anonymous true extra\n',
    expected: () => ({ listeners: [expect.objectContaining({ maxConnections: 0 })], limits: expect.objectContaining({ maxQueuedMessages: 12 }) }),
    warnings: ['2: "abc" is not a whole number; read as 0, as mosquitto does', '3: "12abc" is not a whole number; read as 12, as mosquitto does', '4: "extra" after the value is ignored (mosquitto reads only "true")'],
    real: [0],
  },
  {
    name: 'options that do nothing where they are: certfile without keyfile, TLS options without TLS, http_dir on mqtt',
    text: 'listener {P1} 127.0.0.1\ncertfile {PKI}/server.crt\nrequire_certificate true\nlistener {P2} 127.0.0.1\nhttp_dir www\n',
    expected: () => ({ listeners: [expect.objectContaining({ kind: 'tcp', certfile: undefined, requireCertificate: false }), expect.objectContaining({ httpDir: undefined })] }),
    warnings: [
      '1: listener: certfile without keyfile: certificate TLS needs both, so this listener runs without it, as in mosquitto',
      '1: listener: require_certificate has no effect without TLS (certfile and keyfile, or psk_hint)',
      '4: listener: http_dir has no effect on an mqtt listener (it serves files on websockets listeners)',
    ],
    real: [0, 1],
  },
  {
    name: 'empty values mosquitto reports and ignores',
    text: 'listener {P1} 127.0.0.1\nlog_type\nprotocol\nmax_connections\n',
    expected: () => ({ listeners: [expect.objectContaining({ protocol: 'mqtt', maxConnections: -1 })] }),
    warnings: [/^2: empty log_type value/, /^3: empty protocol value/, /^4: empty max_connections value/],
    real: [0],
  },
  {
    name: 'a listener option above the first listener starts the default listener on 1883',
    text: 'max_connections 3\nlistener {P1} 127.0.0.1\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: 1883, line: 0, bindAddress: undefined, maxConnections: 3 }), expect.objectContaining({ port: P1() })] }),
    warnings: ["1: max_connections before the first listener line belongs to mosquitto's default listener, which then also listens on port 1883 on every interface"],
    real: 'none', // needs port 1883
  },
];

export interface BadCase {
  name: string;
  text: string;
  /** Expected problems as `LINE: message`. */
  errors: Array<string | RegExp>;
  /** How mosquitto refuses it: stops at this line ("Error found at FILE:LINE"), or prints this. */
  mosquitto: { line: number } | { says: RegExp };
}

export const bad: BadCase[] = [
  { name: 'an indented comment, which mosquitto reads as an option', text: 'listener {P1} 127.0.0.1\n  # indented\n', errors: ['2: a comment must start in the first column (mosquitto reads an indented "#" as an option)'], mosquitto: { line: 2 } },
  {
    name: 'a tab, which mosquitto does not take as a separator',
    text: 'listener {P1} 127.0.0.1\nallow_anonymous\ttrue\n\tpersistence false\n',
    errors: ['2: tab characters are not allowed (mosquitto separates with spaces only)', '3: tab characters are not allowed (mosquitto separates with spaces only)'],
    mosquitto: { line: 2 },
  },
  { name: 'a misspelt option', text: 'listener {P1} 127.0.0.1\nlistner 1884\n', errors: ['2: unknown option "listner"'], mosquitto: { line: 2 } },
  { name: 'listener without a port', text: 'listener\n', errors: ['1: usage: listener PORT [BIND_ADDRESS|UNIX_SOCKET_PATH]'], mosquitto: { line: 1 } },
  { name: 'a port out of range', text: 'listener 70000\n', errors: ['1: bad port "70000" (1-65535, or 0 with a Unix socket path)'], mosquitto: { line: 1 } },
  { name: 'port 0 without a socket path', text: 'listener 0\n', errors: ['1: a listener with port 0 must give a Unix socket path'], mosquitto: { line: 1 } },
  { name: 'a bad boolean', text: 'listener {P1} 127.0.0.1\nallow_anonymous maybe\n', errors: ['2: bad boolean "maybe" for allow_anonymous (true|false)'], mosquitto: { line: 2 } },
  { name: 'a boolean with no value', text: 'listener {P1} 127.0.0.1\nallow_anonymous\n', errors: ['2: usage: allow_anonymous true|false'], mosquitto: { line: 2 } },
  { name: 'an unknown protocol', text: 'listener {P1} 127.0.0.1\nprotocol foo\n', errors: ['2: bad value "foo" for protocol (mqtt|websockets)'], mosquitto: { line: 2 } },
  { name: 'max_keepalive above 65535', text: 'listener {P1} 127.0.0.1\nmax_keepalive 70000\n', errors: ['2: bad number "70000" for max_keepalive (10-65535)'], mosquitto: { line: 2 } },
  { name: 'max_keepalive below 10', text: 'listener {P1} 127.0.0.1\nmax_keepalive 5\n', errors: ['2: bad number "5" for max_keepalive (10-65535)'], mosquitto: { line: 2 } },
  { name: 'max_packet_size 0, as the example file has it commented', text: 'listener {P1} 127.0.0.1\nmax_packet_size 0\n', errors: ['2: bad number "0" for max_packet_size (at least 20)'], mosquitto: { line: 2 } },
  { name: 'max_qos 3', text: 'listener {P1} 127.0.0.1\nmax_qos 3\n', errors: ['2: bad number "3" for max_qos (0-2)'], mosquitto: { line: 2 } },
  { name: 'sys_interval above 65535', text: 'listener {P1} 127.0.0.1\nsys_interval 70000\n', errors: ['2: bad number "70000" for sys_interval (0-65535)'], mosquitto: { line: 2 } },
  { name: 'an unknown socket_domain', text: 'listener {P1} 127.0.0.1\nsocket_domain ipv5\n', errors: ['2: bad value "ipv5" for socket_domain (ipv4|ipv6)'], mosquitto: { line: 2 } },
  { name: 'an unknown log_type', text: 'listener {P1} 127.0.0.1\nlog_type bogus\n', errors: [/^2: usage: log_type error\|/], mosquitto: { line: 2 } },
  { name: 'log_dest file without a path', text: 'listener {P1} 127.0.0.1\nlog_dest file\n', errors: ['2: usage: log_dest file PATH'], mosquitto: { line: 2 } },
  { name: 'two log files', text: 'listener {P1} 127.0.0.1\nlog_dest file logs/a.log\nlog_dest file logs/b.log\n', errors: ['3: duplicate "log_dest file" (first on line 2)'], mosquitto: { line: 3 } },
  { name: 'a string option twice for one listener', text: 'listener {P1} 127.0.0.1\ncafile a.pem\ncafile b.pem\n', errors: [/^3: duplicate cafile value \(first set at .*:2\)$/], mosquitto: { line: 3 } },
  { name: 'a bad persistent_client_expiration', text: 'listener {P1} 127.0.0.1\npersistent_client_expiration 5x\n', errors: [/^2: bad duration "5x"/], mosquitto: { line: 2 } },
  { name: 'a plugin option without a plugin', text: 'listener {P1} 127.0.0.1\nplugin_opt_x y\n', errors: ['2: plugin_opt_x has no plugin or auth_plugin before it'], mosquitto: { line: 2 } },
  { name: 'mount_point before any listener', text: 'mount_point x/\nlistener {P1} 127.0.0.1\n', errors: ['1: mount_point needs a listener line before it'], mosquitto: { line: 1 } },
  { name: 'a certificate option on a PSK listener', text: 'listener {P1} 127.0.0.1\npsk_hint h\ncertfile c.pem\n', errors: ['3: cannot use both certificate and psk encryption in a single listener'], mosquitto: { line: 3 } },
  {
    name: 'per_listener_settings after a security option',
    text: 'allow_anonymous true\nper_listener_settings true\nlistener {P1} 127.0.0.1\n',
    errors: [/^2: per_listener_settings must come before every security option \(.*:1\)$/],
    mosquitto: { line: 2 },
  },
  { name: 'an include_dir that does not exist', text: 'include_dir no-such-env.dir\nlistener {P1} 127.0.0.1\n', errors: [/^1: cannot read include_dir .*no-such-env.dir: ENOENT$/], mosquitto: { line: 1 } },
  { name: 'an unsupported tls_version', text: 'listener {P1} 127.0.0.1\ntls_version tlsv9\ncertfile {PKI}/server.crt\nkeyfile {PKI}/server.key\n', errors: ['2: bad value "tlsv9" for tls_version (tlsv1.3|tlsv1.2|tlsv1.1)'], mosquitto: { says: /Unsupported tls_version "tlsv9"/ } },
  { name: 'two listeners on one port', text: 'listener {P1} 127.0.0.1\nlistener {P1} 127.0.0.1\n', errors: ['2: port {P1} is already used by the listener on line 1'], mosquitto: { says: /Address already in use/ } },
  {
    name: 'every problem of a file at once, in line order',
    text: 'listner 1\nlistener {P1} 127.0.0.1\nmax_keepalive 1\n# fine\nretain_available yes\nbogus\n',
    errors: ['1: unknown option "listner"', '3: bad number "1" for max_keepalive (10-65535)', '5: bad boolean "yes" for retain_available (true|false)', '6: unknown option "bogus"'],
    mosquitto: { line: 1 },
  },
];
