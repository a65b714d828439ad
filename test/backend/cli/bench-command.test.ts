/**
 * `mqtt-desk bench` as a user runs it (the bundled CLI in its own process) against Debian's
 * mosquitto: conn's JSON counts every connection, pub's messages are counted by an outside
 * MQTT.js subscriber on the expanded topics, sub measures latency from pub's payloads, and a
 * bad flag or a refused connection ends with the documented exit codes.
 */

import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../../backend/cli/bench-stats';
import { runTool, startTool } from '../../helpers/desk-cli';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { until } from '../../helpers/wait';

let mosquitto: Mosquitto;
let watcher: MqttClient;
/** Messages the outside subscriber got, by topic. */
const seen = new Map<string, number>();
let markers = 0;

beforeAll(async () => {
  mosquitto = await startMosquitto();
  watcher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { reconnectPeriod: 0 });
  watcher.on('message', (topic) => {
    if (topic === 'control/marker') markers++;
    else seen.set(topic, (seen.get(topic) ?? 0) + 1);
  });
  await watcher.subscribeAsync(['bench/pub/#', 'control/marker'], { qos: 1 });
}, 30_000);

afterAll(async () => {
  await watcher?.endAsync();
  await mosquitto?.stop();
});

const broker = () => ['-h', '127.0.0.1', '-p', String(mosquitto.port)];

function report(stdout: Buffer): BenchReport {
  return JSON.parse(stdout.toString()) as BenchReport;
}

describe('mqtt-desk bench', () => {
  it('conn: every one of 20 connections connects, and the JSON says so', async () => {
    const run = await runTool('mqtt-desk', ['bench', 'conn', '-c', '20', '-i', '5', '--json', ...broker()], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r).toMatchObject({ mode: 'conn', clients: 20, connected: 20, failed: 0, lost: 0, firstErrors: [] });
    expect(r.connectMs?.count).toBe(20);
  });

  it('pub: 5 clients × 40 messages arrive, exactly 200, on the %i/%c topics', async () => {
    const run = await runTool('mqtt-desk', ['bench', 'pub', '-c', '5', '-L', '40', '-I', '10', '-q', '1', '-s', '64', '-t', 'bench/pub/%i/%c', '--id-prefix', 'bp-', '--json', ...broker()], {
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(0);
    expect(report(run.stdout)).toMatchObject({ mode: 'pub', connected: 5, messages: 200, errors: 0 });
    const total = () => [...seen.values()].reduce((a, b) => a + b, 0);
    await until(() => total() >= 200, 10_000, '200 messages at the outside subscriber');
    // Nothing more is on its way: a marker published after them arrives after them.
    const before = markers;
    await watcher.publishAsync('control/marker', 'after', { qos: 1 });
    await until(() => markers > before, 10_000, 'the marker');
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`bench/pub/${i}/bp-${i}`, 40])));
  });

  // -d 300 is only an upper bound: the -L limit ends the run (the tool's hang guard is 30 s).
  it('sub: counts what a bench pub sent and reports its latency', async () => {
    const sub = await startTool('mqtt-desk', ['bench', 'sub', '-c', '2', '-L', '150', '-d', '300', '-q', '1', '-t', 'bench/latency/+', '--json', ...broker()], { timeoutMs: 30_000 });
    await until(() => sub.stderr().includes('subscribed: 2 clients to bench/latency/+'), 10_000, 'bench sub subscribed');
    const pub = await runTool('mqtt-desk', ['bench', 'pub', '-c', '3', '-L', '50', '-I', '5', '-q', '1', '-t', 'bench/latency/%i', '--quiet', ...broker()], { timeoutMs: 30_000 });
    expect(pub.code).toBe(0);
    const run = await sub.done;
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r).toMatchObject({ mode: 'sub', connected: 2, messages: 300, errors: 0 });
    const latency = r.latencyMs!;
    expect(latency.count).toBe(300);
    for (const value of [latency.p50, latency.p95, latency.p99, latency.max]) expect(value).toBeGreaterThanOrEqual(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p95);
    expect(latency.p95).toBeLessThanOrEqual(latency.p99);
    expect(latency.p99).toBeLessThanOrEqual(latency.max);
  });

  it.each([
    [['bench', 'pub', '-c', 'many', '-t', 'a'], /^Error: -c \(connection count\) must be a whole number/],
    [['bench', 'pub', '-c', '2'], /^Error: bench pub needs a topic \(-t\)\./],
    [['bench', 'sub', '-t', 'a/#/b'], /^Error: -t: invalid subscription filter 'a\/#\/b'\./],
    [['bench', 'pub', '-t', 'a', '-m', 'hi'], /^Error: -m is a flag of pub, not of bench\./],
    [['bench', 'flood'], /^Error: Unknown bench 'flood'/],
  ])('%j is a usage error naming the flag', async (argv, stderr) => {
    const run = await runTool('mqtt-desk', [...argv, ...broker()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(stderr);
    expect(run.stdout.toString()).toBe('');
  });

  it('a refused connection fails the run with exit code 2 and says why', async () => {
    const closedPort = await freePort();
    const run = await runTool('mqtt-desk', ['bench', 'conn', '-c', '3', '--json', '-h', '127.0.0.1', '-p', String(closedPort)], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(report(run.stdout)).toMatchObject({ connected: 0, failed: 3, firstErrors: ['Connection refused'] });
  });
});
