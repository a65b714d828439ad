/**
 * `npm run bench`: figures measured on this machine, printed side by side: the sidecar
 * broker against Debian's mosquitto and aedes under a flood (broker-bench.ts) and under a
 * device fleet (fleet-bench.ts), then the app's ingest path (mosquitto → MQTT.js → batcher
 * → wire encoding) against a bare MQTT.js subscriber. BENCH_CASES (a regular expression on
 * the row labels, `ingest` for the last part) runs only some of it.
 *
 * `npm run bench:scale` (this file with --scale): 10,000 idle connections, a broadcast to
 * all, memory per connection and startup time, sidecar next to mosquitto (scale-bench.ts).
 */

import { spawn } from 'node:child_process';
import os from 'node:os';
import { connectAsync } from 'mqtt';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import type { MessageBatch } from '../../shared/contract';
import { encodeWire } from '../../shared/rpc';
import { startMosquitto } from '../helpers/mosquitto';
import { runBrokerBench } from './broker-bench';
import { caseSelected } from './brokers';
import { fleetConnections, runFleetBench } from './fleet-bench';
import { descriptorsNeeded, openFilesLimit, runScaleBench, SPARE_FDS } from './scale-bench';
import { testProfile } from '../helpers/profiles';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const PAYLOAD = Buffer.alloc(100, 0x61);

async function flood(port: number, topic: string): Promise<void> {
  const publisher = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-pub' });
  for (let i = 0; i < MESSAGES; i++) {
    publisher.publish(topic, PAYLOAD);
    // Yield now and then so the publisher's socket drains instead of buffering everything.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await publisher.endAsync();
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A bare MQTT.js subscriber: the ceiling for anything built on MQTT.js. */
async function bareClient(port: number): Promise<{ seconds: number; received: number }> {
  const sub = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-bare' });
  await sub.subscribeAsync('bench/bare', { qos: 0 });
  let received = 0;
  sub.on('message', () => received++);
  const start = process.hrtime.bigint();
  await flood(port, 'bench/bare');
  await until(() => received >= MESSAGES, 120_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await sub.endAsync();
  return { seconds, received };
}

/** The app's backend: ConnectionManager + batcher, every batch encoded for the WebSocket. */
async function appIngest(port: number): Promise<{ seconds: number; received: number; batches: number; wireBytes: number }> {
  const hub = new EventHub();
  let received = 0;
  let batches = 0;
  let wireBytes = 0;
  hub.subscribe((stream, data) => {
    if (stream !== 'messages.batch') return;
    const batch = data as MessageBatch;
    received += batch.messages.length + batch.dropped;
    batches++;
    wireBytes += encodeWire({ kind: 'event', stream, data: batch }).length;
  });
  const manager = new ConnectionManager(hub);
  const profile = testProfile(port, { id: 'bench', name: 'bench', clientId: 'bench-app' });
  await manager.connect(profile);
  await manager.subscribe('bench', 'bench/app', 0);
  const start = process.hrtime.bigint();
  await flood(port, 'bench/app');
  await until(() => received >= MESSAGES, 120_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await manager.closeAll();
  return { seconds, received, batches, wireBytes };
}

async function main(): Promise<void> {
  if (await raiseOpenFiles(fleetConnections() + SPARE_FDS)) return;
  for (const part of [runBrokerBench, runFleetBench]) {
    const text = await part();
    if (text !== '') console.log(`${text}\n`);
  }
  if (!caseSelected('ingest')) return;
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0']);
  try {
    console.log(`MQTT Desk bench — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
    console.log(`Ingest: ${MESSAGES} QoS 0 messages of ${PAYLOAD.length} B through Debian mosquitto on 127.0.0.1\n`);
    const bare = await bareClient(mosquitto.port);
    const app = await appIngest(mosquitto.port);
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    const rows = [
      ['path', 'received', 'msgs/s', 'batches', 'wire MB'],
      ['bare MQTT.js subscriber', String(bare.received), rate(bare.received, bare.seconds), '-', '-'],
      ['MQTT Desk backend (batched + encoded)', String(app.received), rate(app.received, app.seconds), String(app.batches), (app.wireBytes / 1e6).toFixed(1)],
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

(process.argv.includes('--scale') ? scaleMain() : main()).catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
