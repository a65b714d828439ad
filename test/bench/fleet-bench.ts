/**
 * Fleet rows of `npm run bench`: the sidecar, mosquitto and aedes under a device fleet —
 * hundreds or thousands of connections, each sending one packet now and then (fleet-clients.ts)
 * — where the flood rows (broker-bench.ts) have one publisher pipelining.
 *
 * Rows (MQTT 3.1.1, 64-byte payloads, lean raw clients in the bench process):
 *  - 500 publishers × 100 msg/s, each to its own subscriber, QoS 0 and QoS 1;
 *  - 500 publishers × 100 msg/s, all to one subscriber (of `fleet/…/+`), QoS 1;
 *  - 5,000 connections × 10 msg/s: 2,500 publishers, each to its own subscriber, QoS 1.
 * Per row and broker: the broker's CPU per delivery over the measured window (/proc
 * schedstat, all its threads), and p50/p99 send → receive latency. Every broker runs for
 * the whole bench; BENCH_FLEET_RUNS rounds (default 3) run every row on every broker in
 * turn, and each cell is the round with the median CPU per delivery. BENCH_FLEET_SECONDS
 * (default 10) is the measured window, after BENCH_FLEET_WARMUP_SECONDS (default 3) of the
 * same load. BENCH_CASES=fleet runs only these rows; BENCH_BROKERS narrows the brokers.
 *
 * Fairness: brokers run pinned to one CPU and the clients to the other(s) (brokers.ts
 * pinning), and a second table gives, per cell, the broker's share of a core running and
 * waiting runnable for a CPU, and the bench process's share: a broker that lags while it
 * waits for a CPU lags because of other work on the machine, and latencies measured by a
 * client process at a full core are the clients' own. A broker that cannot keep up is said
 * so ("fell behind: …"), and the run stops sending once 5 s of the offered load is in
 * flight, so its backlog cannot grow until it dies; a broker whose process dies anyway is
 * reported with its exit code or signal and what it said, and restarted for the next cell.
 */

import os from 'node:os';
import { brokerStarters, caseSelected, pinBenchProcess, schedNs, startBrokers, table, type BrokerUnderTest } from './brokers';
import { FLEET_PAYLOAD_BYTES, runFleetCase, type FleetResult, type FleetSpec } from './fleet-clients';
import { loopbackSources } from './scale-clients';

const RUNS = Math.max(1, Number(process.env.BENCH_FLEET_RUNS ?? 3));
const MEASURE_MS = Number(process.env.BENCH_FLEET_SECONDS ?? 10) * 1000;
const WARMUP_MS = Number(process.env.BENCH_FLEET_WARMUP_SECONDS ?? 3) * 1000;
/** Hang guard for connecting and for the last messages of a row. */
const TIMEOUT_MS = 60_000;

/** One fleet row. */
export interface FleetCase {
  label: string;
  publishers: number;
  rate: number;
  qos: 0 | 1;
  shape: FleetSpec['shape'];
}

/** The fleet rows, as the issue that asked for them (#16) lists them. */
export const FLEET_CASES: FleetCase[] = [
  { label: 'fleet 500 pub × 100/s, each to own sub, QoS 0', publishers: 500, rate: 100, qos: 0, shape: 'pairs' },
  { label: 'fleet 500 pub × 100/s, each to own sub, QoS 1', publishers: 500, rate: 100, qos: 1, shape: 'pairs' },
  { label: 'fleet 500 pub × 100/s → 1 sub, QoS 1', publishers: 500, rate: 100, qos: 1, shape: 'fan-in' },
  { label: 'fleet 5,000 conns × 10/s (2,500 pub, each to own sub), QoS 1', publishers: 2500, rate: 10, qos: 1, shape: 'pairs' },
];

/** Connections the selected rows open at most at once, for the open-files check. */
export function fleetConnections(): number {
  const sizes = FLEET_CASES.filter((c) => caseSelected(c.label)).map((c) => c.publishers + (c.shape === 'pairs' ? c.publishers : 1));
  return Math.max(0, ...sizes);
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const percent = (share: number | undefined): string => (share === undefined ? 'n/a' : `${Math.round(share * 100)} %`);

function cell(result: FleetResult | string): string {
  if (typeof result === 'string') return result;
  const faults = [
    result.delivered < result.sent ? `${result.sent - result.delivered} lost` : '',
    result.duplicates > 0 ? `${result.duplicates} duplicates` : '',
    result.reordered > 0 ? `${result.reordered} out of order` : '',
  ].filter(Boolean);
  // A broker that could not keep up: what it delivered of what was sent says more than figures of a backlog.
  const windowRate = result.windowDeliveries / result.windowSeconds;
  // Below 90 % of the offered rate in the window, a broker did not keep up even when it caught up later.
  const behind = result.stoppedEarly
    ? `${result.stoppedEarly}; delivered ${count(result.delivered)} of ${count(result.sent)}; `
    : windowRate < 0.9 * result.offered
      ? `fell behind: delivered ${count(windowRate)}/s of ${count(result.offered)}/s offered; `
      : '';
  if (result.windowDeliveries === 0) return `${behind || `${faults.join(', ')}; `}no delivery in the ${result.windowSeconds.toFixed(1)} s window`;
  const cpu = result.cpuPerDelivery === undefined ? 'n/a' : `${result.cpuPerDelivery.toFixed(1)} µs`;
  const rate = count(windowRate);
  // The latency and the rate are the clients' as much as the broker's when the bench process had no CPU to spare.
  const clients = result.clientsBusy >= 0.9 ? ', clients at a full core' : '';
  const faultText = !result.stoppedEarly && faults.length > 0 ? `, ${faults.join(', ')}` : '';
  return `${behind}${cpu} ${result.p50.toFixed(1)}/${result.p99.toFixed(1)} ms ${rate}/s${faultText}${clients}`;
}

/** The window's CPU shares: broker running, broker waiting for a CPU, the bench's clients running. */
function loadCell(result: FleetResult | string): string {
  if (typeof result === 'string') return '-';
  return `${percent(result.brokerBusy)} / ${percent(result.brokerWaited)} / ${percent(result.clientsBusy)}`;
}

/** The round with the median CPU per delivery; a failure if any round failed. */
function median(rounds: Array<FleetResult | string>): FleetResult | string {
  const failed = rounds.find((r): r is string => typeof r === 'string');
  if (failed !== undefined) return failed;
  const sorted = [...(rounds as FleetResult[])].sort((a, b) => (a.cpuPerDelivery ?? 0) - (b.cpuPerDelivery ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function measure(broker: BrokerUnderTest, c: FleetCase, tag: string): Promise<FleetResult | string> {
  try {
    const pid = broker.pid;
    if (broker.death) return `n/a: ${broker.death}`;
    return await runFleetCase({
      port: broker.port,
      publishers: c.publishers,
      rate: c.rate,
      qos: c.qos,
      shape: c.shape,
      tag,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      timeoutMs: TIMEOUT_MS,
      sourceAddresses: loopbackSources(8),
      sched: pid === undefined ? undefined : () => schedNs(pid),
    }).then((result) => (broker.death ? `${broker.death}; delivered ${count(result.delivered)} of ${count(result.sent)}` : result));
  } catch (error) {
    // Give the exit event a moment: a refused connection is most often a process that has just died.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return `n/a: ${broker.death ?? (error as Error).message.slice(0, 60)}`;
  }
}

/** Runs the selected fleet rows on every broker and returns the side-by-side table; '' when none is selected. */
export async function runFleetBench(): Promise<string> {
  const cases = FLEET_CASES.filter((c) => caseSelected(c.label));
  if (cases.length === 0) return '';
  const starters = brokerStarters();
  const notes: string[] = [pinBenchProcess()];
  const startedAt = Date.now();
  const running: BrokerUnderTest[] = [];
  const rounds = new Map<string, Array<Array<FleetResult | string>>>(starters.map(([name]) => [name, cases.map(() => [])]));
  try {
    await startBrokers(starters, running, notes);
    // Interleaved, as the flood rows: a slow minute on a shared machine hits every broker, not one.
    for (let round = 0; round < RUNS; round++) {
      for (const [i, c] of cases.entries()) {
        for (const [name, start] of starters) {
          const broker = running.find((b) => b.name === name);
          rounds.get(name)![i]!.push(broker ? await measure(broker, c, `${name}-${round}-${i}`) : 'n/a');
          // A broker that died gets a fresh process for the next cell, so one row's death is that row's only.
          if (broker?.death) {
            notes.push(`${name}: ${broker.death} in "${c.label}", round ${round + 1}; restarted`);
            running.splice(running.indexOf(broker), 1);
            await startBrokers([[name, start]], running, []).catch(() => undefined);
          }
        }
      }
    }
  } finally {
    await Promise.all(running.map((b) => b.stop()));
  }
  const names = starters.map(([name]) => name);
  const medians = cases.map((_, i) => names.map((n) => median(rounds.get(n)![i]!)));
  const rows = cases.map((c, i) => [c.label, ...medians[i]!.map(cell)]);
  const loadRows = cases.map((c, i) => [c.label, ...medians[i]!.map(loadCell)]);
  return [
    `Fleet bench: MQTT 3.1.1, ${FLEET_PAYLOAD_BYTES} B payloads, one PUBLISH per write, paced; lean raw clients in the bench process; ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; median of ${RUNS} interleaved rounds`,
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; cells: broker CPU per delivery (/proc schedstat, all threads), p50/p99 send → receive, deliveries/s in the window`,
    ...notes.map((n) => `  ${n}`),
    '',
    ...table(['case', ...names], rows),
    '',
    'CPU in the same window, shares of one core: broker running (all threads) / broker ready but waiting for a CPU (its main thread; other work on the machine) / the bench process (all the clients) running',
    ...table(['case', ...names], loadRows),
    '',
    `total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  ].join('\n');
}
