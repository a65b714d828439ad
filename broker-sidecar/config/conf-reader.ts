/**
 * One option line of a mosquitto.conf as its handler sees it: the words and the rest of the
 * line, where listener and security options go, and value readers that read like mosquitto
 * does. What mosquitto refuses is an error (the file is refused, naming FILE:LINE); what
 * mosquitto accepts but reads in a surprising way ("abc" as 0, words it ignores) is accepted
 * with a warning, so a file mosquitto runs is never refused.
 */

import path from 'node:path';
import type { ConfigIssue } from './config-error';
import type { ConfDraft, ListenerDraft, SecurityDraft, SeenLines } from './conf-drafts';

/** Problems and remarks collected over every file of one configuration. */
export class ConfIssues {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  readonly notices: ConfigIssue[] = [];
}

/** What an option line is read with, per file: its folder for relative paths, its current listener. */
export interface FileScope {
  file: string;
  dir: string;
  /** 0 for the main file, 1 for files of its include_dir. */
  level: number;
  /** The latest `listener` of this file; before one, listener options go to the default listener (mosquitto keeps this per file). */
  listener: ListenerDraft | undefined;
}

/** One meaningful line of a configuration file. */
export interface OptionLine {
  line: number;
  keyword: string;
  /** Everything after the keyword, trimmed. */
  rest: string;
  raw: string;
}

/** The handler of one option: reads the line and records it in the draft. */
export type OptionHandler = (ctx: OptionContext) => void;

/** mosquitto's atoi: leading whitespace, an optional sign, digits; anything else ends the number. */
function atoi(text: string): { value: number; clean: boolean } {
  const match = /^\s*([+-]?\d+)/.exec(text);
  if (!match) return { value: 0, clean: false };
  const value = Number(match[1]);
  return { value: Number.isSafeInteger(value) ? value : Math.sign(value) * Number.MAX_SAFE_INTEGER, clean: match[0].length === text.length };
}

/** An option line being handled. */
export class OptionContext {
  private wordsCache: string[] | undefined;

  constructor(
    readonly src: OptionLine,
    readonly scope: FileScope,
    readonly draft: ConfDraft,
    private readonly issues: ConfIssues,
  ) {}

  get keyword(): string {
    return this.src.keyword;
  }

  /** Refuses the file: mosquitto refuses this line too. */
  error(message: string): void {
    this.issues.errors.push({ file: this.scope.file, line: this.src.line, message });
  }

  /** Accepted, with one warning line at start. */
  warn(message: string): void {
    this.issues.warnings.push({ file: this.scope.file, line: this.src.line, message });
  }

  /** Accepted; mosquitto's own notice for the line (deprecations). */
  notice(message: string): void {
    this.issues.notices.push({ file: this.scope.file, line: this.src.line, message });
  }

  /** The listener that listener options go to: this file's latest `listener`, else the default one. */
  listener(): ListenerDraft {
    if (this.scope.listener) return this.scope.listener;
    const fallback = this.draft.defaultListener;
    fallback.firstOption ??= { keyword: this.keyword, file: this.scope.file, line: this.src.line };
    return fallback;
  }

  /** Where security options go: the current listener with per_listener_settings, else the global settings. */
  security(): SecurityDraft {
    this.draft.securityAt ??= { file: this.scope.file, line: this.src.line };
    return this.draft.perListenerSettings ? this.listener().security : this.draft.security;
  }

  /** The value words; a trailing `# comment` is left out, as mosquitto ignores it after word values. */
  words(): string[] {
    if (this.wordsCache) return this.wordsCache;
    const all = this.src.rest === '' ? [] : this.src.rest.split(' ').filter((w) => w !== '');
    const comment = all.findIndex((w) => w.startsWith('#'));
    this.wordsCache = comment < 0 ? all : all.slice(0, comment);
    return this.wordsCache;
  }

  /** The first value word; `usage` is the error when there is none. Extra words are ignored with a warning, as mosquitto ignores them. */
  word(usage: string): string | undefined {
    const [first, ...extra] = this.words();
    if (first === undefined) {
      this.error(`usage: ${usage}`);
      return undefined;
    }
    if (extra.length > 0) this.warn(`"${extra.join(' ')}" after the value is ignored (mosquitto reads only "${first}")`);
    return first;
  }

  /** true/false (mosquitto also takes 1/0). */
  bool(): boolean | undefined {
    const value = this.word(`${this.keyword} true|false`);
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.error(`bad boolean "${value}" for ${this.keyword} (true|false)`);
    return undefined;
  }

  /**
   * An integer as mosquitto's atoi reads it (a word that is not one reads as 0, with a
   * warning), checked against `min`..`max` when given (outside: refused, as mosquitto does).
   */
  int(range: { min?: number; max?: number } = {}): number | undefined {
    const text = this.word(`${this.keyword} NUMBER`);
    if (text === undefined) return undefined;
    const { value, clean } = atoi(text);
    if (!clean) this.warn(`"${text}" is not a whole number; read as ${value}, as mosquitto does`);
    const { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (value < min || value > max) {
      const bounds = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : min === -Number.MAX_SAFE_INTEGER ? `at most ${max}` : `${min}-${max}`;
      this.error(`bad number "${text}" for ${this.keyword} (${bounds})`);
      return undefined;
    }
    return value;
  }

  /** One of a fixed set of words. */
  choice<T extends string>(choices: readonly T[]): T | undefined {
    const value = this.word(`${this.keyword} ${choices.join('|')}`);
    if (value === undefined) return undefined;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.error(`bad value "${value}" for ${this.keyword} (${choices.join('|')})`);
    return undefined;
  }

  /** The rest of the line as one string (mosquitto's string options may contain spaces and `#`). */
  text(usage = `${this.keyword} VALUE`): string | undefined {
    if (this.src.rest === '') {
      this.error(`usage: ${usage}`);
      return undefined;
    }
    return this.src.rest;
  }

  /** A path: the rest of the line, relative to the file's folder. */
  path(usage = `${this.keyword} PATH`): string | undefined {
    const value = this.text(usage);
    return value === undefined ? undefined : path.resolve(this.scope.dir, value);
  }

  /**
   * Records that a string option was set for a target; false (and refused, as mosquitto's
   * "Duplicate ... value") when the same target had it already.
   */
  once(seen: SeenLines, key = this.keyword): boolean {
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      this.error(`duplicate ${key} value (first set at ${earlier})`);
      return false;
    }
    seen.set(key, `${this.scope.file}:${this.src.line}`);
    return true;
  }
}

/** A handler for an integer option: reads it (within `range`) and hands it to `set`. */
export function intOption(range: { min?: number; max?: number }, set: (ctx: OptionContext, value: number) => void): OptionHandler {
  return (ctx) => {
    const value = ctx.int(range);
    if (value !== undefined) set(ctx, value);
  };
}

/** A handler for a boolean option. */
export function boolOption(set: (ctx: OptionContext, value: boolean) => void): OptionHandler {
  return (ctx) => {
    const value = ctx.bool();
    if (value !== undefined) set(ctx, value);
  };
}
