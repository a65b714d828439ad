/**
 * Logging seam. The broker reports events as structured entries; the CLI turns them into
 * mosquitto-style lines (log-output.ts), tests usually pass nothing and get silence.
 */

/** Severity, mosquitto's names. `debug` is per-packet chatter shown only with -v. */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

/**
 * mosquitto's message log types that are not severities: they are switched on and off
 * with their own `log_type` and go to their own `$SYS/broker/log/...` topics.
 */
export type LogCategory = 'subscribe' | 'unsubscribe' | 'websockets';

/** One log event. */
export interface LogEntry {
  level: LogLevel;
  /** The client the event is about, when there is one. */
  clientId: string | undefined;
  message: string;
  /** Set on subscribe/unsubscribe/websockets lines; they are filtered by it instead of by level. */
  category?: LogCategory;
}

/** Receives log entries. */
export type Logger = (entry: LogEntry) => void;

/** Discards everything. */
export const silentLogger: Logger = () => {};

/** mosquitto's `log_type` an entry is filtered by: its category, else its severity. */
export function logTypeOf(entry: LogEntry): 'error' | 'warning' | 'notice' | 'information' | 'debug' | LogCategory {
  if (entry.category !== undefined) return entry.category;
  return entry.level === 'info' ? 'information' : entry.level;
}

/**
 * Formats an entry as `<epoch seconds>: <LEVEL> [<client>] <message>`: mosquitto's
 * `<epoch seconds>: <message>` with the severity and client ID added. Category lines carry
 * mosquitto's own text, which starts with the client ID (`client-1 0 a/b`), so they get the
 * category as their label and no bracketed ID.
 */
export function formatLogLine(entry: LogEntry, now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000);
  if (entry.category !== undefined) return `${seconds}: ${entry.category.toUpperCase()} ${entry.message}`;
  const who = entry.clientId === undefined ? '' : ` [${entry.clientId}]`;
  return `${seconds}: ${entry.level.toUpperCase()}${who} ${entry.message}`;
}
