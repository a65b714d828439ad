/**
 * `npm run bench`: throughput figures, measured on this machine, printed side by side:
 * the sidecar broker against Debian's mosquitto and aedes, then the app's ingest path
 * (mosquitto → MQTT.js → batcher → frames for the page) against a bare MQTT.js subscriber,
 * both fed by a publisher process (ingest-bench.ts; `npm run bench:ui` runs it per topic
 * count and payload size).
 *
 * `npm run bench:scale` (this file with --scale): 10,000 idle connections, a broadcast to
 * all, memory per connection and startup time, sidecar next to mosquitto (scale-bench.ts).
 */

import { spawn } from 'node:child_process';
import os from 'node:os';
import { startMosquitto } from '../helpers/mosquitto';
import { runBrokerBench } from './broker-bench';
import { publisherMain } from './fleet-publisher';
import { runIngestBench } from './ingest-bench';
import { descriptorsNeeded, openFilesLimit, runScaleBench } from './scale-bench';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const PAYLOAD_BYTES = 100;

async function main(): Promise<void> {
  console.log(await runBrokerBench());
  console.log('');
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0']);
  try {
    console.log(`MQTT Desk bench — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(`Ingest: ${MESSAGES} QoS 0 messages of ${PAYLOAD_BYTES} B on one topic through Debian mosquitto on 127.0.0.1, from a publisher process, median of 3 interleaved rounds\n`);
    const { bare, backend } = await runIngestBench({ port: mosquitto.port, topics: 1, payloadKind: 'json', payloadBytes: PAYLOAD_BYTES, messages: MESSAGES, rounds: 3 });
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

/**
 * The scale bench holds BENCH_CONNECTIONS sockets in this process. When the soft
 * open-files limit is too low, run again under `ulimit -n <hard limit>` (once).
 */
async function scaleMain(): Promise<void> {
  const needed = descriptorsNeeded();
  const { soft, hard } = openFilesLimit();
  if (soft < needed) {
    if (hard < needed || process.env.BENCH_SCALE_REEXEC) {
      throw new Error(`BENCH_CONNECTIONS needs ${needed} open files in the bench process; the limit is ${soft} (hard ${hard}). Raise it (ulimit -n) or lower BENCH_CONNECTIONS.`);
    }
    const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_SCALE_REEXEC: '1' },
    });
    const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
    process.exit(code);
  }
  console.log(await runScaleBench());
}

if (!publisherMain()) {
  (process.argv.includes('--scale') ? scaleMain() : main()).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
