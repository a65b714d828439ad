import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { compactViews } from '../../electron/ipc';

/** A batch as the backend emits it: payloads that are views into one 64 KiB socket chunk. */
function batchFromOneChunk(count: number): { connectionId: string; messages: Array<{ seq: number; payload: Uint8Array }> } {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return { connectionId: 'c1', messages: Array.from({ length: count }, (_, i) => ({ seq: i, payload: new Uint8Array(chunk.buffer, chunk.byteOffset + i * 100, 100) })) };
}

describe('bytes over Electron IPC', () => {
  it('sends the preview of a large payload without the rest of its ArrayBuffer', () => {
    // The backend's message batches carry the first 4 KiB of a large payload as a view of it,
    // and the structured clone Electron uses copies a view's whole ArrayBuffer.
    const payload = Buffer.alloc(10 * 1024 * 1024, 0x62);
    const message = { seq: 1, payloadSize: payload.byteLength, payload: payload.subarray(0, 4096) };
    const compact = compactViews({ messages: [message] }) as { messages: Array<typeof message> };
    expect(structuredClone(compact).messages[0]!.payload.buffer.byteLength).toBe(4096);
    expect(compact.messages[0]!.payload).toEqual(new Uint8Array(4096).fill(0x62));
  });

  it('copies shared views out, so a batch crosses at the size of its bytes', () => {
    const batch = batchFromOneChunk(100);
    const compact = compactViews(batch) as typeof batch;
    expect(serialize(compact).length).toBeLessThan(100 * 100 + 20_000);
    expect(new Set(compact.messages.map((m) => m.payload.buffer)).size).toBe(100);
    compact.messages.forEach((m, i) => {
      expect(m.payload.buffer.byteLength).toBe(100);
      expect(m.payload).toEqual(batch.messages[i]!.payload);
    });
    // The input is not modified: other listeners may hold it.
    expect(batch.messages[0]!.payload.buffer.byteLength).toBe(64 * 1024);
  });

  it('returns values without shared views as they are', () => {
    const own = { ok: true, value: { data: new Uint8Array([1, 2, 3]), list: [1, 'a', null], nested: { when: 5 } } };
    expect(compactViews(own)).toBe(own);
    expect(compactViews('text')).toBe('text');
    expect(compactViews(undefined)).toBeUndefined();
  });

  it('turns a Node Buffer view into a plain Uint8Array of its own', () => {
    const chunk = Buffer.from('hello world');
    const out = compactViews([chunk.subarray(6)]) as Uint8Array[];
    expect(out[0]).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(out[0])).toBe(false);
    expect(new TextDecoder().decode(out[0])).toBe('world');
  });
});
