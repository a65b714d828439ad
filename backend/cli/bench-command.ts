/**
 * `mqtt-desk bench conn|pub|sub`: N connections made with the CLI's connection setup
 * (profiles, flags, TLS), each a {@link Session}; a progress line on stderr every second;
 * at the end totals, msgs/s and latency percentiles (text, or one JSON object with --json).
 * Exit code 0, 1 for a usage error, 2 when a connection failed or was lost or a publish failed.
 */

import { benchPayload, benchSentMs, benchTopic } from '../../shared/bench-payload';
import { parseBenchArgs, type BenchConfig } from './bench-args';
import { reportText, Samples, type BenchReport } from './bench-stats';
import type { CliIo } from './cli-io';
import { commandPlan } from './conn-command';
import type { ConnectPlan } from './connect-plan';
import { Session } from './session';

/** `mqtt-desk bench --help`. */
export const BENCH_USAGE = `mqtt-desk bench: benchmark a broker with many connections (like emqtt-bench, mqttx bench).

Usage: mqtt-desk bench conn [-c count] [-i ms] [-d seconds] [connection flags]
       mqtt-desk bench pub -t topic [-c count] [-q qos] [-s bytes] [-I ms] [-L limit] [-d seconds] [connection flags]
       mqtt-desk bench sub -t filter [-c count] [-q qos] [-L limit] [-d seconds] [connection flags]
 -c count       connections (default 1)
 -i ms          between starting one connection and the next (default 10)
 -I ms          pub: between one client's messages (default 1000; 0: next when the last is acknowledged)
 -L limit       pub: messages per client; sub: messages per client, then it stops (default 0: no limit)
 -d seconds     the run's length at most; conn holds its connections that long
                (default 0: until the limits, Ctrl+C, or for conn until all connected)
 -t topic       %i is the client's number (from 1), %c its client ID
 -q qos         0, 1 or 2 (default 0)              -s bytes    payload size (default 256)
 --json         print the report as one JSON object  --quiet    no progress lines on stderr
Payloads of 12 bytes or more carry their send time, so bench sub (on the same clock) measures latency.
Client IDs are <prefix><number>; the prefix is --id-prefix (default mqtt-desk-bench-<pid>-).
Connection flags are pub's (-h -p -V -u -P --profile, TLS flags; 'mqtt-desk pub --help').
Exit code 0; 1 for a usage error; 2 when a connection failed or was lost or a publish failed.
`;

/** One connection of the run. */
interface Client {
  index: number;
  id: string;
  session: Session;
  topic: string;
  /** Connected, then done (limit reached), or failed/lost: it no longer holds the run open. */
  state: 'connecting' | 'running' | 'done' | 'failed';
  sent: number;
  settled: number;
  received: number;
  closed: Promise<void>;
  timer?: ReturnType<typeof setInterval>;
}

const now = () => performance.now();

/** Runs bench; resolves to the exit code. */
export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.kind === 'help') {
    io.stdout(BENCH_USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  if (args.kind === 'error') {
    io.stderr(args.stderr);
    return 1;
  }
  const plan = await commandPlan(args.config.connection, io);
  if (!plan) return 1;
  const report = await new BenchRun(args.config, plan, io).run();
  io.stdout(args.config.json ? JSON.stringify(report) + '\n' : reportText(report));
  return report.failed + report.lost + report.errors > 0 ? 2 : 0;
}

class BenchRun {
  private readonly clients: Client[] = [];
  private readonly connectMs = new Samples();
  private readonly latencyMs = new Samples();
  private readonly errorTexts = new Set<string>();
  private counts = { connected: 0, failed: 0, lost: 0, messages: 0, errors: 0, subscribed: 0 };
  private readonly started = now();
  private finishing = false;
  private finished!: () => void;
  private readonly prefix: string;

  constructor(
    private readonly config: BenchConfig,
    private readonly plan: ConnectPlan,
    private readonly io: CliIo,
  ) {
    const c = config.connection;
    this.prefix = c.idPrefix ?? c.id ?? `mqtt-desk-bench-${process.pid}-`;
  }

  async run(): Promise<BenchReport> {
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    const timers: Array<ReturnType<typeof setTimeout>> = [];
    const removeSignal = this.io.onSignal(() => this.finish());
    let lastMessages = 0;
    if (!this.config.quiet) {
      timers.push(
        setInterval(() => {
          const { connected, failed, messages } = this.counts;
          const verb = this.config.mode === 'sub' ? 'received' : 'sent';
          const rate = this.config.mode === 'conn' ? '' : `, ${verb} ${messages} (${messages - lastMessages} msgs/s)`;
          lastMessages = messages;
          this.io.stderr(`[${Math.round((now() - this.started) / 1000)}s] connected ${connected}/${this.config.count}${failed ? `, failed ${failed}` : ''}${rate}\n`);
        }, 1000),
      );
    }
    if (this.config.duration > 0) timers.push(setTimeout(() => this.finish(), this.config.duration * 1000));
    // Connections start one every -i ms, as emqtt-bench and MQTTX's bench start them.
    const startNext = () => {
      if (this.finishing || this.clients.length === this.config.count) return;
      this.open(this.clients.length + 1);
      if (this.config.connectInterval === 0) startNext();
      else timers.push(setTimeout(startNext, this.config.connectInterval));
    };
    startNext();
    await done;
    for (const timer of timers) clearTimeout(timer);
    removeSignal();
    const elapsedMs = now() - this.started;
    for (const client of this.clients) {
      clearInterval(client.timer);
      client.session.end();
    }
    // A socket that never closes must not hold the report back (a generous guard).
    let guard: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(this.clients.map((c) => c.closed)), new Promise((resolve) => (guard = setTimeout(resolve, 5000)))]);
    clearTimeout(guard);
    const { connected, failed, lost, messages, errors } = this.counts;
    const connectMs = this.connectMs.percentiles();
    const latencyMs = this.latencyMs.percentiles();
    return {
      mode: this.config.mode,
      clients: this.config.count,
      connected,
      failed,
      lost,
      elapsedMs: Math.round(elapsedMs),
      messages,
      messagesPerSecond: Math.round((messages / Math.max(elapsedMs, 1)) * 1000 * 10) / 10,
      errors,
      ...(connectMs ? { connectMs } : {}),
      ...(latencyMs ? { latencyMs } : {}),
      firstErrors: [...this.errorTexts],
    };
  }

  private open(index: number): void {
    const id = `${this.prefix}${index}`;
    const opened = now();
    let closedNow!: () => void;
    const closed = new Promise<void>((resolve) => (closedNow = resolve));
    const client: Client = { index, id, topic: benchTopic(this.config.topic ?? '', index, id), state: 'connecting', sent: 0, settled: 0, received: 0, closed } as Client;
    client.session = new Session(
      this.plan.target,
      { ...this.plan.options, clientId: id },
      {
        connectError: (text) => this.fail(client, text.replace(/^Error: /, '')),
        connack: (code) => {
          if (code !== 0) return this.fail(client, `CONNACK refused the connection (${code})`);
          this.connectMs.add(now() - opened);
          this.counts.connected++;
          this.connected(client);
        },
        message: (message) => this.received(client, message.payload),
        suback: (_mid, granted) => {
          if (granted.some((g) => g >= 0x80)) return this.fail(client, `SUBACK refused ${this.config.topic} (${granted.join(', ')})`);
          if (++this.counts.subscribed === this.config.count && !this.config.quiet) this.io.stderr(`subscribed: ${this.config.count} clients to ${this.config.topic}\n`);
        },
        close: (requested, error) => {
          if (requested || client.state === 'failed') return;
          if (client.state === 'connecting') return this.fail(client, error?.message ?? 'connection closed before CONNACK');
          this.counts.lost++;
          this.note(`connection lost${error ? `: ${error.message}` : ''}`);
          this.settle(client, 'failed');
        },
      },
      undefined,
    );
    client.session.client.once('close', () => closedNow());
    this.clients.push(client);
    client.session.start();
  }

  private connected(client: Client): void {
    client.state = 'running';
    const { mode, qos, publishInterval, limit } = this.config;
    if (mode === 'conn') return this.settle(client, 'done');
    if (mode === 'sub') return void client.session.client.subscribe(client.topic, { qos });
    const sendOne = () => {
      if (this.finishing || client.state !== 'running' || (limit > 0 && client.sent >= limit)) return clearInterval(client.timer);
      client.sent++;
      const sent = now();
      const settled = (error?: string) => {
        if (error === undefined) {
          this.counts.messages++;
          this.latencyMs.add(now() - sent);
        } else {
          this.counts.errors++;
          this.note(error);
        }
        if (limit > 0 && ++client.settled >= limit) this.settle(client, 'done');
        else if (publishInterval === 0) sendOne();
      };
      client.session.publish(client.topic, benchPayload(this.config.size, performance.timeOrigin + sent), qos, false).then(
        ({ reasonCode }) => settled(reasonCode >= 0x80 ? `the broker refused a publish (reason ${reasonCode})` : undefined),
        (error: Error) => settled(`publish failed: ${error.message}`),
      );
    };
    sendOne();
    if (publishInterval > 0) client.timer = setInterval(sendOne, publishInterval);
  }

  private received(client: Client, payload: Uint8Array): void {
    if (client.state !== 'running') return;
    client.received++;
    this.counts.messages++;
    const sent = benchSentMs(payload);
    // Another process's clock: the same wall clock, so never earlier than the send, but
    // two processes' high-resolution origins can differ by a fraction of a millisecond.
    if (sent !== undefined) this.latencyMs.add(Math.max(0, performance.timeOrigin + now() - sent));
    if (this.config.limit > 0 && client.received >= this.config.limit) this.settle(client, 'done');
  }

  private fail(client: Client, why: string): void {
    if (client.state === 'failed') return;
    this.counts.failed++;
    this.note(why);
    this.settle(client, 'failed');
  }

  private note(text: string): void {
    if (this.errorTexts.size < 5) this.errorTexts.add(text);
  }

  /** A client stops holding the run open; when none does (and no -d runs it), the run ends. */
  private settle(client: Client, state: 'done' | 'failed'): void {
    client.state = state;
    clearInterval(client.timer);
    // conn -d holds its connections open for the whole duration; limits end pub and sub early.
    if ((this.config.mode === 'conn' && this.config.duration > 0) || this.clients.length < this.config.count) return;
    const open = this.clients.some((c) => c.state === 'connecting' || c.state === 'running');
    // Without a limit, pub and sub run until -d or Ctrl+C unless every connection failed.
    if (!open && (this.config.mode === 'conn' || this.config.limit > 0 || this.clients.every((c) => c.state === 'failed'))) this.finish();
  }

  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.finished();
  }
}
