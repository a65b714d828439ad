/**
 * Errors for the mosquitto-style files (mosquitto.conf, password file, ACL file). Every
 * problem names the file and the 1-based line, like mosquitto's "Error found at FILE:LINE",
 * and a file's problems are collected so that one run shows them all.
 */

/** One problem in one line of a file. */
export interface ConfigIssue {
  file: string;
  /** 1-based line number; 0 when the problem is about the file as a whole. */
  line: number;
  message: string;
}

/** Formats an issue as `FILE:LINE: message` (or `FILE: message` for whole-file issues). */
export function formatIssue(issue: ConfigIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

/** A file that could not be used; `issues` holds every problem found, in line order. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Collects issues for one file, and throws them together at the end. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  constructor(readonly file: string) {}

  add(line: number, message: string): void {
    this.issues.push({ file: this.file, line, message });
  }

  /** Throws a ConfigError when anything was added. */
  throwIfAny(): void {
    if (this.issues.length > 0) {
      throw new ConfigError([...this.issues].sort((a, b) => a.line - b.line));
    }
  }
}

/** One meaningful line: its number, the first word and the rest (trimmed). */
export interface SourceLine {
  line: number;
  keyword: string;
  rest: string;
  /** The line as written, for checks on whitespace. */
  raw: string;
}

/**
 * Splits a mosquitto-style file into meaningful lines. `#` starts a comment only at the start
 * of a line, so `#` inside a value (a topic, a path) is kept. mosquitto.conf is stricter than
 * the other files: there an indented `#` is not a comment (mosquitto 2.0.11 rejects it as an
 * unknown option), so with `indentedComments: false` such lines come back as a keyword.
 */
export function sourceLines(text: string, options: { indentedComments: boolean } = { indentedComments: true }): SourceLine[] {
  const out: SourceLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || raw.startsWith('#') || (options.indentedComments && trimmed.startsWith('#'))) continue;
    const match = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    out.push({ line: i + 1, keyword: match[1]!, rest: match[2]!, raw });
  }
  return out;
}

/** Splits a value into whitespace-separated words. */
export function words(rest: string): string[] {
  return rest === '' ? [] : rest.split(/\s+/);
}
