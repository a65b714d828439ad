/**
 * What the user published, per browser profile: recent topics (for the topic field's
 * suggestions) and recent messages (to publish again). Kept in localStorage, capped.
 */

/** One remembered publish. */
export interface PublishedEntry {
  topic: string;
  payload: string;
  format: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  time: number;
}

const KEY = 'mqtt-desk.publish-history';
const MAX_ENTRIES = 30;

/** Recent publishes, newest first. */
export function loadHistory(): PublishedEntry[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as PublishedEntry[]).slice(0, MAX_ENTRIES) : [];
  } catch {
    return [];
  }
}

/** Adds a publish at the front; the same topic+payload moves up instead of repeating. */
export function remember(entry: PublishedEntry): PublishedEntry[] {
  const history = [entry, ...loadHistory().filter((e) => e.topic !== entry.topic || e.payload !== entry.payload)].slice(0, MAX_ENTRIES);
  try {
    localStorage.setItem(KEY, JSON.stringify(history));
  } catch {
    // Storage full or disabled: history is a convenience, publishing goes on.
  }
  return history;
}

/** Distinct topics of the history, newest first. */
export function recentTopics(history: readonly PublishedEntry[]): string[] {
  return [...new Set(history.map((e) => e.topic))];
}
