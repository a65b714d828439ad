/**
 * Runs the sidecar broker as a child process (never in this process: a broker bug must
 * not take the app down), learns its port over the control channel, keeps its recent log,
 * and reports crashes so the UI can offer a restart. Stops it with the app.
 */

import { fork, type ChildProcess } from 'node:child_process';
import type { BrokerLogLine, BrokerQuery, SidecarMessage, SidecarState, SupervisorMessage } from '../shared/broker-control';
import { DeskError } from '../shared/errors';
import { RingBuffer } from '../shared/ring-buffer';

/** Options for {@link SidecarSupervisor}. */
export interface SidecarOptions {
  /** The built sidecar entry (dist/broker-sidecar/main.js). */
  script: string;
  /** Port to ask for first; a free one is used when it is taken. Default 1883. */
  port?: number;
  /** MQTT over WebSocket port to ask for first (path /mqtt); a free one when taken. Default 8083. */
  wsPort?: number;
  /**
   * A mosquitto.conf to run the sidecar with (listeners, bridges, everything it reads);
   * `port` is then ignored and the file's listeners are used.
   */
  config?: string;
  /** How long the sidecar may take to report its port. Default 10 s. */
  startTimeoutMs?: number;
  /** Called on every state change. */
  onState?: (state: SidecarState) => void;
  /** Called with each batch of log lines. */
  onLog?: (lines: BrokerLogLine[]) => void;
}

const STOP_GRACE_MS = 3000;
const QUERY_TIMEOUT_MS = 5000;

/** One supervised sidecar at a time. */
export class SidecarSupervisor {
  private stateValue: SidecarState = { status: 'stopped' };
  private child: ChildProcess | undefined;
  private readonly recent = new RingBuffer<BrokerLogLine>({ maxItems: 1000, maxBytes: Infinity }, () => 0);
  private nextQuery = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly options: SidecarOptions) {}

  /** Where the sidecar is now. */
  get state(): SidecarState {
    return this.stateValue;
  }

  /** The last log lines, oldest first. */
  log(): BrokerLogLine[] {
    return this.recent.toArray();
  }

  /**
   * Starts the sidecar (or returns at once if it runs) and resolves when it listens.
   * @throws DeskError INTERNAL with the sidecar's own words when it fails to start.
   */
  async start(port = this.options.port ?? 1883): Promise<SidecarState> {
    if (this.stateValue.status === 'running') return this.stateValue;
    if (this.stateValue.status === 'starting' || this.stateValue.status === 'stopping') {
      throw new DeskError('INTERNAL', `The local broker is ${this.stateValue.status}; try again in a moment`);
    }
    this.setState({ status: 'starting', since: Date.now() });
    let stderr = '';
    const listen = this.options.config !== undefined ? ['-c', this.options.config] : ['-p', String(port)];
    const args = [...listen, '--ws-port', String(this.options.wsPort ?? 8083), '--port-fallback'];
    const child = fork(this.options.script, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });

    return new Promise<SidecarState>((resolve, reject) => {
      const timer = setTimeout(() => fail(`it did not report a port within ${this.options.startTimeoutMs ?? 10_000} ms`), this.options.startTimeoutMs ?? 10_000);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new DeskError('INTERNAL', `The local broker did not start: ${why}${stderr ? `\n${stderr.trim()}` : ''}`));
      };
      child.on('message', (raw) => {
        const message = raw as SidecarMessage;
        if (message.type === 'ready') {
          clearTimeout(timer);
          const running: SidecarState = {
            status: 'running',
            since: Date.now(),
            pid: child.pid!,
            host: message.host,
            port: message.port,
            requestedPort: message.requestedPort,
            ...(message.wsPort !== undefined ? { wsPort: message.wsPort } : {}),
          };
          this.setState(running);
          resolve(running);
        } else if (message.type === 'log') {
          for (const line of message.lines) this.recent.push(line);
          this.options.onLog?.(message.lines);
        } else if (message.type === 'answer') {
          const entry = this.pending.get(message.id);
          if (!entry) return;
          this.pending.delete(message.id);
          clearTimeout(entry.timer);
          if (message.ok) entry.resolve(message.result);
          else entry.reject(new DeskError('INTERNAL', message.error));
        }
      });
      child.on('error', (error) => fail(error.message));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.child = undefined;
        for (const entry of this.pending.values()) {
          clearTimeout(entry.timer);
          entry.reject(new DeskError('INTERNAL', 'The local broker stopped'));
        }
        this.pending.clear();
        const expected = this.stateValue.status === 'stopping';
        if (expected) {
          this.setState({ status: 'stopped' });
          return;
        }
        const reason = stderr.trim().split('\n').at(-1) || (signal ? `killed by ${signal}` : `exited with code ${code}`);
        this.setState({ status: 'crashed', at: Date.now(), exitCode: code, signal, reason });
        reject(new DeskError('INTERNAL', `The local broker did not start: ${reason}`));
      });
    });
  }

  /** Stops the sidecar: SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<SidecarState> {
    const child = this.child;
    if (!child || this.stateValue.status === 'stopped') {
      if (this.stateValue.status === 'crashed') this.setState({ status: 'stopped' });
      return this.stateValue;
    }
    this.setState({ status: 'stopping', since: Date.now() });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    return this.stateValue;
  }

  /** Asks the running sidecar a question. */
  query(query: BrokerQuery): Promise<unknown> {
    const child = this.child;
    if (!child || this.stateValue.status !== 'running') return Promise.reject(new DeskError('NOT_CONNECTED', 'The local broker is not running'));
    const id = this.nextQuery++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DeskError('INTERNAL', `The local broker did not answer "${typeof query === 'string' ? query : query.type}" in time`));
      }, QUERY_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      const message: SupervisorMessage = { type: 'ask', id, query };
      child.send(message);
    });
  }

  private setState(state: SidecarState): void {
    this.stateValue = state;
    this.options.onState?.(state);
  }
}
