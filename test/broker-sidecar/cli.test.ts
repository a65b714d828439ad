import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../helpers/broker-harness';
import { bundleBrokerCli, runBrokerCli } from '../helpers/broker-cli';

// The CLI as users run it: bundled, in its own process, stopped by signals.

let dir: string;
let entry: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-broker-cli-'));
  entry = await bundleBrokerCli(dir);
}, 30_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runBrokerCli(entry, args);

/** Starts the CLI and resolves with the port it prints. */
async function start(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const port = await withTimeout(
    (async () => {
      for (;;) {
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
        if (match) return Number(match[1]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })(),
    5000,
    'the CLI to print its port',
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, port, output: () => output, exited };
}

/** Publishes 'hi' to 'cli/t' at QoS 1 with Debian's mosquitto_pub as `clientId`. */
function mosquittoPub(port: number, clientId: string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    execFile('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-i', clientId, '-t', 'cli/t', '-m', 'hi', '-q', '1'], { timeout: 5000 }, (e) => (e ? reject(e) : resolve())),
  );
}

describe('mqtt-desk-broker CLI', () => {
  it('prints usage for -h and exits 0', async () => {
    const { code, stdout } = await run(['-h']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: mqtt-desk-broker/);
    expect(stdout).toContain('-p, --port PORT');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const { code, stderr } = await run(['--frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown option: --frobnicate');
  });

  it('serves on the port it prints, logs packets with -v and stops cleanly on SIGTERM', async () => {
    const cli = await start(['-p', '0', '-v']);
    try {
      await mosquittoPub(cli.port, 'cli-peer');
      await withTimeout(
        (async () => {
          while (!cli.output().includes('Client cli-peer disconnected')) await new Promise((r) => setTimeout(r, 20));
        })(),
        3000,
        'the disconnect log line',
      );
      const log = cli.output();
      expect(log).toMatch(/^\d+: NOTICE \[cli-peer\] New client connected from 127\.0\.0\.1:\d+ as cli-peer \(p2, c1, k60\)\.$/m);
      expect(log).toMatch(/^\d+: DEBUG \[cli-peer\] Received PUBLISH from cli-peer \(d0, q1, r0, m1, 'cli\/t', \.\.\. \(2 bytes\)\)$/m);
      expect(log).toMatch(/Sending PUBACK to cli-peer \(Mid: 1\)/);
      process.kill(cli.child.pid!, 'SIGTERM');
      expect(await withTimeout(cli.exited, 3000, 'the CLI to exit')).toBe(0);
      expect(cli.output()).toMatch(/SIGTERM received, stopping\./);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('stops on SIGINT too, and logs only notices without -v', async () => {
    const cli = await start(['--port', '0']);
    try {
      // A publish and a clean disconnect: with -v these log DEBUG and INFO lines.
      await mosquittoPub(cli.port, 'cli-quiet');
      // The marker: a later client's NOTICE comes after every line the first one caused.
      await mosquittoPub(cli.port, 'cli-marker');
      await withTimeout(
        (async () => {
          while (!/New client connected from .* as cli-marker/.test(cli.output())) await new Promise((r) => setTimeout(r, 20));
        })(),
        3000,
        "the marker client's NOTICE",
      );
      process.kill(cli.child.pid!, 'SIGINT');
      expect(await withTimeout(cli.exited, 3000, 'the CLI to exit')).toBe(0);
      expect(cli.output()).toMatch(/^\d+: NOTICE \[cli-quiet\] New client connected from 127\.0\.0\.1:\d+ as cli-quiet /m);
      expect(cli.output()).not.toMatch(/DEBUG|INFO/);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
