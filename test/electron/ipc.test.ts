import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_WINDOW } from '../../backend/batch-window';
import { EventHub } from '../../backend/event-hub';
import type { Backend } from '../../backend/backend';
import { compactViews, EVENT_CHANNEL, forwardEvents } from '../../electron/ipc';
import { createBridgeApi } from '../../renderer/src/api/bridge-transport';
import type { MessageBatch, PacketBatch } from '../../shared/contract';
import { decodeFrame } from '../../shared/wire-batches';

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

describe('events over Electron IPC', () => {
  it('sends a message batch as one binary frame of its own bytes, which the page\'s bridge turns back into the batch', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const batch: MessageBatch = {
      connectionId: 'c1',
      dropped: 2,
      evicted: 0,
      messages: Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, direction: 'in', topic: `dev/${i}`, payload: new Uint8Array(chunk.buffer, chunk.byteOffset + i * 100, 100), payloadSize: 100, qos: 0, retain: false, dup: false, time: 5 })),
    };
    const events = new EventHub();
    const sent: Array<[string, string, unknown]> = [];
    forwardEvents({ events } as unknown as Backend, { isDestroyed: () => false, send: (channel: string, stream: string, data: unknown) => sent.push([channel, stream, data]) } as never);
    let deliver: (stream: string, data: unknown) => void = () => undefined;
    const api = createBridgeApi({ call: async () => ({ ok: true, value: undefined }), onEvent: (listener) => ((deliver = listener), () => undefined) });
    const received: MessageBatch[] = [];
    api.on('messages.batch', (b) => received.push(b));
    events.emit('messages.batch', batch);
    events.emit('connection.state', { connectionId: 'c1', profileId: 'c1', state: { status: 'idle' }, subscriptions: [] });

    const [channel, stream, frame] = sent[0]!;
    expect([channel, stream]).toEqual([EVENT_CHANNEL, 'messages.batch']);
    expect(frame).toBeInstanceOf(Uint8Array);
    // What structured clone copies: the frame alone, not the socket chunk or a spare tail.
    expect(serialize(frame).length).toBeLessThan(100 * 100 + 100 * 40 + 1000);
    expect(sent[1]![2]).toMatchObject({ connectionId: 'c1' });
    deliver(stream, structuredClone(frame));
    expect(received).toEqual([batch]);
  });

  it('sends packet batches only of the connections the page\'s bridge says it shows', () => {
    const events = new EventHub();
    const sent: string[] = [];
    let watch: (frame: unknown) => void = () => undefined;
    forwardEvents(
      { events } as unknown as Backend,
      { isDestroyed: () => false, send: (_channel: string, stream: string, data: unknown) => sent.push(stream === 'packets.batch' ? `${(decodeFrame(data as Uint8Array).data as PacketBatch).connectionId}` : stream) } as never,
      undefined,
      (w) => (watch = w),
    );
    const api = createBridgeApi({ call: async () => ({ ok: true, value: undefined }), onEvent: () => () => undefined, watch: (frame) => watch(structuredClone(frame)) });
    const packets = (connectionId: string): PacketBatch => ({ connectionId, protocolVersion: 5, evicted: 0, packets: [{ seq: 1, time: 1, direction: 'in', bytes: new Uint8Array([0xc0, 0]) }] });
    events.emit('packets.batch', packets('c1'));
    api.watchPackets!(['c1']);
    events.emit('packets.batch', packets('c1'));
    events.emit('packets.batch', packets('c2'));
    // Anything but a watch frame changes nothing.
    watch(['c2']);
    events.emit('packets.batch', packets('c2'));
    api.watchPackets!([]);
    events.emit('packets.batch', packets('c1'));
    events.emit('broker.log', { lines: [] });
    expect(sent).toEqual(['c1', 'broker.log']);
  });

  it('windows message batches on the page\'s acknowledgements, which the bridge sends for each batch it takes in', () => {
    const events = new EventHub();
    const sent: Array<[string, unknown]> = [];
    let ack = () => undefined as void;
    forwardEvents({ events } as unknown as Backend, { isDestroyed: () => false, send: (_channel: string, stream: string, data: unknown) => sent.push([stream, data]) } as never, (a) => (ack = a));
    let deliver: (stream: string, data: unknown) => void = () => undefined;
    const api = createBridgeApi({ call: async () => ({ ok: true, value: undefined }), onEvent: (listener) => ((deliver = listener), () => undefined), ack: () => ack() });
    const received: MessageBatch[] = [];
    api.on('messages.batch', (b) => received.push(b));
    const batch = (seq: number): MessageBatch => ({ connectionId: 'c1', dropped: 0, evicted: 0, messages: [{ seq, direction: 'in', topic: 'dev/1', payload: new Uint8Array([seq]), payloadSize: 1, qos: 0, retain: false, dup: false, time: 5 }] });
    // The page takes the first batch in; its bridge acknowledges it, and the window applies.
    events.emit('messages.batch', batch(1));
    deliver('messages.batch', sent[0]![1]);
    // Four more than the window while the page takes none in: the window goes out, the rest
    // are held (one topic: the newest, standing for the three before it).
    const window = DEFAULT_BATCH_WINDOW.batches;
    const last = window + 5;
    for (let seq = 2; seq <= last; seq++) events.emit('messages.batch', batch(seq));
    expect(sent.length).toBe(1 + window);
    for (const [stream, frame] of sent.slice(1)) deliver(stream, frame);
    expect(sent.length).toBe(2 + window);
    deliver('messages.batch', sent[1 + window]![1]);
    const sentInWindow = Array.from({ length: window }, (_, i) => [[i + 2], 0]);
    expect(received.map((b) => [b.messages.map((m) => m.seq), b.dropped])).toEqual([[[1], 0], ...sentInWindow, [[last], 3]]);
    expect(received.at(-1)!.replaced).toEqual([3]);
  });
});
