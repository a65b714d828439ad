/**
 * What a mosquitto_pub / mosquitto_sub / mosquitto_rr command line says, once read: the
 * shape mosquitto-args.ts fills in, with mosquitto's defaults. The CLI runs it, the desk
 * turns it into a profile ("Import" → "From command line").
 */

import type { CliProperty } from './properties';

/** Which of mosquitto's clients a command line is for. */
export type MosquittoTool = 'pub' | 'sub' | 'rr';

/** Where pub and rr take the message from. */
export type PubMode = 'none' | 'cmd' | 'file' | 'stdin-file' | 'stdin-line' | 'null';

/** The MQTT desk's own flags, beyond mosquitto's (see the README's CLI section). */
export interface DeskFlags {
  profile?: string;
  format?: string;
  output?: string;
  count?: number;
  rate?: number;
  collection?: string;
  env?: string;
  /** rr: correlation data to send (mosquitto_rr sends none unless -D gives it). */
  json?: boolean;
}

/** A parsed command line, with mosquitto's defaults for everything not given. */
export interface MosquittoConfig {
  tool: MosquittoTool;
  /** Undefined: localhost, or the profile's. */
  host?: string;
  /** Undefined: 1883, or 8883 with --cafile/--capath/--psk. 0 with --unix. */
  port?: number;
  bindAddress?: string;
  /** 3 (3.1), 4 (3.1.1) or 5; `versionGiven` tells whether -V (or -D) chose it. */
  protocolVersion: 3 | 4 | 5;
  versionGiven: boolean;
  keepalive: number;
  clean: boolean;
  id?: string;
  idPrefix?: string;
  username?: string;
  password?: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** pub and rr: the topic; sub: the filters. */
  topic?: string;
  topics: string[];
  responseTopic?: string;
  unsubscribeTopics: string[];
  filterOuts: string[];
  pubMode: PubMode;
  message?: string;
  file?: string;
  repeatCount: number;
  repeatDelayMs: number;
  maxInflight: number;
  /** 0: no limit (rr defaults to 1). */
  msgCount: number;
  exitAfterSubscribe: boolean;
  verbose: boolean;
  eol: boolean;
  format?: string;
  pretty: boolean;
  noRetain: boolean;
  retainedOnly: boolean;
  removeRetained: boolean;
  retainAsPublished: boolean;
  /** Seconds; 0: none. */
  timeout: number;
  /** Out of 10000. */
  randomFilter: number;
  quiet: boolean;
  debug: boolean;
  tcpNoDelay: boolean;
  will?: { topic?: string; payload?: string; qos: 0 | 1 | 2; retain: boolean };
  tls: {
    cafile?: string;
    capath?: string;
    cert?: string;
    key?: string;
    ciphers?: string;
    insecure: boolean;
    alpn?: string;
    version?: string;
    useOsCerts: boolean;
    keyform?: string;
    engine?: string;
    engineKpassSha1?: string;
    psk?: string;
    pskIdentity?: string;
  };
  proxy?: string;
  /** -1: not given (mosquitto's "unset"); UINT32_MAX: never expires. */
  sessionExpiryInterval: number;
  properties: CliProperty[];
  desk: DeskFlags;
  /** Every flag read, as written (so a saved profile's value yields only to a flag given). */
  given: string[];
}

/** mosquitto's defaults for one client (init_config). */
export function defaultConfig(tool: MosquittoTool): MosquittoConfig {
  return {
    tool,
    protocolVersion: tool === 'rr' ? 5 : 4,
    versionGiven: false,
    keepalive: 60,
    clean: true,
    qos: 0,
    retain: false,
    topics: [],
    unsubscribeTopics: [],
    filterOuts: [],
    pubMode: 'none',
    repeatCount: 1,
    repeatDelayMs: 0,
    maxInflight: 20,
    msgCount: tool === 'rr' ? 1 : 0,
    exitAfterSubscribe: false,
    verbose: false,
    eol: true,
    pretty: false,
    noRetain: false,
    retainedOnly: false,
    removeRetained: false,
    retainAsPublished: false,
    timeout: 0,
    randomFilter: 10000,
    quiet: false,
    debug: false,
    tcpNoDelay: false,
    tls: { insecure: false, useOsCerts: false },
    sessionExpiryInterval: -1,
    properties: [],
    desk: {},
    given: [],
  };
}

/** The properties given for one packet (or the will), in command-line order. */
export function propertiesFor(config: MosquittoConfig, command: CliProperty['command']): CliProperty[] {
  return config.properties.filter((p) => p.command === command);
}

/** Whether any of the spellings of a flag was on the command line. */
export function wasGiven(config: MosquittoConfig, ...flags: string[]): boolean {
  return flags.some((f) => config.given.includes(f));
}
