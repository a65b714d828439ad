/**
 * Logging seam. The broker reports events as structured entries; the CLI turns them into
 * mosquitto-style lines, tests usually pass nothing and get silence.
 */

/** Severity, mosquitto's names. `debug` is per-packet chatter shown only with -v. */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

/** One log event. */
export interface LogEntry {
  level: LogLevel;
  /** The client the event is about, when there is one. */
  clientId: string | undefined;
  message: string;
}

/** Receives log entries. */
export type Logger = (entry: LogEntry) => void;

/** Discards everything. */
export const silentLogger: Logger = () => {};

/** Formats an entry as `<epoch seconds>: <level> [<client>] <message>`, close to mosquitto. */
export function formatLogLine(entry: LogEntry, now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const who = entry.clientId === undefined ? '' : ` [${entry.clientId}]`;
  return `${seconds}: ${entry.level.toUpperCase()}${who} ${entry.message}`;
}
