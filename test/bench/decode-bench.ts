/**
 * `npm run bench:decode`: the per-message cost of decoding in Node, the backend's share of
 * `BENCH_PAYLOAD=sparkplug npm run bench:ui`. Payloads are the UI bench's (Eclipse Tahu's
 * encoder, test/bench/fleet-publisher.ts): an NBIRTH per edge node naming five Double
 * metrics by alias, then NDATA of the five by alias with each node's seq in order.
 *
 * Rows: the Sparkplug payload decode alone (shared/sparkplug/codec.ts), and the whole
 * connection path (shared/payload-decoder.ts: topic parse, decode, aliases resolved to the
 * birth's names, seq checked). Each row runs BENCH_DECODE_RUNS times over
 * BENCH_DECODE_MESSAGES messages after a warm-up; the median and best run are printed in
 * µs per message. Settings: BENCH_DECODE_MESSAGES (200000), BENCH_DECODE_RUNS (5),
 * BENCH_TOPICS (100 edge nodes).
 */

import { performance } from 'node:perf_hooks';
import { PayloadDecoder } from '../../shared/payload-decoder';
import { decodeSparkplug } from '../../shared/sparkplug/codec';
import { PAYLOAD_KINDS } from './fleet-publisher';

const MESSAGES = Number(process.env.BENCH_DECODE_MESSAGES ?? 200_000);
const RUNS = Number(process.env.BENCH_DECODE_RUNS ?? 5);
const NODES = Number(process.env.BENCH_TOPICS ?? 100);

const kind = PAYLOAD_KINDS.sparkplug!;
const births = Array.from({ length: NODES }, (_, i) => kind.birth!(i));
const topics = Array.from({ length: NODES }, (_, i) => kind.topic!(i));
// NDATA as the publisher writes them: message n from node n % NODES with that node's seq; 256
// rounds of the nodes, so seq wraps 255 → 0 → 1 in order when the messages are used again.
const flood = Array.from({ length: NODES * 256 }, (_, n) => kind.payload(n, n % NODES, NODES, 0));

/** Runs `body` over MESSAGES messages; returns µs per message. */
function time(body: (n: number) => void): number {
  const start = performance.now();
  for (let n = 0; n < MESSAGES; n++) body(n);
  return ((performance.now() - start) * 1000) / MESSAGES;
}

function row(name: string, setup: () => (n: number) => void): void {
  time(setup()); // warm-up: the optimizing compiler, the decoder's generated code
  const results: number[] = [];
  for (let run = 0; run < RUNS; run++) results.push(time(setup()));
  results.sort((a, b) => a - b);
  const median = results[Math.floor(results.length / 2)]!;
  console.log(`${name.padEnd(58)} ${median.toFixed(2).padStart(7)} µs/msg median, ${results[0]!.toFixed(2)} best (${RUNS} runs × ${MESSAGES})`);
}

let sink = 0;
console.log(`Sparkplug B NDATA of the UI bench: ${flood[0]!.byteLength} B, 5 Double metrics by alias, ${NODES} edge nodes`);
row('decodeSparkplug (payload only)', () => (n) => {
  sink += decodeSparkplug(flood[n % flood.length]!).metrics.length;
});
row('PayloadDecoder.decode (topic, decode, aliases, seq)', () => {
  const decoder = new PayloadDecoder();
  births.forEach(([topic, payload]) => decoder.decode(topic, payload));
  // The flood is what a healthy fleet sends: names resolved, no seq gaps flagged.
  for (let n = 0; n < flood.length; n++) {
    const decoded = decoder.decode(topics[n % NODES]!, flood[n]!)!;
    if (decoded.warnings || decoded.sparkplug!.metrics[0]!.name !== 'Line/Sensor 1') throw new Error(`message ${n} decoded with ${decoded.warnings?.join('; ') ?? decoded.sparkplug!.metrics[0]!.name}`);
  }
  return (n) => {
    sink += decoder.decode(topics[n % NODES]!, flood[n % flood.length]!)!.sparkplug!.metrics.length;
  };
});
if (sink === 0) console.log('nothing decoded');
