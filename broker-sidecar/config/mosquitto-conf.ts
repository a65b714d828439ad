/**
 * Reads mosquitto.conf(5) as mosquitto 2.0.11 does, so an existing configuration runs
 * unchanged: every option is looked up in one table (general-options.ts, listener-options.ts),
 * `include_dir` reads its `*.conf` files in mosquitto's order, and placement follows mosquitto:
 * listener options attach to the latest `listener` of the same file, before one to the
 * default listener; with `per_listener_settings true` the security options attach to
 * listeners too.
 *
 * What mosquitto refuses is refused, every problem at once, as `FILE:LINE: message`. What
 * mosquitto accepts is accepted; where it cannot apply here (plugins, OpenSSL engines, dlt)
 * or mosquitto reads it in a surprising way, the line is kept as a warning (`warnings`),
 * logged once at start. Relative paths are taken against the folder of the file naming them
 * (mosquitto takes its working directory), so a configuration works from anywhere.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrokerConfig } from './broker-config';
import { BridgeSection } from './bridge-conf';
import { ConfDraft } from './conf-drafts';
import { finishConfig } from './conf-finish';
import { ConfIssues, OptionContext, type FileScope, type OptionHandler, type OptionLine } from './conf-reader';
import { ConfigError, sourceLines, type ConfigIssue } from './config-error';
import { GENERAL_OPTIONS, PLUGIN_OPTION_PREFIXES, pluginOption } from './general-options';
import { LISTENER_OPTIONS } from './listener-options';

/** Every keyword this broker reads, general and listener options together. */
const OPTIONS: ReadonlyMap<string, OptionHandler> = new Map([...GENERAL_OPTIONS, ...LISTENER_OPTIONS]);

/** Parses mosquitto.conf text; `file` names it in errors and anchors relative paths. Throws ConfigError. */
export function parseMosquittoConf(text: string, file: string): BrokerConfig {
  return new ConfParser(file).parse(text);
}

/** Reads and parses a mosquitto.conf file (and the files of its include_dir). Throws ConfigError (or the read error). */
export async function loadMosquittoConf(file: string): Promise<BrokerConfig> {
  return parseMosquittoConf(await readFile(file, 'utf8'), file);
}

/**
 * mosquitto's include_dir order: case-insensitive first, then upper case before lower case
 * of the same letter (A.conf, a.conf, B.conf, b.conf), byte order otherwise.
 */
export function includeOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    const folded = upper(x) - upper(y);
    if (folded !== 0) return folded;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

function upper(code: number): number {
  return code >= 0x61 && code <= 0x7a ? code - 0x20 : code;
}

class ConfParser {
  private readonly issues = new ConfIssues();
  private readonly draft: ConfDraft;
  /** Where each included file was read: the include_dir line, and its place among that folder's files. */
  private readonly anchors = new Map<string, { line: number; index: number }>();
  /** The `connection` sections: bridge options after a `connection` line are theirs. */
  private readonly bridges = new BridgeSection((file, line, message) => this.issues.errors.push({ file, line, message }));

  constructor(private readonly file: string) {
    this.draft = new ConfDraft(file);
  }

  parse(text: string): BrokerConfig {
    this.readFile(text, { file: this.file, dir: path.dirname(path.resolve(this.file)), level: 0, listener: undefined });
    const config = { ...finishConfig(this.draft, this.issues), bridges: this.bridges.finish() };
    const { errors } = this.issues;
    if (errors.length > 0) {
      // In reading order: an included file's lines come where its include_dir line is.
      const key = (issue: ConfigIssue): number[] => {
        const anchor = this.anchors.get(issue.file);
        return anchor ? [anchor.line, anchor.index, issue.line] : [issue.line, -1, 0];
      };
      const before = (a: number[], b: number[]): number => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
      throw new ConfigError([...errors].sort((a, b) => before(key(a), key(b))));
    }
    return config;
  }

  private readFile(text: string, scope: FileScope): void {
    for (const line of sourceLines(text, { indentedComments: false })) this.option(line, scope);
  }

  /**
   * Handles one line. Every keyword is looked up here, once: a section with its own
   * keywords (bridges, after a `connection` line) claims its lines at this point.
   */
  private option(src: OptionLine, scope: FileScope): void {
    const ctx = new OptionContext(src, scope, this.draft, this.issues);
    // mosquitto splits on spaces only: a tab, even trailing, makes it fail on the line.
    if (src.raw.includes('\t')) return ctx.error('tab characters are not allowed (mosquitto separates with spaces only)');
    if (src.keyword.startsWith('#')) return ctx.error('a comment must start in the first column (mosquitto reads an indented "#" as an option)');
    if (src.keyword === 'include_dir') return this.includeDir(ctx);
    if (this.bridges.directive(scope, src.line, src.keyword, src.rest)) return;
    const handler = OPTIONS.get(src.keyword) ?? (PLUGIN_OPTION_PREFIXES.some((p) => src.keyword.startsWith(p)) ? pluginOption : undefined);
    if (handler) return handler(ctx);
    ctx.error(`unknown option "${src.keyword}"`);
  }

  /** Reads every `*.conf` of the folder, in mosquitto's order, as if written here. */
  private includeDir(ctx: OptionContext): void {
    if (ctx.scope.level > 0) return ctx.warn('include_dir is read from the main configuration file only (as in mosquitto); ignored');
    const dir = ctx.path('include_dir DIR');
    if (dir === undefined) return;
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.name.length > '.conf'.length && entry.name.endsWith('.conf') && !entry.isDirectory())
        .map((entry) => entry.name)
        .sort(includeOrder);
    } catch (error) {
      return ctx.error(`cannot read include_dir ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    for (const [index, name] of names.entries()) {
      const file = path.join(dir, name);
      this.anchors.set(file, { line: ctx.src.line, index });
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        ctx.error(`cannot read ${file} from include_dir: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        continue;
      }
      // Each file starts at the default listener, as in mosquitto, whatever the including file had open.
      this.readFile(text, { file, dir, level: ctx.scope.level + 1, listener: undefined });
    }
  }
}
