/**
 * mosquitto_pub / mosquitto_sub / mosquitto_rr command lines, read as mosquitto 2.0.11
 * reads them: the same flags, the same defaults, the same checks in the same order and
 * the same error lines, so a script can swap the command name. Stricter in one way: where
 * mosquitto's atoi silently reads "abc" as 0 (e.g. `-p abc`), the flag is named and refused.
 * Pure, so the CLI and the desk's "Import → From command line" read a line the same way.
 */

import { finishLoad, Stop } from './arg-checks';
import { defaultConfig, type MosquittoConfig, type MosquittoTool } from './config';
import { readArgs } from './read-args';

export { pubTopicOk, subTopicOk, validUtf8 } from './arg-checks';

/** What reading a command line gave: a config, or what to print and the exit code. */
export type ArgsResult =
  | { kind: 'ok'; config: MosquittoConfig }
  | { kind: 'help' | 'version' | 'error'; config: MosquittoConfig; stderr: string };

/** Options for {@link parseMosquittoArgs}. */
export interface ArgsOptions {
  /** Lines of mosquitto's per-user options file (~/.config/mosquitto_sub ...), read first. */
  optionsFile?: readonly string[];
  /** The name in "Use '<program> --help' to see usage." */
  program?: string;
}

/** Reads a whole command line (without the program name). */
export function parseMosquittoArgs(tool: MosquittoTool, argv: readonly string[], options: ArgsOptions = {}): ArgsResult {
  const config = defaultConfig(tool);
  const program = options.program ?? `mosquitto_${tool}`;
  const usage = `\nUse '${program} --help' to see usage.\n`;
  try {
    for (const line of options.optionsFile ?? []) {
      if (line.startsWith('#')) continue;
      const text = line.replace(/[\r\n]+$/, '');
      const first = /^ *([^ ]+) *(.*)$/.exec(text);
      if (first) readArgs(config, first[2] ? [first[1]!, first[2]] : [first[1]!]);
    }
    readArgs(config, argv);
    finishLoad(config);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { kind: error.kind, config, stderr: error.kind === 'error' ? error.stderr + usage : '' };
  }
  if (tool === 'sub' && config.noRetain && config.retainedOnly) {
    return { kind: 'error', config, stderr: "\nError: Combining '-R' and '--retained-only' makes no sense.\n" };
  }
  return { kind: 'ok', config };
}

/**
 * The check each client makes after loading its message: pub needs a topic and a
 * message, rr also a response topic. Undefined when fine, else the text for stderr.
 * (pub also prints its usage to stdout after the line.)
 */
export function checkMessageGiven(config: MosquittoConfig, program = `mosquitto_${config.tool}`): string | undefined {
  if (config.tool === 'pub' && (!config.topic || config.pubMode === 'none')) return 'Error: Both topic and message must be supplied.\n';
  if (config.tool === 'rr') {
    if (!config.topic || config.pubMode === 'none' || !config.responseTopic) {
      return `Error: All of topic, message, and response topic must be supplied.\n\nUse '${program} --help' to see usage.\n`;
    }
    if (config.properties.some((p) => p.command === 'publish' && p.id === 0x08)) return 'Error in PUBLISH properties: Duplicate response topic.\n';
  }
  return undefined;
}
