/**
 * The bench's broker processes (test/bench/brokers.ts): a sidecar started with
 * BENCH_BROKER_NODE_ARGS='--cpu-prof …' must leave its CPU profile when the bench stops it,
 * even when the bench runs as root and the broker drops to user mosquitto before Node writes
 * the profile (it got none before: README, Benchmarks → Device fleet).
 */

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { brokerStarters } from '../bench/brokers';
import { requireBuiltCli } from '../helpers/persistence';

const saved = { args: process.env.BENCH_BROKER_NODE_ARGS, brokers: process.env.BENCH_BROKERS, cli: process.env.BENCH_BROKER_CLI };
const dirs: string[] = [];

afterEach(() => {
  for (const [key, value] of [
    ['BENCH_BROKER_NODE_ARGS', saved.args],
    ['BENCH_BROKERS', saved.brokers],
    ['BENCH_BROKER_CLI', saved.cli],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('a --cpu-prof broker writes its profile into a directory made beforehand by the user running the bench', async () => {
  requireBuiltCli();
  // mkdtemp makes it 0700, owned by this user (root here): the case that got no profile.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bench-prof-test-'));
  dirs.push(dir);
  process.env.BENCH_BROKER_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;
  process.env.BENCH_BROKERS = 'mqtt-desk';
  delete process.env.BENCH_BROKER_CLI;
  const starters = brokerStarters();
  expect(starters.map(([name]) => name)).toEqual(['mqtt-desk']);
  const broker = await starters[0]![1]();
  expect(broker.pid).toBeDefined(); // the built CLI as a child process, not the in-process fallback
  expect(broker.note).toContain(dir);
  await broker.stop();
  expect(broker.death).toBeUndefined();
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  expect(profiles).toHaveLength(1);
  expect(statSync(path.join(dir, profiles[0]!)).size).toBeGreaterThan(0);
}, 60_000);
