/**
 * `mqtt-desk bench conn|pub|sub` command lines: the bench's own flags (emqtt-bench's and
 * MQTTX's spellings: -c count, -i/-I intervals, -L limit, -s size, -d duration) are taken
 * out first; the rest are pub's connection flags, read by the same parser as pub and sub.
 */

import { parseMosquittoArgs } from '../../shared/mosquitto/args';
import { wasGiven, type MosquittoConfig } from '../../shared/mosquitto/config';
import { pubTopicOk, subTopicOk } from '../../shared/mosquitto/args';

/** Which benchmark. */
export type BenchMode = 'conn' | 'pub' | 'sub';

/** A bench command line, read. */
export interface BenchConfig {
  mode: BenchMode;
  /** Connections. */
  count: number;
  /** Milliseconds between starting one connection and the next. */
  connectInterval: number;
  /** pub: milliseconds between one client's messages (0: as fast as acknowledged). */
  publishInterval: number;
  /** pub: messages per client; sub: messages per client before it stops; 0 = no limit. */
  limit: number;
  /** Seconds the run lasts (0: until the limit, Ctrl+C, or for conn until all connected). */
  duration: number;
  qos: 0 | 1 | 2;
  /** Payload bytes. */
  size: number;
  topic?: string;
  json: boolean;
  quiet: boolean;
  /** The connection flags, read as pub reads them. */
  connection: MosquittoConfig;
}

/** Result: a config, help, or a usage error to print (exit code 1). */
export type BenchArgs = { kind: 'ok'; config: BenchConfig } | { kind: 'help' } | { kind: 'error'; stderr: string };

interface NumberFlag {
  key: 'count' | 'connectInterval' | 'publishInterval' | 'limit' | 'duration' | 'qos' | 'size';
  name: string;
  min: number;
  max: number;
}

/** Each numeric flag with its short and long spelling. */
const NUMBER_FLAG_LIST: Array<[string, string, NumberFlag]> = [
  ['-c', '--count', { key: 'count', name: 'connection count', min: 1, max: 100_000 }],
  ['-i', '--interval', { key: 'connectInterval', name: 'connect interval (ms)', min: 0, max: 3_600_000 }],
  ['-I', '--message-interval', { key: 'publishInterval', name: 'publish interval (ms)', min: 0, max: 3_600_000 }],
  ['-L', '--limit', { key: 'limit', name: 'message limit', min: 0, max: Number.MAX_SAFE_INTEGER }],
  ['-d', '--duration', { key: 'duration', name: 'duration (s)', min: 0, max: 31_536_000 }],
  ['-q', '--qos', { key: 'qos', name: 'QoS', min: 0, max: 2 }],
  ['-s', '--size', { key: 'size', name: 'payload size (bytes)', min: 0, max: 268_435_455 }],
];

const NUMBER_FLAGS: Record<string, NumberFlag> = Object.fromEntries(NUMBER_FLAG_LIST.flatMap(([short, long, flag]) => [[short, flag], [long, flag]]));

/** pub's flags about the message, which mean nothing to the bench. */
const NOT_FOR_BENCH = ['-m', '--message', '-f', '--file', '-l', '--stdin-line', '-n', '--null-message', '-r', '--retain', '--repeat', '--repeat-delay', '-M', '--collection', '--env', '--format', '--output'];

const USAGE_HINT = "\nUse 'mqtt-desk bench --help' to see usage.\n";

/** Reads `bench <mode> [flags]`. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const [mode, ...rest] = argv;
  if (mode === undefined || mode === '--help' || rest.includes('--help')) return { kind: 'help' };
  const fail = (text: string): BenchArgs => ({ kind: 'error', stderr: `Error: ${text}\n${USAGE_HINT}` });
  if (mode !== 'conn' && mode !== 'pub' && mode !== 'sub') return fail(`Unknown bench '${mode}' (conn, pub or sub).`);
  const numbers = { count: 1, connectInterval: 10, publishInterval: 1000, limit: 0, duration: 0, qos: 0, size: 256 };
  let topic: string | undefined;
  let json = false;
  let quiet = false;
  const connectionArgs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const number = NUMBER_FLAGS[flag];
    if (number || flag === '-t' || flag === '--topic') {
      const value = rest[++i];
      if (value === undefined) return fail(`${flag} needs a value.`);
      if (!number) {
        topic = value;
        continue;
      }
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= number.min && n <= number.max)) return fail(`${flag} (${number.name}) must be a whole number from ${number.min} to ${number.max}, not '${value}'.`);
      numbers[number.key] = n;
    } else if (flag === '--json') json = true;
    else if (flag === '--quiet') quiet = true;
    else connectionArgs.push(flag);
  }
  const parsed = parseMosquittoArgs('pub', connectionArgs, { program: 'mqtt-desk bench' });
  if (parsed.kind === 'help') return { kind: 'help' };
  if (parsed.kind !== 'ok') return { kind: 'error', stderr: parsed.kind === 'error' ? parsed.stderr : USAGE_HINT };
  const foreign = NOT_FOR_BENCH.find((f) => wasGiven(parsed.config, f));
  if (foreign) return fail(`${foreign} is a flag of pub, not of bench.`);
  if (mode !== 'conn') {
    if (topic === undefined) return fail(`bench ${mode} needs a topic (-t).`);
    if (!(mode === 'pub' ? pubTopicOk(topic) : subTopicOk(topic))) return fail(`-t: invalid ${mode === 'pub' ? 'publish topic' : 'subscription filter'} '${topic}'.`);
  }
  const config: BenchConfig = { mode, ...numbers, qos: numbers.qos as 0 | 1 | 2, json, quiet, connection: parsed.config, ...(topic !== undefined ? { topic } : {}) };
  return { kind: 'ok', config };
}
