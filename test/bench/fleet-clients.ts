/**
 * A device fleet for the broker bench: many lean raw connections (lean-client.ts), each
 * publisher sending one PUBLISH per write at a fixed rate, open loop, the way devices do
 * (it does not wait for acknowledgements), and subscribers that check every message arrives
 * once. Where the flood bench (broker-bench-cases.ts) has one publisher pipelining thousands
 * of messages, so a broker reads many packets per syscall, here a broker reads one packet
 * per read from hundreds or thousands of sockets.
 *
 * Sending is spread evenly: message m of the whole fleet is due at m / (publishers × rate)
 * seconds and goes from publisher m mod publishers; a 1 ms pacer sends whatever is due.
 * Each message carries its send time, publisher and sequence number; latency is send →
 * receive per delivery. After a warm-up, a window of `measureMs` counts deliveries,
 * latencies and the broker's CPU; then sending stops and the run waits for the rest, so
 * losses and duplicates over the whole run show.
 */

import { performance } from 'node:perf_hooks';
import { generate } from 'mqtt-packet';
import type { SchedNs } from './brokers';
import { openLean, type LeanClient, type OpenLeanOptions } from './lean-client';

export const FLEET_PAYLOAD_BYTES = 64;

/** What a fleet case runs with. */
export interface FleetSpec {
  port: number;
  publishers: number;
  /** Messages per second per publisher. */
  rate: number;
  qos: 0 | 1;
  /** `pairs`: publisher i to its own subscriber i (topic per pair); `fan-in`: every publisher to one subscriber of `+`. */
  shape: 'pairs' | 'fan-in';
  /** Unique per run: names the topics and the client IDs. */
  tag: string;
  /** Paced sending before the window opens (connections warm, JIT done). */
  warmupMs: number;
  /** The measured window. */
  measureMs: number;
  /** Hang guard: for opening the connections, and for the last messages after sending stops. */
  timeoutMs: number;
  /** Source addresses, round-robin (127.0.0.x), so thousands of connections never run out of ports. */
  sourceAddresses: string[];
  /** Connections being opened at once. Default 100. */
  concurrency?: number;
  /** The broker's run and wait time so far (schedNs of brokers.ts); read when the window opens and closes. */
  sched?: () => SchedNs | undefined;
  /**
   * The run stops sending once more than this many seconds of the offered load are sent and
   * not yet delivered: the broker fell behind, and holding more would only grow its memory
   * (and the clients') until something dies. Default 5.
   */
  maxBacklogSeconds?: number;
  /** After sending stops, how long a broker that fell behind gets for the rest. Default 10 s. */
  behindDrainMs?: number;
}

/** Figures of one fleet case on one broker. */
export interface FleetResult {
  /** Messages sent over the whole run. */
  sent: number;
  /** Distinct messages received over the whole run. */
  delivered: number;
  /** Copies of a message already received (a broker fault). */
  duplicates: number;
  /** Messages received out of order within one publisher's stream (a broker fault for these QoS). */
  reordered: number;
  /** Deliveries within the window, and its length. */
  windowDeliveries: number;
  windowSeconds: number;
  /** Send → receive of the window's deliveries, in ms. */
  p50: number;
  p99: number;
  /** Broker CPU per delivery in the window, in µs. */
  cpuPerDelivery?: number;
  /** Offered load, messages per second (publishers × rate). */
  offered: number;
  /** Why sending stopped early: the broker fell behind, or connections closed; undefined when the run went as planned. */
  stoppedEarly?: string;
  /** Shares of one core over the window: broker running, broker runnable but waiting for a CPU, the bench process (the clients) running. */
  brokerBusy?: number;
  brokerWaited?: number;
  clientsBusy: number;
}

/** Deliveries of one run: once-only bookkeeping per publisher, and the window's latencies. */
class FleetTally {
  delivered = 0;
  duplicates = 0;
  reordered = 0;
  windowDeliveries = 0;
  /** Receipts at or after this time count in the window (Infinity: not open yet). */
  windowFrom = Infinity;
  windowTo = Infinity;
  private latencies = new Float64Array(1 << 16);
  /** Next sequence number expected from each publisher; below it: seen (or skipped, then counted as reordered). */
  private readonly next: Uint32Array;
  /** Sequence numbers that arrived after a later one; a late arrival of one of them is no duplicate. */
  private readonly skipped = new Map<number, Set<number>>();
  private waiter: (() => void) | undefined;
  private target = Infinity;

  constructor(publishers: number) {
    this.next = new Uint32Array(publishers);
  }

  record(receivedAt: number, buf: Buffer, at: number): void {
    const pub = buf.readUInt32BE(at + 8);
    const seq = buf.readUInt32BE(at + 12);
    const expected = this.next[pub]!;
    if (seq < expected) {
      const gap = this.skipped.get(pub);
      if (!gap?.delete(seq)) {
        this.duplicates++;
        return;
      }
      this.reordered++;
    } else if (seq > expected) {
      // Everything between is either lost or late; remember it so a late copy is not called a duplicate.
      let gap = this.skipped.get(pub);
      if (!gap) this.skipped.set(pub, (gap = new Set()));
      for (let s = expected; s < seq && gap.size < 100_000; s++) gap.add(s);
      this.next[pub] = seq + 1;
    } else {
      this.next[pub] = seq + 1;
    }
    this.delivered++;
    if (receivedAt >= this.windowFrom && receivedAt < this.windowTo) {
      if (this.windowDeliveries === this.latencies.length) {
        const bigger = new Float64Array(this.latencies.length * 2);
        bigger.set(this.latencies);
        this.latencies = bigger;
      }
      this.latencies[this.windowDeliveries++] = receivedAt - buf.readDoubleBE(at);
    }
    if (this.delivered >= this.target) this.waiter?.();
  }

  /** Resolves once `count` distinct messages are in, or after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.delivered >= count) return Promise.resolve();
    this.target = count;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiter = done;
    });
  }

  percentiles(): { p50: number; p99: number } {
    const sorted = this.latencies.subarray(0, this.windowDeliveries).sort();
    const at = (p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
    return { p50: at(50), p99: at(99) };
  }
}

/** Opens `count` connections, `concurrency` at a time; rejects on the first failure. */
async function openMany(count: number, concurrency: number, open: (i: number) => Promise<LeanClient>, into: LeanClient[]): Promise<void> {
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < count) {
      const i = nextIndex++;
      into[i] = await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Runs one fleet case: connect, pace, measure the window, stop, wait for the rest, disconnect. */
export async function runFleetCase(spec: FleetSpec): Promise<FleetResult> {
  const { port, publishers, rate, qos, shape, tag, sourceAddresses } = spec;
  const concurrency = spec.concurrency ?? 100;
  const tally = new FleetTally(publishers);
  const topicOf = (i: number): string => `fleet/${tag}/${i}`;
  const source = (i: number): string => sourceAddresses[i % sourceAddresses.length]!;
  const common: OpenLeanOptions = { protocolVersion: 4, qos, timeoutMs: spec.timeoutMs };
  const onPublish: OpenLeanOptions['onPublish'] = (client, _qos, buf, at) => tally.record(client.chunkAt, buf, at);
  const subscribers: LeanClient[] = [];
  const pubs: LeanClient[] = [];
  let pacer: NodeJS.Timeout | undefined;
  try {
    const subscriberCount = shape === 'pairs' ? publishers : 1;
    await openMany(
      subscriberCount,
      concurrency,
      (i) => openLean(port, source(i), `${tag}-s${i}`, { ...common, filters: [shape === 'pairs' ? topicOf(i) : `fleet/${tag}/+`], onPublish }),
      subscribers,
    );
    await openMany(publishers, concurrency, (i) => openLean(port, source(i + 1), `${tag}-p${i}`, common), pubs);

    // One encoded PUBLISH per publisher; a message is a copy with its packet ID and stamp written in.
    const templates = pubs.map((_, i) => generate({ cmd: 'publish', topic: topicOf(i), payload: Buffer.alloc(FLEET_PAYLOAD_BYTES, 0x61), qos, messageId: qos > 0 ? 1 : undefined, retain: false, dup: false }));
    const nextId = new Uint16Array(publishers).fill(1);
    const seqs = new Uint32Array(publishers);
    let sent = 0;
    const send = (i: number): void => {
      const template = templates[i]!;
      const out = Buffer.allocUnsafe(template.length);
      template.copy(out);
      const payloadAt = template.length - FLEET_PAYLOAD_BYTES;
      if (qos > 0) {
        out.writeUInt16BE(nextId[i]!, payloadAt - 2);
        nextId[i] = nextId[i]! === 0xffff ? 1 : nextId[i]! + 1;
      }
      out.writeDoubleBE(performance.now(), payloadAt);
      out.writeUInt32BE(i, payloadAt + 8);
      out.writeUInt32BE(seqs[i]!++, payloadAt + 12);
      pubs[i]!.write(out); // one packet per write, as a device sends it
      sent++;
    };
    const offered = publishers * rate;
    const perMs = offered / 1000;
    const maxBacklog = offered * (spec.maxBacklogSeconds ?? 5);
    let stoppedEarly: string | undefined;
    // A pause that the pacer cuts short when the run stops early.
    let wake: (() => void) | undefined;
    const pause = (ms: number): Promise<void> =>
      stoppedEarly
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(done, ms);
            function done(): void {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            }
            wake = done;
          });
    const startedAt = performance.now();
    let ticks = 0;
    const tick = (): void => {
      const due = Math.floor((performance.now() - startedAt) * perMs);
      while (sent < due) send(sent % publishers);
      if (sent - tally.delivered > maxBacklog) stoppedEarly = `fell behind: ${(sent - tally.delivered).toLocaleString('en-US')} sent and not delivered`;
      // Every 100 ms: a closed connection (a broker that dropped clients or died) ends the run.
      else if (++ticks % 100 === 0 && [...pubs, ...subscribers].some((c) => c.closed)) stoppedEarly = 'connections closed';
      if (stoppedEarly) {
        pacer = undefined;
        wake?.();
        return;
      }
      pacer = setTimeout(tick, 1);
    };
    tick();

    await pause(spec.warmupMs);
    const schedBefore = spec.sched?.();
    const clientsBefore = process.cpuUsage();
    tally.windowFrom = performance.now();
    await pause(spec.measureMs);
    const schedAfter = spec.sched?.();
    const clientsUsed = process.cpuUsage(clientsBefore);
    tally.windowTo = performance.now();
    clearTimeout(pacer);
    pacer = undefined;

    await tally.waitFor(sent, stoppedEarly ? Math.min(spec.timeoutMs, spec.behindDrainMs ?? 10_000) : spec.timeoutMs);
    const windowMs = Math.max(1e-6, tally.windowTo - tally.windowFrom);
    const share = (ns: number): number => ns / 1e6 / windowMs;
    const ran = schedBefore && schedAfter ? { run: schedAfter.run - schedBefore.run, wait: schedAfter.wait - schedBefore.wait } : undefined;
    return {
      sent,
      delivered: tally.delivered,
      duplicates: tally.duplicates,
      reordered: tally.reordered,
      windowDeliveries: tally.windowDeliveries,
      windowSeconds: windowMs / 1000,
      ...tally.percentiles(),
      cpuPerDelivery: ran && tally.windowDeliveries > 0 ? ran.run / 1000 / tally.windowDeliveries : undefined,
      offered,
      stoppedEarly,
      brokerBusy: ran && share(ran.run),
      brokerWaited: ran && share(ran.wait),
      clientsBusy: share((clientsUsed.user + clientsUsed.system) * 1000),
    };
  } finally {
    clearTimeout(pacer);
    for (const client of [...subscribers, ...pubs]) client?.destroy();
  }
}
