/**
 * Broker benchmark: the sidecar broker, Debian's mosquitto and aedes side by side.
 *
 * Every broker runs in its own child process on a free 127.0.0.1 port, all three for the
 * whole bench, measured in turn: ours as the built CLI (dist/broker-sidecar/main.js, which `npm run bench` builds;
 * in-process as a fallback when it is missing, and the table says so), mosquitto from
 * Debian without -v, aedes 1.x over plain TCP (`net.createServer(broker.handle)`). The
 * clients all run in this process, so each broker gets the same client load: lean raw
 * clients (lean-client.ts) unless BENCH_CLIENTS=mqttjs. Driven by MQTT.js, the client
 * process was the limit: the sidecar sat idle half of a profiled run, and the three brokers
 * came out within a few percent of each other in most rows.
 *
 * Per broker, protocol (3.1.1, 5.0), QoS (0, 1, 2) and fan-out (1→1, 1→10): one
 * publisher sends BENCH_BROKER_MESSAGES (default 50,000) 64-byte messages, each stamped
 * with its send time, keeping at most WINDOW unacknowledged (QoS 1/2) or sending WINDOW at
 * a time (QoS 0); see broker-bench-cases.ts. Throughput is deliveries per second from first
 * send to last receipt; latency is send→receive per delivery, so under this saturating load
 * it includes queueing. Each broker's CPU per delivery comes from /proc schedstat. After an
 * untimed warm-up of every case, BENCH_BROKER_RUNS rounds (default 3) run every case on
 * every broker in turn; each cell is the round with the median throughput.
 */

import os from 'node:os';
import { PAYLOAD_BYTES, runLeanCase, runMqttjsCase, WINDOW, type CaseResult, type CaseSpec, type Qos, type Version } from './broker-bench-cases';
import { brokerStarters, caseSelected, cpuNs, pinBenchProcess, startBrokers, table, type BrokerUnderTest } from './brokers';

const MESSAGES = Number(process.env.BENCH_BROKER_MESSAGES ?? 50_000);
/** Rounds of every case; the table shows each cell's median round. */
const RUNS = Math.max(1, Number(process.env.BENCH_BROKER_RUNS ?? 3));
/** A case gives up after this long without finishing (lost QoS 0 messages, a stuck broker). */
const CASE_TIMEOUT_MS = Number(process.env.BENCH_BROKER_CASE_TIMEOUT_MS ?? 30_000);
/** BENCH_CLIENTS=mqttjs drives the brokers with MQTT.js instead of the lean raw clients. */
const DRIVER = process.env.BENCH_CLIENTS === 'mqttjs' ? 'MQTT.js' : 'lean raw';
const runCase = (spec: Omit<CaseSpec, 'timeoutMs'>): Promise<CaseResult> => (DRIVER === 'MQTT.js' ? runMqttjsCase : runLeanCase)({ ...spec, timeoutMs: CASE_TIMEOUT_MS });

const CASES: Array<{ version: Version; qos: Qos; fanout: number }> = [];
for (const version of [4, 5] as const) for (const fanout of [1, 10]) for (const qos of [0, 1, 2] as const) CASES.push({ version, qos, fanout });

function caseLabel(c: { version: Version; qos: Qos; fanout: number }): string {
  return `${c.version === 5 ? 'v5.0 ' : 'v3.1.1'} QoS ${c.qos} 1→${c.fanout}`;
}

function cpuCell(result: CaseResult | string): string {
  if (typeof result === 'string' || result.cpuPerDelivery === undefined) return 'n/a';
  return `${result.cpuPerDelivery.toFixed(2)} µs`;
}

function cell(result: CaseResult | string): string {
  if (typeof result === 'string') return result;
  const rate = `${Math.round(result.rate).toLocaleString('en-US')}/s`;
  const lost = result.delivered < result.expected ? ` (${result.expected - result.delivered} lost)` : '';
  const duplicates = result.duplicates > 0 ? ` (${result.duplicates} duplicates)` : '';
  return `${rate} ${result.p50.toFixed(1)}/${result.p99.toFixed(1)} ms${lost}${duplicates}`;
}

/** One timed case on one broker, with the CPU the broker spent on it. */
async function measure(broker: BrokerUnderTest, c: { version: Version; qos: Qos; fanout: number }, tag: string): Promise<CaseResult | string> {
  try {
    const before = broker.pid === undefined ? undefined : cpuNs(broker.pid);
    const result = await runCase({ port: broker.port, ...c, tag, messages: MESSAGES });
    const after = broker.pid === undefined ? undefined : cpuNs(broker.pid);
    if (before !== undefined && after !== undefined && result.delivered > 0) result.cpuPerDelivery = (after - before) / 1000 / result.delivered;
    return result;
  } catch (error) {
    const message = (error as Error).message;
    // MQTT.js says "Unacceptable protocol version"; the lean clients give the CONNACK return code 1.
    return /Unacceptable protocol|^CONNACK 1$/i.test(message) ? 'n/a (refuses this protocol version)' : `n/a (${message.slice(0, 40)})`;
  }
}

/** The round with the median throughput (its latencies and CPU with it); a failure if any round failed. */
function median(rounds: Array<CaseResult | string>): CaseResult | string {
  const failed = rounds.find((r): r is string => typeof r === 'string');
  if (failed !== undefined) return failed;
  const sorted = [...(rounds as CaseResult[])].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Runs every case on every broker, BENCH_BROKER_RUNS rounds, and returns the side-by-side table of medians. */
export async function runBrokerBench(): Promise<string> {
  const starters = brokerStarters();
  const cases = CASES.filter((c) => caseSelected(caseLabel(c)));
  if (cases.length === 0) return '';
  const results = new Map<string, Array<CaseResult | string>>();
  const notes: string[] = [pinBenchProcess()];
  const startedAt = Date.now();
  const running: BrokerUnderTest[] = [];
  try {
    // Every broker runs for the whole bench (an idle one costs nothing), so the rounds can
    // interleave them: a slow minute on this machine then hits all three, not one.
    await startBrokers(starters, running, notes, async (broker) => {
      // Untimed first, each kind of case with a fifth of the messages, so no process is
      // measured while its JIT still compiles the paths a case takes.
      for (const [i, c] of cases.entries()) await runCase({ port: broker.port, ...c, tag: `${broker.name}-warmup-${i}`, messages: Math.ceil(MESSAGES / 5) }).catch(() => undefined);
    });
    const rounds = new Map<string, Array<Array<CaseResult | string>>>(starters.map(([name]) => [name, cases.map(() => [])]));
    for (let round = 0; round < RUNS; round++) {
      for (const [i, c] of cases.entries()) {
        for (const [name] of starters) {
          const broker = running.find((b) => b.name === name);
          rounds.get(name)![i]!.push(broker ? await measure(broker, c, `${name}-${round}-${i}`) : 'n/a');
        }
      }
    }
    for (const [name] of starters) results.set(name, rounds.get(name)!.map(median));
  } finally {
    await Promise.all(running.map((b) => b.stop()));
  }
  const names = starters.map(([name]) => name);
  const header = ['case', ...names];
  const rows = cases.map((c, i) => [caseLabel(c), ...names.map((n) => cell(results.get(n)![i]!))]);
  const cpuRows = cases.map((c, i) => [caseLabel(c), ...names.map((n) => cpuCell(results.get(n)![i]!))]);
  return [
    `Broker bench: ${MESSAGES} × ${PAYLOAD_BYTES} B messages per case, window ${WINDOW}, ${DRIVER} clients in the bench process; median of ${RUNS} interleaved rounds`,
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; cells: deliveries/s p50/p99 latency`,
    ...notes.map((n) => `  ${n}`),
    '',
    ...table(header, rows),
    '',
    'Broker CPU per delivered message (all its threads, /proc schedstat; includes connection setup of the case):',
    ...table(header, cpuRows),
    '',
    `total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  ].join('\n');
}
