/**
 * The UI bench's CDP client (test/bench/cdp-client.ts): how it numbers commands, matches the
 * browser's answers to them and routes events to the session they belong to, fed messages as
 * Chromium writes them; and the DevTools URL read from Chromium's stderr (chromium-process.ts).
 */

import { describe, expect, it } from 'vitest';
import { CdpError, CdpRouter, cdpSession } from './cdp-client';
import { devToolsUrl } from './chromium-process';

function router() {
  const written: Array<Record<string, unknown>> = [];
  return { router: new CdpRouter((text) => written.push(JSON.parse(text) as Record<string, unknown>)), written };
}

describe('CdpRouter: commands', () => {
  it.each([
    { name: "the browser's own session carries no sessionId", sessionId: '', params: undefined, sent: { id: 1, method: 'Target.getTargets', params: {} } },
    { name: "a target's session names itself", sessionId: 'S1', params: { expression: '1' }, sent: { id: 1, method: 'Target.getTargets', params: { expression: '1' }, sessionId: 'S1' } },
  ])('$name', ({ sessionId, params, sent }) => {
    const { router: r, written } = router();
    void r.request('Target.getTargets', params, sessionId);
    expect(written).toEqual([sent]);
  });

  it('numbers commands one by one and resolves each with its own answer, in any order', async () => {
    const { router: r, written } = router();
    const first = r.request('A.a', {}, '');
    const second = r.request('B.b', {}, 'S');
    expect(written.map((m) => m.id)).toEqual([1, 2]);
    r.receive(JSON.stringify({ id: 2, result: { b: true }, sessionId: 'S' }));
    r.receive(JSON.stringify({ id: 1, result: { a: true } }));
    await expect(first).resolves.toEqual({ a: true });
    await expect(second).resolves.toEqual({ b: true });
  });

  it.each([
    { name: 'an error answer rejects with its code and the method', answer: { id: 1, error: { code: -32601, message: "'X.y' wasn't found" } }, error: "X.y: 'X.y' wasn't found (-32601)" },
    { name: 'an answer without result resolves to {}', answer: { id: 1 }, result: {} },
  ])('$name', async ({ answer, error, result }) => {
    const { router: r } = router();
    const pending = r.request('X.y', {}, '');
    r.receive(JSON.stringify(answer));
    if (error) {
      await expect(pending).rejects.toThrow(CdpError);
      await expect(pending).rejects.toThrow(error);
    } else await expect(pending).resolves.toEqual(result);
  });

  it('rejects what is pending, and what comes later, when the connection closes', async () => {
    const { router: r } = router();
    const pending = r.request('A.a', {}, '');
    r.close(new Error('closed'));
    await expect(pending).rejects.toThrow('closed');
    await expect(r.request('B.b', {}, '')).rejects.toThrow('closed');
  });

  it('ignores an answer to no pending command', () => {
    const { router: r } = router();
    expect(() => r.receive(JSON.stringify({ id: 7, result: {} }))).not.toThrow();
  });
});

describe('CdpRouter: events', () => {
  it.each([
    { name: "an event of the listener's session", sessionId: 'S1', message: { method: 'Tracing.tracingComplete', params: { a: 1 }, sessionId: 'S1' }, heard: [{ a: 1 }] },
    { name: "a browser event for the browser's session", sessionId: '', message: { method: 'Tracing.tracingComplete', params: { a: 2 } }, heard: [{ a: 2 }] },
    { name: 'an event without params as {}', sessionId: '', message: { method: 'Tracing.tracingComplete' }, heard: [{}] },
    { name: 'not an event of another session', sessionId: 'S1', message: { method: 'Tracing.tracingComplete', params: {}, sessionId: 'S2' }, heard: [] },
    { name: "not a session's event for the browser", sessionId: '', message: { method: 'Tracing.tracingComplete', params: {}, sessionId: 'S2' }, heard: [] },
    { name: 'not another event', sessionId: 'S1', message: { method: 'Tracing.dataCollected', params: {}, sessionId: 'S1' }, heard: [] },
  ])('hears $name', ({ sessionId, message, heard }) => {
    const { router: r } = router();
    const got: unknown[] = [];
    cdpSession(r, sessionId).on('Tracing.tracingComplete', (payload) => got.push(payload));
    r.receive(JSON.stringify(message));
    expect(got).toEqual(heard);
  });

  it('once: hears the first event only', () => {
    const { router: r } = router();
    const got: unknown[] = [];
    cdpSession(r, 'S').once('Tracing.tracingComplete', (payload) => got.push(payload));
    for (const n of [1, 2]) r.receive(JSON.stringify({ method: 'Tracing.tracingComplete', params: { n }, sessionId: 'S' }));
    expect(got).toEqual([{ n: 1 }]);
  });
});

describe('devToolsUrl', () => {
  it.each([
    { line: 'DevTools listening on ws://127.0.0.1:38127/devtools/browser/2f1c7a4e-93b1-4d0e-b6c9-0c1f0b5f0a11', url: 'ws://127.0.0.1:38127/devtools/browser/2f1c7a4e-93b1-4d0e-b6c9-0c1f0b5f0a11' },
    { line: 'DevTools listening on ws://127.0.0.1:9222/devtools/browser/abc\r', url: 'ws://127.0.0.1:9222/devtools/browser/abc' },
    { line: 'DevTools listening on ws://0.0.0.0:9222/devtools/browser/abc', url: undefined },
    { line: '[1130/161310.123:ERROR:bus.cc(407)] Failed to connect to the bus', url: undefined },
    { line: '', url: undefined },
  ])('$line → $url', ({ line, url }) => {
    expect(devToolsUrl(line)).toBe(url);
  });
});
