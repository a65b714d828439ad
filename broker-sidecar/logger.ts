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
  /** A client connecting or disconnecting: mosquitto's connection_messages switches these off. */
  connection?: boolean;
}

/** How a line starts: mosquitto's log_timestamp and log_timestamp_format. */
export interface TimestampStyle {
  /** false: no timestamp at all. */
  timestamp: boolean;
  /** Formats the time (log_timestamp_format); undefined: seconds since the epoch. */
  format?: (now: Date) => string;
}

const EPOCH_SECONDS: TimestampStyle = { timestamp: true };

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
export function formatLogLine(entry: LogEntry, now: Date = new Date(), style: TimestampStyle = EPOCH_SECONDS): string {
  return `${timestampOf(now, style)}${lineBody(entry)}`;
}

/** The line without its timestamp, as syslog gets it (syslog stamps lines itself). */
export function lineBody(entry: LogEntry): string {
  if (entry.category !== undefined) return `${entry.category.toUpperCase()} ${entry.message}`;
  const who = entry.clientId === undefined ? '' : ` [${entry.clientId}]`;
  return `${entry.level.toUpperCase()}${who} ${entry.message}`;
}

/** `<timestamp>: `, or nothing with log_timestamp false. */
function timestampOf(now: Date, style: TimestampStyle): string {
  if (!style.timestamp) return '';
  return `${style.format ? style.format(now) : Math.floor(now.getTime() / 1000)}: `;
}
