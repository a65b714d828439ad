/**
 * mosquitto ACL files (mosquitto.conf(5), "acl_file"). Rules before the first `user` line are
 * for anonymous clients only; `user NAME` starts that user's rules; `pattern` rules apply to
 * every client wherever they appear, with `%c` → client id and `%u` → username (a pattern that
 * needs `%u` is skipped for anonymous clients, as mosquitto does). A user without a section
 * gets only the patterns.
 *
 * Decisions follow mosquitto 2.0: a matching `deny` rule wins over any grant, otherwise a
 * matching grant with the right access allows, otherwise the answer is no.
 *
 * SUBSCRIBE: mosquitto 2.0.11's default ACL grants every subscription and filters each
 * message at delivery with the read check (verified against Debian's mosquitto). We answer
 * more usefully, still never refusing what delivery would let through: a filter is allowed
 * when some read grant could match a topic it matches (the filters intersect) and no deny
 * rule covers the whole filter. The broker must still call canRead per delivered message.
 */

import { readFile } from 'node:fs/promises';
import { checkTopicFilter, parseSharedFilter, topicMatches } from '../../shared/topic';
import { IssueList, sourceLines } from '../config/config-error';
import { filterCovers, filtersIntersect } from './filter-relations';

/** The access word of a rule; `readwrite` is the default. */
export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

/** One `topic` or `pattern` line. */
export interface AclRule {
  kind: 'topic' | 'pattern';
  access: AclAccess;
  /** The filter as written (patterns still hold %c / %u). */
  filter: string;
  line: number;
}

const ACCESS_WORDS: readonly string[] = ['read', 'write', 'readwrite', 'deny'];

/** A parsed ACL file with mosquitto's decisions. */
export class AclFile {
  constructor(
    /** Rules before the first `user` line: for clients without a username. */
    readonly anonymous: readonly AclRule[],
    /** `user` sections; repeated sections for the same user are merged. */
    readonly users: ReadonlyMap<string, readonly AclRule[]>,
    /** `pattern` rules, for everyone. */
    readonly patterns: readonly AclRule[],
  ) {}

  /** Whether the client may receive a message published on `topic`. */
  canRead(username: string | undefined, clientId: string, topic: string): boolean {
    return this.decide(username, clientId, 'read', (filter) => topicMatches(filter, topic));
  }

  /** Whether the client may publish on `topic`. */
  canWrite(username: string | undefined, clientId: string, topic: string): boolean {
    return this.decide(username, clientId, 'write', (filter) => topicMatches(filter, topic));
  }

  /**
   * Whether the client may subscribe to `filter` (see the module comment for the rule).
   * `$share/GROUP/` is stripped first: the group does not change what is received.
   */
  canSubscribe(username: string | undefined, clientId: string, filter: string): boolean {
    const plain = parseSharedFilter(filter)?.filter ?? filter;
    const rules = this.rulesFor(username, clientId);
    if (rules.some((r) => r.access === 'deny' && filterCovers(r.filter, plain))) return false;
    return rules.some((r) => grants(r.access, 'read') && filtersIntersect(r.filter, plain));
  }

  private decide(username: string | undefined, clientId: string, want: 'read' | 'write', matches: (filter: string) => boolean): boolean {
    const rules = this.rulesFor(username, clientId);
    if (rules.some((r) => r.access === 'deny' && matches(r.filter))) return false;
    return rules.some((r) => grants(r.access, want) && matches(r.filter));
  }

  /** The user's (or anonymous) topic rules, then the patterns with %c / %u filled in. */
  private rulesFor(username: string | undefined, clientId: string): AclRule[] {
    const own = username === undefined ? this.anonymous : (this.users.get(username) ?? []);
    const out = [...own];
    for (const p of this.patterns) {
      const filter = substitute(p.filter, username, clientId);
      if (filter !== undefined) out.push({ ...p, filter });
    }
    return out;
  }
}

function grants(access: AclAccess, want: 'read' | 'write'): boolean {
  return access === 'readwrite' || access === want;
}

/**
 * Fills %c and %u. Undefined (the pattern does not apply) when %u is needed for an anonymous
 * client, or when the value would smuggle wildcards or extra levels into the filter.
 */
function substitute(filter: string, username: string | undefined, clientId: string): string | undefined {
  if (filter.includes('%u') && username === undefined) return undefined;
  const unsafe = (value: string) => /[+#/]/.test(value);
  if (filter.includes('%c') && unsafe(clientId)) return undefined;
  if (filter.includes('%u') && username !== undefined && unsafe(username)) return undefined;
  const result = filter.replaceAll('%c', clientId).replaceAll('%u', username ?? '');
  return checkTopicFilter(result).ok ? result : undefined;
}

/** Parses ACL text; `file` names it in errors. Throws ConfigError listing every bad line. */
export function parseAclFile(text: string, file: string): AclFile {
  const issues = new IssueList(file);
  const anonymous: AclRule[] = [];
  const users = new Map<string, AclRule[]>();
  const patterns: AclRule[] = [];
  let section = anonymous;

  for (const { line, keyword, rest } of sourceLines(text)) {
    if (keyword === 'user') {
      if (rest === '') {
        issues.add(line, 'usage: user NAME');
        continue;
      }
      section = users.get(rest) ?? [];
      users.set(rest, section);
      continue;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      issues.add(line, `unknown keyword "${keyword}" (topic, pattern or user)`);
      continue;
    }
    const rule = parseRule(keyword, rest, line, issues);
    if (rule) (keyword === 'pattern' ? patterns : section).push(rule);
  }
  issues.throwIfAny();
  return new AclFile(anonymous, users, patterns);
}

function parseRule(kind: 'topic' | 'pattern', rest: string, line: number, issues: IssueList): AclRule | undefined {
  const match = /^(\S+)\s*(.*)$/.exec(rest);
  if (!match) {
    issues.add(line, `usage: ${kind} [read|write|readwrite|deny] FILTER`);
    return undefined;
  }
  // Like mosquitto: the access word is optional, and the filter is the rest of the line.
  const hasAccess = ACCESS_WORDS.includes(match[1]!);
  if (hasAccess && match[2] === '') {
    issues.add(line, `${kind} ${match[1]}: missing filter`);
    return undefined;
  }
  const access = (hasAccess ? match[1] : 'readwrite') as AclAccess;
  const filter = hasAccess ? match[2]! : rest;
  // Check patterns with stand-in values, so %c/%u inside a level do not count as bad.
  const check = checkTopicFilter(filter.replaceAll('%c', 'c').replaceAll('%u', 'u'));
  if (!check.ok) {
    issues.add(line, `bad filter "${filter}": ${check.reason}`);
    return undefined;
  }
  return { kind, access, filter, line };
}

/** Reads and parses an ACL file. */
export async function loadAclFile(file: string): Promise<AclFile> {
  return parseAclFile(await readFile(file, 'utf8'), file);
}
