/**
 * mosquitto's `log_dest syslog`: lines go to the system log with mosquitto's severities and
 * the configured facility (`log_facility`, `daemon` by default). Node has no API for the
 * syslog datagram socket (/dev/log), so one `logger` process (util-linux, in every Debian
 * base system) reads the lines from a pipe, each with its `<PRI>` prefix. The socket can be
 * moved with MQTT_DESK_SYSLOG_SOCKET (the tests listen on their own).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import type { LogEntry } from './logger';

/** syslog(3) severities by log level: mosquitto maps its types the same way. */
const SEVERITY: Record<LogEntry['level'], number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

/** The severity of a line: subscribe/unsubscribe lines are notices, websockets lines debug, as in mosquitto. */
export function severityOf(entry: LogEntry): number {
  if (entry.category === 'websockets') return SEVERITY.debug;
  if (entry.category !== undefined) return SEVERITY.notice;
  return SEVERITY[entry.level];
}

/** Writes lines to syslog through one `logger` process. */
export class SyslogWriter {
  private readonly child: ChildProcess;
  private failed = false;

  /**
   * @param facility syslog facility code (3 daemon, 16-23 local0-local7)
   * @param problem told once when syslog cannot be written (no `logger`, no socket)
   */
  constructor(
    private readonly facility: number,
    problem: (message: string) => void,
    socket: string | undefined = process.env.MQTT_DESK_SYSLOG_SOCKET,
  ) {
    const args = ['--prio-prefix', '-t', 'mqtt-desk-broker', `--id=${process.pid}`, '--socket-errors=on', ...(socket ? ['-u', socket] : [])];
    this.child = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const fail = (why: string): void => {
      if (this.failed) return;
      this.failed = true;
      problem(`log_dest syslog: cannot write to syslog (${why}); syslog lines are lost`);
    };
    this.child.on('error', (error) => fail(error.message));
    this.child.on('close', (code) => {
      if (code !== 0 && code !== null) fail(stderr.trim().split('\n')[0] || `logger exited with ${code}`);
    });
    this.child.stdin!.on('error', () => undefined); // a logger that died is reported by 'close'
    // The broker's lifetime decides the logger's, not the other way round.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  /** Sends one line (without timestamp: syslog stamps it). */
  write(entry: LogEntry, text: string): void {
    if (this.failed) return;
    this.child.stdin!.write(`<${this.facility * 8 + severityOf(entry)}>${text.replace(/\r?\n/g, ' ')}\n`);
  }

  /** Ends the logger process once it has sent what it was given. */
  close(): void {
    this.child.stdin!.end();
  }
}
