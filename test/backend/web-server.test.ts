/**
 * Browser mode's server over real HTTP and WebSocket: the token guards every request, the
 * Host and Origin checks refuse other sites, and the socket carries the contract.
 */

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MessageBatch, PacketBatch } from '../../shared/contract';
import { decodeIncoming, encodeWire } from '../../shared/rpc';
import { ACK_FRAME, encodeWatchFrame } from '../../shared/wire-batches';
import { DEFAULT_BATCH_WINDOW } from '../../backend/batch-window';
import type { BatchSent } from '../../backend/web-server';
import { startWebApp, type WebApp } from '../helpers/web-app';

let app: WebApp;
/** What the diagnostics hook saw of each batch sent. */
const sentSeen: BatchSent[] = [];
beforeAll(async () => {
  app = await startWebApp({ onBatchSent: (sent) => sentSeen.push(sent) });
});
afterAll(() => app.stop());

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(options: { token?: string | null; origin?: string | null; cookie?: string }): Promise<WebSocket> {
  const token = options.token === undefined ? app.server.token : options.token;
  const url = `ws://127.0.0.1:${app.server.port}/api${token === null ? '' : `?token=${token}`}`;
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? app.server.origin : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.cookie) headers.cookie = options.cookie;
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, predicate: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData, isBinary: boolean) => {
      const message = decodeIncoming(isBinary ? new Uint8Array(raw as Buffer) : raw.toString()) as Record<string, unknown>;
      if (predicate(message)) {
        ws.off('message', onMessage);
        resolve(message);
      }
    };
    ws.on('message', onMessage);
  });
}

describe('HTTP', () => {
  it('prints a URL on 127.0.0.1 with the token', () => {
    expect(app.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    expect((await get('/index.html')).status).toBe(403);
  });

  it('serves the UI with the token and sets an HttpOnly same-site cookie for its assets', async () => {
    const page = await get(`/?token=${app.server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const script = /src="\.(\/assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    expect((await get(script)).status).toBe(403);
    const asset = await get(script, { cookie: cookie.split(';')[0]! });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${app.server.token}`, { host: `evil.example:${app.server.port}` })).status).toBe(421);
  });

  it('does not serve files outside the UI folder', async () => {
    expect((await get(`/%2e%2e/%2e%2e/package.json?token=${app.server.token}`)).status).toBe(404);
    expect((await get(`/nope.js?token=${app.server.token}`)).status).toBe(404);
  });
});

describe('WebSocket', () => {
  it.each([
    ['without a token', { token: null }],
    ['with a wrong token', { token: 'x'.repeat(32) }],
    ['from another origin', { origin: 'http://evil.example' }],
    ['from another port on localhost', { origin: 'http://127.0.0.1:1' }],
    ['without an Origin header', { origin: null }],
  ])('refuses a socket %s', async (_name, options) => {
    await expect(openSocket(options)).rejects.toThrow('HTTP 403');
  });

  it('accepts the token from the cookie too', async () => {
    const ws = await openSocket({ token: null, cookie: `mqttdesk_token=${app.server.token}` });
    ws.close();
  });

  it('answers calls, types errors for unknown commands and junk, and stays open', async () => {
    const ws = await openSocket({});
    ws.send(encodeWire({ kind: 'call', id: 1, command: 'profiles.list', args: {} }));
    expect(await nextMessage(ws)).toEqual({ kind: 'result', id: 1, ok: true, value: [] });

    ws.send(encodeWire({ kind: 'call', id: 2, command: 'rm -rf', args: {} }));
    expect(await nextMessage(ws)).toMatchObject({ kind: 'result', id: 2, ok: false, error: { name: 'DeskError', code: 'UNKNOWN_COMMAND' } });

    ws.send(encodeWire({ kind: 'call', id: 3, command: 'subscriptions.subscribe', args: { connectionId: 'x' } }));
    expect(await nextMessage(ws)).toMatchObject({ id: 3, ok: false, error: { code: 'INVALID_ARGUMENTS' } });

    ws.send('{ not json');
    expect(await nextMessage(ws)).toMatchObject({ kind: 'result', id: 0, ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await nextMessage(ws)).toMatchObject({ id: 0, ok: false, error: { code: 'INVALID_ARGUMENTS' } });

    ws.send(encodeWire({ kind: 'call', id: 4, command: 'connections.connect', args: { profileId: 'missing' } }));
    expect(await nextMessage(ws)).toMatchObject({ id: 4, ok: false, error: { code: 'NOT_FOUND', message: 'No profile with id missing' } });
    ws.close();
  });

  it('pushes backend events to every attached socket', async () => {
    const [a, b] = await Promise.all([openSocket({}), openSocket({})]);
    const got = Promise.all([nextMessage(a, (m) => m.kind === 'event'), nextMessage(b, (m) => m.kind === 'event')]);
    app.backend.events.emit('messages.batch', {
      connectionId: 'c1',
      dropped: 0,
      evicted: 0,
      messages: [{ seq: 1, direction: 'in', topic: 't', payload: new Uint8Array([104, 105]), payloadSize: 2, qos: 0, retain: false, dup: false, time: 1 }],
    });
    for (const message of await got) {
      const data = message.data as { messages: [{ payload: Uint8Array }] };
      expect(message.stream).toBe('messages.batch');
      expect([...data.messages[0].payload]).toEqual([104, 105]);
    }
    a.close();
    b.close();
  });

  it('sends a page that acknowledges batches only a window of them ahead, then the newest message of each topic and a count of the rest', async () => {
    const ws = await openSocket({});
    const got: MessageBatch[] = [];
    ws.on('message', (raw, isBinary) => {
      const message = decodeIncoming(isBinary ? new Uint8Array(raw as Buffer) : raw.toString()) as { stream?: string; data?: MessageBatch };
      if (message.stream === 'messages.batch' && message.data?.connectionId === 'window') got.push(message.data);
    });
    const batch = (first: number, count: number): MessageBatch => ({
      connectionId: 'window',
      dropped: 0,
      evicted: 0,
      messages: Array.from({ length: count }, (_, j) => ({ seq: first + j, direction: 'in' as const, topic: `t${j}`, payload: new Uint8Array([j]), payloadSize: 1, qos: 0 as const, retain: false, dup: false, time: 1 })),
    });
    // The page takes in its first batch and says so: from then on the window applies.
    app.backend.events.emit('messages.batch', batch(1, 1));
    await until(() => got.length === 1, 'the first batch');
    ws.send(ACK_FRAME);
    // The ack is read before this call (one socket, in order): a marker call answered proves it.
    ws.send(encodeWire({ kind: 'call', id: 1, command: 'profiles.list', args: {} }));
    await nextMessage(ws, (m) => m.kind === 'result' && m.id === 1);
    // The window's worth and six more batches of three topics while the page acknowledges
    // none: the window goes out, six are held.
    const window = DEFAULT_BATCH_WINDOW.batches;
    for (let i = 0; i < window + 6; i++) app.backend.events.emit('messages.batch', batch(100 + i * 3, 3));
    await until(() => got.length === 1 + window, 'the window of batches');
    // The page catches up: one batch of each topic's newest message with the count of the
    // fifteen they replaced, after the window and nothing else before it.
    for (let i = 0; i < window; i++) ws.send(ACK_FRAME);
    await until(() => got.length === 2 + window, 'the held batch');
    expect(got.map((b) => [b.messages.length, b.dropped])).toEqual([[1, 0], ...Array.from({ length: window }, () => [3, 0]), [3, 15]]);
    expect(got.slice(1, 1 + window).flatMap((b) => b.messages.map((m) => m.seq))).toEqual(Array.from({ length: window * 3 }, (_, i) => 100 + i));
    const newest = 100 + (window + 5) * 3;
    expect(got.at(-1)!.messages.map((m) => [m.topic, m.seq])).toEqual([['t0', newest], ['t1', newest + 1], ['t2', newest + 2]]);
    // Each stands for the five earlier messages on its topic, so the page's per-topic counts stay exact.
    expect(got.at(-1)!.replaced).toEqual([5, 5, 5]);
    // The diagnostics hook (the UI bench's stages) saw each batch sent, with the window's
    // state then: the first alone in flight, the window filling up, the held batch taking the
    // slot the first ack freed, nothing left held.
    const seen = sentSeen.filter((s) => s.batch.connectionId === 'window');
    expect(seen.map((s) => [s.batch.messages.length + s.batch.dropped, s.inFlight, s.held])).toEqual([[1, 1, 0], ...Array.from({ length: window }, (_, i) => [3, i + 1, 0]), [18, window, 0]]);
    expect(seen.every((s) => s.buffered >= 0)).toBe(true);
    ws.close();
  });

  it('sends packet batches only of the connections the page says it shows', async () => {
    const ws = await openSocket({});
    const got: string[] = [];
    ws.on('message', (raw, isBinary) => {
      const message = decodeIncoming(isBinary ? new Uint8Array(raw as Buffer) : raw.toString()) as { stream?: string; data?: PacketBatch & { lines?: Array<{ message: string }> } };
      if (message.stream === 'packets.batch') got.push(`${message.data!.connectionId} ${message.data!.packets[0]!.seq}`);
      if (message.stream === 'broker.log') got.push(message.data!.lines![0]!.message);
    });
    const packets = (connectionId: string, seq: number): PacketBatch => ({ connectionId, protocolVersion: 4, evicted: 0, packets: [{ seq, time: 1, direction: 'in', bytes: new Uint8Array([0xc0, 0]) }] });
    // A marker after the batches: the socket is in order, so what has not come before it never will.
    let markers = 0;
    const marker = async () => {
      const text = `marker ${++markers}`;
      app.backend.events.emit('broker.log', { lines: [{ time: 1, level: 'info', message: text }] });
      await until(() => got.includes(text), text);
    };
    // A marker call answered: the server has read every frame the page sent before it.
    let calls = 0;
    const settle = async () => {
      const id = 100 + ++calls;
      ws.send(encodeWire({ kind: 'call', id, command: 'profiles.list', args: {} }));
      await nextMessage(ws, (m) => m.kind === 'result' && m.id === id);
    };
    // No view open yet: none.
    app.backend.events.emit('packets.batch', packets('c1', 1));
    await marker();
    ws.send(encodeWatchFrame(['c1']));
    await settle();
    app.backend.events.emit('packets.batch', packets('c1', 2));
    app.backend.events.emit('packets.batch', packets('c2', 1));
    await marker();
    // The view closed: none again.
    ws.send(encodeWatchFrame([]));
    await settle();
    app.backend.events.emit('packets.batch', packets('c1', 3));
    await marker();
    expect(got).toEqual(['marker 1', 'c1 2', 'marker 2', 'marker 3']);
    ws.close();
  });

  it('counts the messages of batches a page does not read fast enough as dropped in the next batch it gets', async () => {
    const ws = await openSocket({});
    const counted = { messages: 0, dropped: 0 };
    ws.on('message', (raw, isBinary) => {
      const message = decodeIncoming(isBinary ? new Uint8Array(raw as Buffer) : raw.toString()) as { stream?: string; data?: MessageBatch };
      if (message.stream !== 'messages.batch' || message.data?.connectionId !== 'slow') return;
      counted.messages += message.data.messages.length;
      counted.dropped += message.data.dropped;
    });
    // The page stops reading: the kernel's buffers fill, then the server's send buffer.
    const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const payload = new Uint8Array(1024 * 1024);
    const batches = 120;
    for (let i = 0; i < batches; i++) {
      const messages = Array.from({ length: 2 }, (_, j) => ({ seq: i * 2 + j + 1, direction: 'in' as const, topic: 't', payload, payloadSize: payload.byteLength, qos: 0 as const, retain: false, dup: false, time: 1 }));
      app.backend.events.emit('messages.batch', { connectionId: 'slow', dropped: 0, evicted: 0, messages });
    }
    // Then it reads again. One-message batches keep coming; the first one the server can send
    // again carries the count of everything it dropped meanwhile.
    socket.resume();
    let emitted = batches * 2;
    for (let i = 0; i < 250 && counted.dropped === 0; i++) {
      const marker = { seq: 1000 + i, direction: 'in' as const, topic: 'marker', payload: new Uint8Array(1), payloadSize: 1, qos: 0 as const, retain: false, dup: false, time: 1 };
      app.backend.events.emit('messages.batch', { connectionId: 'slow', dropped: 0, evicted: 0, messages: [marker] });
      emitted++;
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => counted.messages + counted.dropped === emitted, 'every message to be received or counted as dropped');
    expect(counted.dropped).toBeGreaterThan(0);
    expect(counted.messages + counted.dropped).toBe(emitted);
    ws.close();
  });
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`Timed out waiting for ${what}`);
}
