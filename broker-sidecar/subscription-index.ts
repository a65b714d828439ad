/**
 * The subscription index: a trie over topic-filter levels with `+` and `#` nodes, so that
 * routing a PUBLISH visits only the filters that can match its topic instead of every
 * session. Sessions keep their own subscription maps (what they subscribed); the index
 * mirrors them and is changed only through the Router.
 */

import type { Session } from './session';
import type { Subscription } from './types';

/** One session's subscription, as stored in the index. */
export interface IndexEntry {
  session: Session;
  sub: Subscription;
}

/** The sessions subscribed to one `$share/{group}/{filter}`: each message goes to one of them. */
export interface SharedGroup {
  group: string;
  topicFilter: string;
  /** By client ID, in subscription order (Map order), which the round-robin follows. */
  members: Map<string, IndexEntry>;
  /** Position of the next member to try. */
  cursor: number;
}

/** What matched one topic: direct subscriptions grouped per session, and shared groups. Shared between calls: read only. */
export interface IndexMatch {
  readonly direct: ReadonlyMap<string, { readonly session: Session; readonly subs: readonly Subscription[] }>;
  readonly groups: readonly SharedGroup[];
}

/** An IndexMatch while the walk fills it. */
interface MatchBuilder {
  direct: Map<string, { session: Session; subs: Subscription[] }>;
  groups: SharedGroup[];
}

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Non-shared subscriptions whose filter ends at this node, by client ID. */
  direct: Map<string, IndexEntry>;
  /** Shared groups whose filter ends at this node, by share name. */
  shared: Map<string, SharedGroup>;
}

function node(): TrieNode {
  return { children: new Map(), direct: new Map(), shared: new Map() };
}

/** Topics whose matches are remembered; past this the memory is cleared and refilled. */
const MATCH_CACHE_TOPICS = 10_000;

/** Topic-filter trie. */
export class SubscriptionIndex {
  private readonly root = node();
  /**
   * What each recently routed topic matched. Most traffic repeats a few topics, and walking
   * the trie (split, Map lookups, a fresh result) was the largest cost of routing a message
   * to one subscriber. Any change to the index forgets everything, so a result is never stale;
   * results are shared, so callers only read them.
   */
  private readonly matches = new Map<string, IndexMatch>();

  /** Adds or replaces the session's entry for `sub` (keyed by client ID and filter). */
  add(session: Session, sub: Subscription): void {
    this.matches.clear();
    let at = this.root;
    for (const level of sub.topicFilter.split('/')) {
      let next = at.children.get(level);
      if (!next) {
        next = node();
        at.children.set(level, next);
      }
      at = next;
    }
    const entry = { session, sub };
    if (sub.group === undefined) {
      at.direct.set(session.clientId, entry);
      return;
    }
    let group = at.shared.get(sub.group);
    if (!group) {
      group = { group: sub.group, topicFilter: sub.topicFilter, members: new Map(), cursor: 0 };
      at.shared.set(sub.group, group);
    }
    group.members.set(session.clientId, entry);
  }

  /** Removes the session's entry for `sub`, pruning nodes that became empty. */
  remove(session: Session, sub: Subscription): void {
    this.matches.clear();
    const path: TrieNode[] = [this.root];
    const levels = sub.topicFilter.split('/');
    for (const level of levels) {
      const next = path[path.length - 1]!.children.get(level);
      if (!next) return;
      path.push(next);
    }
    const at = path[path.length - 1]!;
    if (sub.group === undefined) {
      if (at.direct.get(session.clientId)?.session === session) at.direct.delete(session.clientId);
    } else {
      const group = at.shared.get(sub.group);
      if (group?.members.get(session.clientId)?.session === session) group.members.delete(session.clientId);
      if (group && group.members.size === 0) at.shared.delete(sub.group);
    }
    for (let i = path.length - 1; i > 0; i--) {
      const child = path[i]!;
      if (child.children.size > 0 || child.direct.size > 0 || child.shared.size > 0) break;
      path[i - 1]!.children.delete(levels[i - 1]!);
    }
  }

  /** Everything subscribed to a topic name; the result is shared and must not be changed. */
  match(topic: string): IndexMatch {
    const known = this.matches.get(topic);
    if (known) return known;
    const result: MatchBuilder = { direct: new Map(), groups: [] };
    this.walk(this.root, topic.split('/'), 0, topic.startsWith('$'), result);
    if (this.matches.size >= MATCH_CACHE_TOPICS) this.matches.clear();
    this.matches.set(topic, result);
    return result;
  }

  private walk(at: TrieNode, levels: string[], i: number, dollar: boolean, result: MatchBuilder): void {
    // Wildcards in the first level do not match topics starting with '$' [MQTT-4.7.2-1].
    const wildcardsAllowed = !(i === 0 && dollar);
    if (wildcardsAllowed) {
      const hash = at.children.get('#');
      if (hash) collect(hash, result); // '#' also matches the parent level: "a/#" matches "a" (§4.7.1.2)
    }
    if (i === levels.length) {
      collect(at, result);
      return;
    }
    const exact = at.children.get(levels[i]!);
    if (exact) this.walk(exact, levels, i + 1, dollar, result);
    if (wildcardsAllowed) {
      const plus = at.children.get('+');
      if (plus) this.walk(plus, levels, i + 1, dollar, result); // '+' matches exactly one level, even an empty one
    }
  }
}

function collect(at: TrieNode, result: MatchBuilder): void {
  for (const entry of at.direct.values()) {
    const seen = result.direct.get(entry.session.clientId);
    if (seen) seen.subs.push(entry.sub);
    else result.direct.set(entry.session.clientId, { session: entry.session, subs: [entry.sub] });
  }
  for (const group of at.shared.values()) result.groups.push(group);
}
