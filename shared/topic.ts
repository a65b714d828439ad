/**
 * MQTT topic rules, shared by the broker, the backend and the UI so that a filter the UI
 * accepts is exactly one the broker accepts. Section numbers refer to MQTT 5.0 (OASIS);
 * 3.1.1 has the same rules under the same IDs.
 */

import { utf8Encode } from './utf8';

/** The outcome of a topic check: either fine, or a sentence to show next to the field. */
export type TopicCheck = { ok: true } | { ok: false; reason: string };

const OK: TopicCheck = { ok: true };
const MAX_TOPIC_BYTES = 65535;
const SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

function fail(reason: string): TopicCheck {
  return { ok: false, reason };
}

function checkCommon(text: string, what: string): TopicCheck {
  if (text.length === 0) return fail(`${what} must not be empty`); // [MQTT-4.7.3-1]
  if (text.includes('\u0000')) return fail(`${what} must not contain U+0000`); // [MQTT-4.7.3-2]
  // Checked on every PUBLISH, so the costly steps run only where they can fail: pairing
  // only when there is a surrogate at all, and measuring only when the string could be too
  // long (UTF-8 takes at most 3 bytes per UTF-16 code unit).
  if (SURROGATE.test(text) && SURROGATE.test(text.replace(SURROGATE_PAIRS, ''))) {
    return fail(`${what} is not valid UTF-8 (lone surrogate)`); // [MQTT-1.5.4-1]
  }
  if (text.length * 3 > MAX_TOPIC_BYTES && utf8Encode(text).length > MAX_TOPIC_BYTES) {
    return fail(`${what} is longer than ${MAX_TOPIC_BYTES} bytes`); // [MQTT-4.7.3-3]
  }
  return OK;
}

/** Checks a topic name as used in PUBLISH and wills: no wildcards allowed. */
export function checkTopicName(topic: string): TopicCheck {
  const common = checkCommon(topic, 'Topic');
  if (!common.ok) return common;
  if (topic.includes('+') || topic.includes('#')) {
    return fail('Topic must not contain wildcards (+ or #)'); // [MQTT-3.3.2-2]
  }
  return OK;
}

/** The parts of a `$share/{group}/{filter}` subscription, when the filter is one. */
export interface SharedFilter {
  group: string;
  filter: string;
}

/** Splits a shared subscription into group and filter; undefined for ordinary filters. */
export function parseSharedFilter(filter: string): SharedFilter | undefined {
  if (!filter.startsWith('$share/')) return undefined;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { group: rest, filter: '' };
  return { group: rest.slice(0, slash), filter: rest.slice(slash + 1) };
}

/** Checks a topic filter as used in SUBSCRIBE/UNSUBSCRIBE, including `$share/` filters. */
export function checkTopicFilter(filter: string): TopicCheck {
  const common = checkCommon(filter, 'Filter');
  if (!common.ok) return common;
  const shared = parseSharedFilter(filter);
  if (shared) {
    if (shared.group.length === 0) return fail('Shared subscription needs a group name'); // [MQTT-4.8.2-1]
    if (/[+#]/.test(shared.group)) {
      return fail('Shared subscription group must not contain + or #'); // [MQTT-4.8.2-2]
    }
    if (shared.filter.length === 0) return fail('Shared subscription needs a filter after the group'); // [MQTT-4.8.2-2]
    return checkLevels(shared.filter);
  }
  return checkLevels(filter);
}

function checkLevels(filter: string): TopicCheck {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#')) {
      if (level !== '#') return fail("'#' must occupy a whole level"); // [MQTT-4.7.1-1]
      if (i !== levels.length - 1) return fail("'#' must be the last level"); // [MQTT-4.7.1-1]
    }
    if (level.includes('+') && level !== '+') {
      return fail("'+' must occupy a whole level"); // [MQTT-4.7.1-2]
    }
  }
  return OK;
}

/**
 * Whether a topic name matches a filter. Both are assumed valid. Filters that start with a
 * wildcard do not match topics starting with `$` [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  let f = 0;
  let t = 0;
  while (true) {
    const fEnd = indexOrEnd(filter, f);
    const fLevel = filter.slice(f, fEnd);
    if (fLevel === '#') return true; // matches the parent level too: "a/#" matches "a"
    if (t > topic.length) return false;
    const tEnd = indexOrEnd(topic, t);
    if (fLevel !== '+' && fLevel !== topic.slice(t, tEnd)) return false;
    const fDone = fEnd >= filter.length;
    const tDone = tEnd >= topic.length;
    if (fDone || tDone) {
      if (fDone && tDone) return true;
      // "a/#" matching "a": the filter has one more level, and it is '#'.
      return tDone && !fDone && filter.slice(fEnd + 1) === '#';
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

function indexOrEnd(text: string, from: number): number {
  const i = text.indexOf('/', from);
  return i < 0 ? text.length : i;
}
