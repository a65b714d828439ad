/**
 * What `mqtt-desk bench` measures and how it reports it: counters, latency samples (kept
 * in a flat Float64Array, a uniform reservoir past a cap so a long run stays bounded) and
 * the end report, as text or one JSON object.
 */

/** Latency samples beyond this are kept as a uniform sample (reservoir sampling). */
const MAX_SAMPLES = 1_000_000;

/** Percentiles of a set of durations, in milliseconds. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Duration samples in milliseconds. */
export class Samples {
  private values = new Float64Array(1024);
  private length = 0;
  private seen = 0;

  add(ms: number): void {
    this.seen++;
    if (this.length < MAX_SAMPLES) {
      if (this.length === this.values.length) {
        const grown = new Float64Array(Math.min(this.values.length * 2, MAX_SAMPLES));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.length++] = ms;
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < MAX_SAMPLES) this.values[slot] = ms;
  }

  /** Nearest-rank percentiles (undefined with no samples), rounded to microseconds. */
  percentiles(): Percentiles | undefined {
    if (this.length === 0) return undefined;
    const sorted = this.values.slice(0, this.length).sort();
    const rank = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
    return { count: this.seen, p50: rank(50), p95: rank(95), p99: rank(99), max: round(sorted[sorted.length - 1]!) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The end of a bench run. */
export interface BenchReport {
  mode: 'conn' | 'pub' | 'sub';
  clients: number;
  connected: number;
  /** Connections that could not be opened or were refused. */
  failed: number;
  /** Connections lost during the run. */
  lost: number;
  elapsedMs: number;
  /** pub: messages sent (acknowledged for QoS 1/2); sub: messages received; conn: 0. */
  messages: number;
  messagesPerSecond: number;
  /** Publishes the broker refused or that failed. */
  errors: number;
  /** Time from starting a connection to its CONNACK. */
  connectMs?: Percentiles;
  /** pub: publish to PUBACK/PUBCOMP (QoS 0: to written); sub: send time in the payload to receipt. */
  latencyMs?: Percentiles;
  /** The first error text of each kind seen, so a failure says why. */
  firstErrors: string[];
}

function line(name: string, p: Percentiles | undefined): string {
  return p ? `${name} (ms): p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}  max ${p.max}  (${p.count} samples)\n` : `${name}: no samples\n`;
}

/** The report as people read it. */
export function reportText(r: BenchReport): string {
  const verb = r.mode === 'sub' ? 'received' : 'sent';
  let text = `bench ${r.mode}: ${r.clients} clients, ${r.connected} connected, ${r.failed} failed, ${r.lost} lost, ${(r.elapsedMs / 1000).toFixed(1)} s\n`;
  if (r.mode !== 'conn') text += `${r.messages} messages ${verb}, ${r.messagesPerSecond.toFixed(1)} msgs/s, ${r.errors} errors\n`;
  text += line('connect', r.connectMs);
  if (r.mode !== 'conn') text += line('latency', r.latencyMs);
  for (const error of r.firstErrors) text += `error: ${error}\n`;
  return text;
}
