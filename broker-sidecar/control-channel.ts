/**
 * The sidecar's side of the control channel (see shared/broker-control.ts): when the
 * broker runs as the app's child process, it reports its port and log over Node IPC and
 * answers the app's questions. Log lines are batched so a verbose broker under load sends
 * a few messages a second, not one per packet.
 */

import type { BrokerLogLine, BrokerQuery, SidecarMessage, SupervisorMessage } from '../shared/broker-control';
import type { LogEntry } from './logger';

/** How often buffered log lines go to the app. */
const LOG_FLUSH_MS = 100;
/** Lines kept between flushes; beyond this, lines are counted and summarised. */
const MAX_BUFFERED_LINES = 2000;

/** What the channel asks the broker. */
export type QueryAnswerer = (query: BrokerQuery) => unknown;

/** Sends over `process.send`; created only when the process has an IPC channel. */
export class ControlChannel {
  private lines: BrokerLogLine[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (message: SidecarMessage) => void,
    answer: QueryAnswerer,
    onMessage: (listener: (message: SupervisorMessage) => void) => void,
  ) {
    onMessage((message) => {
      if (message?.type !== 'ask') return;
      try {
        this.send({ type: 'answer', id: message.id, ok: true, result: answer(message.query) });
      } catch (error) {
        this.send({ type: 'answer', id: message.id, ok: false, error: (error as Error).message });
      }
    });
  }

  /** Reports the bound port, and the WebSocket listener's port when there is one. */
  ready(host: string, port: number, requestedPort: number, wsPort?: number): void {
    const message: SidecarMessage = { type: 'ready', host, port, requestedPort };
    if (wsPort !== undefined) message.wsPort = wsPort;
    this.send(message);
  }

  /** Queues one log entry for the next flush. */
  log(entry: LogEntry): void {
    if (this.lines.length >= MAX_BUFFERED_LINES) this.skipped++;
    else this.lines.push({ time: Date.now(), level: entry.level, message: entry.message, ...(entry.clientId !== undefined ? { clientId: entry.clientId } : {}) });
    this.timer ??= setTimeout(() => this.flush(), LOG_FLUSH_MS);
  }

  /** Sends what is buffered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.skipped > 0) {
      this.lines.push({ time: Date.now(), level: 'warning', message: `${this.skipped} log lines skipped: the log was faster than the app reads it.` });
      this.skipped = 0;
    }
    if (this.lines.length === 0) return;
    const lines = this.lines;
    this.lines = [];
    this.send({ type: 'log', lines });
  }
}
