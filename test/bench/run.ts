/**
 * `npm run bench`: figures measured on this machine, printed side by side: the sidecar
 * broker against Debian's mosquitto and aedes under a flood (broker-bench.ts) and under a
 * device fleet (fleet-bench.ts), then the app's ingest path (mosquitto → MQTT.js → batcher →
 * frames for the page) against a bare MQTT.js subscriber, both fed by a publisher process
 * (ingest-bench.ts; `npm run bench:ui` runs it per topic count and payload size).
 * BENCH_CASES (a regular expression on the row labels, `ingest` for the last part) runs
 * only some of it.
 *
 * `npm run bench:scale` (this file with --scale): 10,000 idle connections, a broadcast to
 * all, memory per connection and startup time, sidecar next to mosquitto (scale-bench.ts).
 */

import { spawn } from 'node:child_process';
import os from 'node:os';
import { startMosquitto } from '../helpers/mosquitto';
import { runBrokerBench } from './broker-bench';
import { caseSelected } from './brokers';
import { fleetConnections, runFleetBench } from './fleet-bench';
import { publisherMain } from './fleet-publisher';
import { runIngestBench } from './ingest-bench';
import { descriptorsNeeded, openFilesLimit, runScaleBench, SPARE_FDS } from './scale-bench';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const PAYLOAD_BYTES = 100;

async function main(): Promise<void> {
  if (await raiseOpenFiles(fleetConnections() + SPARE_FDS)) return;
  for (const part of [runBrokerBench, runFleetBench]) {
    const text = await part();
    if (text !== '') console.log(`${text}\n`);
  }
  if (!caseSelected('ingest')) return;
  // Not verbose: -v logs a line per packet, mosquitto's main cost at these rates (#15).
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0'], { verbose: false });
  try {
    console.log(`MQTT Desk bench — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(`Ingest: ${MESSAGES} QoS 0 messages of ${PAYLOAD_BYTES} B on one topic through Debian mosquitto on 127.0.0.1, from a publisher process, median of 3 interleaved rounds\n`);
    const { bare, backend } = await runIngestBench({ port: mosquitto.port, brokerPid: mosquitto.pid, topics: 1, payloadKind: 'json', payloadBytes: PAYLOAD_BYTES, messages: MESSAGES, rounds: 3 });
    const rate = (n: number) => Math.round(n).toLocaleString('en-US');
    const rows = [
      ['path', 'msgs/s', 'CPU µs/msg', 'batches', 'wire B/msg'],
      ['bare MQTT.js subscriber', rate(bare.rate), bare.cpuMicros.toFixed(1), '-', '-'],
      ['MQTT Desk backend (batched + framed for the page)', rate(backend.rate), backend.cpuMicros.toFixed(1), String(backend.batches), backend.wireBytesPerMessage.toFixed(0)],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  } finally {
    await mosquitto.stop();
  }
}

async function scaleMain(): Promise<void> {
  if (await raiseOpenFiles(descriptorsNeeded())) return;
  console.log(await runScaleBench());
}

/**
 * The scale and fleet benches hold thousands of sockets in this process (and the brokers
 * it starts inherit its limit). When the soft open-files limit is too low, runs this bench
 * again under `ulimit -n <hard limit>` (once) and returns true when that run is over.
 */
async function raiseOpenFiles(needed: number): Promise<boolean> {
  const { soft, hard } = openFilesLimit();
  if (soft >= needed) return false;
  if (hard < needed || process.env.BENCH_SCALE_REEXEC) {
    throw new Error(`This bench needs ${needed} open files in the bench process; the limit is ${soft} (hard ${hard}). Raise it (ulimit -n), or lower BENCH_CONNECTIONS or narrow BENCH_CASES.`);
  }
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_SCALE_REEXEC: '1' },
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  process.exitCode = code;
  return true;
}

if (!publisherMain()) {
  (process.argv.includes('--scale') ? scaleMain() : main()).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
