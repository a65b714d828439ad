/**
 * Starts Debian's mosquitto on a free loopback port for one test file and stops it by PID.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running mosquitto. */
export interface Mosquitto {
  port: number;
  pid: number;
  /** Everything mosquitto logged so far (with -v, unless started with `verbose: false`). */
  log(): string;
  stop(): Promise<void>;
  /** Stops and starts again on the same port with the same configuration. */
  restart(): Promise<void>;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /**
   * Run with -v (the default): a log line per packet, which tests read ({@link waitForLog}).
   * Benches turn it off: at 20,000 msgs/s, -v is two lines per message written to a pipe one
   * write(2) each, which cost mosquitto about two thirds of its CPU and the process reading
   * the pipe a fifth of a core (the UI bench's flood, #15).
   */
  verbose?: boolean;
}

/** Starts mosquitto with anonymous access on 127.0.0.1 only; `extraConfig` lines are appended. */
export async function startMosquitto(extraConfig: string[] = [], { verbose = true }: MosquittoOptions = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...extraConfig, ''].join('\n'));
  const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? 'mosquitto';
  let output = '';
  let child: ChildProcess;
  let exited: Promise<void>;

  const launch = async () => {
    child = spawn(binary, ['-c', conf, ...(verbose ? ['-v'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const current = child;
    exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    try {
      await Promise.race([
        waitForPort(port),
        exited.then(() => {
          throw new Error(`mosquitto exited at start:\n${output}`);
        }),
      ]);
    } catch (error) {
      current.kill('SIGKILL');
      throw error;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  await launch();
  return {
    port,
    get pid() {
      return child.pid!;
    },
    log: () => output,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

/** Resolves once mosquitto's log (it runs with -v) contains `text`; rejects after `timeoutMs`. */
export async function waitForLog(broker: Mosquitto, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!broker.log().includes(text)) {
    if (Date.now() > deadline) throw new Error(`mosquitto never logged "${text}":\n${broker.log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
