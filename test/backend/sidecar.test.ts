/**
 * The local broker as the app runs it: a separate process started from the built sidecar,
 * its port learned over IPC (another one when the asked port is taken), its log streamed,
 * a crash reported, a restart, and "Connect to local broker" in one call.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../backend/backend';
import { SidecarSupervisor } from '../../backend/sidecar-supervisor';
import type { BrokerLogLine, SidecarState } from '../../shared/broker-control';
import { freePort } from '../helpers/mosquitto';
import { until } from '../helpers/wait';
import { callerFor } from '../helpers/backend-call';

const SCRIPT = path.resolve('dist/broker-sidecar/main.js');

beforeAll(() => {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run "npm run build" first (npm test does).`);
});


describe('SidecarSupervisor', () => {
  it('starts the broker in its own process on the asked ports (TCP and WebSocket), streams its log, and stops it', async () => {
    const [port, wsPort] = [await freePort(), await freePort()];
    const states: SidecarState[] = [];
    const lines: BrokerLogLine[] = [];
    const supervisor = new SidecarSupervisor({ script: SCRIPT, port, wsPort, onState: (s) => states.push(s), onLog: (l) => lines.push(...l) });
    const running = await supervisor.start();
    expect(running).toMatchObject({ status: 'running', host: '127.0.0.1', port, requestedPort: port, wsPort });
    if (running.status !== 'running') throw new Error('not running');
    expect(running.pid).not.toBe(process.pid);
    const overWs = await connectAsync(`ws://127.0.0.1:${wsPort}/mqtt`, { protocolVersion: 5 });
    await overWs.endAsync();

    // A real outside client talks to it.
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-i', 'sidecar-probe', '-t', 'probe', '-m', 'hi'], { timeout: 5000 });
    await until(() => lines.some((l) => l.clientId === 'sidecar-probe' || l.message.includes('sidecar-probe')));
    expect(supervisor.log().length).toBeGreaterThan(0);

    await expect(supervisor.stop()).resolves.toEqual({ status: 'stopped' });
    expect(states.map((s) => s.status)).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(() => process.kill(running.pid, 0)).toThrow();
  });

  it('moves to a free port when the asked one is taken, and says which', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    // Both the TCP and the WebSocket port are taken: both move.
    const supervisor = new SidecarSupervisor({ script: SCRIPT, port: taken, wsPort: taken });
    try {
      const running = await supervisor.start();
      expect(running).toMatchObject({ status: 'running', requestedPort: taken });
      if (running.status !== 'running') throw new Error('not running');
      expect(running.port).not.toBe(taken);
      expect(running.wsPort).toBeGreaterThan(0);
      expect(running.wsPort).not.toBe(taken);
      execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), '-t', 'probe', '-m', 'hi'], { timeout: 5000 });
    } finally {
      await supervisor.stop();
      blocker.close();
    }
  });

  it('reports a crash with its cause, and starts again on request', async () => {
    const states: SidecarState[] = [];
    const supervisor = new SidecarSupervisor({ script: SCRIPT, port: 0, wsPort: 0, onState: (s) => states.push(s) });
    const running = await supervisor.start();
    if (running.status !== 'running') throw new Error('not running');
    process.kill(running.pid, 'SIGKILL');
    await until(() => supervisor.state.status === 'crashed');
    expect(supervisor.state).toMatchObject({ status: 'crashed', signal: 'SIGKILL', reason: 'killed by SIGKILL' });
    await expect(supervisor.start()).resolves.toMatchObject({ status: 'running' });
    await supervisor.stop();
  });

  it('explains a sidecar that cannot start', async () => {
    const supervisor = new SidecarSupervisor({ script: path.resolve('test/helpers/does-not-exist.js') });
    await expect(supervisor.start()).rejects.toMatchObject({ message: expect.stringMatching(/The local broker did not start/) });
    expect(supervisor.state.status).toBe('crashed');
  });
});

describe('local broker through the backend', () => {
  let backend: Backend;
  let dir: string;
  const states: SidecarState[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-sidecar-'));
    backend = createBackend({ configDir: dir, sidecarScript: SCRIPT, sidecarPort: await freePort(), sidecarWsPort: 0 });
    backend.events.subscribe((stream, data) => stream === 'broker.state' && states.push(data as SidecarState));
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = callerFor(() => backend);

  it('connects to the local broker in one call, reusing one profile, and round-trips a message', async () => {
    const snapshot = await call('broker.connectLocal');
    expect(snapshot.state.status).toBe('connected');
    const profiles = await call('profiles.list');
    expect(profiles.map((p) => p.name)).toEqual(['Local broker connection']);
    await call('subscriptions.subscribe', { connectionId: snapshot.connectionId, filter: 'local/#', qos: 1 });
    await call('messages.publish', { connectionId: snapshot.connectionId, topic: 'local/x', payload: new TextEncoder().encode('via sidecar'), qos: 1, retain: false });
    let exported = await call('messages.export', { connectionId: snapshot.connectionId, format: 'json' });
    for (let i = 0; i < 100 && exported.count < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      exported = await call('messages.export', { connectionId: snapshot.connectionId, format: 'json' });
    }
    expect(JSON.parse(exported.text).map((m: { direction: string; payload: string }) => `${m.direction}:${m.payload}`)).toEqual(['out:via sidecar', 'in:via sidecar']);
    const again = await call('broker.connectLocal');
    expect(again.connectionId).toBe(snapshot.connectionId);
    expect(await call('profiles.list')).toHaveLength(1);
    // The sidecar sends its log every 100 ms: wait for the lines about our client.
    let status = await call('broker.status');
    for (let i = 0; i < 50 && !status.log.some((l) => l.message.includes('New client connected')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await call('broker.status');
    }
    expect(status.state.status).toBe('running');
    expect(status.log.some((l) => l.message.includes('New client connected'))).toBe(true);
    expect(states.map((s) => s.status)).toContain('running');
  });

  it('stops the sidecar when the backend closes', async () => {
    const status = await call('broker.status');
    if (status.state.status !== 'running') throw new Error('not running');
    const pid = status.state.pid;
    await backend.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
