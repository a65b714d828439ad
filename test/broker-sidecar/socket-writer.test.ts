import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { batch, SocketWriter } from '../../broker-sidecar/socket-writer';
import { withTimeout } from '../helpers/broker-harness';
import { socketPair } from '../helpers/socket-pair';

/** Reads from `peer` until `length` bytes have arrived. */
function readAll(peer: net.Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return withTimeout(
    new Promise<Buffer>((resolve) => {
      peer.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= length) resolve(Buffer.concat(chunks));
      });
    }),
    10_000,
    `${length} bytes`,
  );
}

const packet = (i: number, size = 20): Buffer => Buffer.alloc(size, i % 251);
let close: (() => void) | undefined;
afterEach(() => close?.());

describe('socket writer', () => {
  it('hands everything written in one turn to the socket at its end, joined into slabs of up to 64 KiB, in order', async () => {
    const pair = await socketPair();
    close = pair.close;
    const writes: number[] = [];
    const write = pair.ours.write.bind(pair.ours);
    pair.ours.write = ((chunk: Buffer, ...rest: never[]) => (writes.push(chunk.length), write(chunk, ...rest))) as typeof pair.ours.write;
    const writer = new SocketWriter(pair.ours, { full: () => undefined, drained: () => undefined });
    const sent = Array.from({ length: 5000 }, (_, i) => packet(i));
    const arrived = readAll(pair.peer, 100_000);
    for (const bytes of sent) writer.write(bytes);
    expect(writes).toEqual([]); // nothing yet: the turn has not ended
    expect((await arrived).equals(Buffer.concat(sent))).toBe(true);
    expect(writes).toEqual([65_520, 34_480]); // 3,276 packets of 20 B fit in 64 KiB
  });

  it('in a batch (one read and its fan-out), flushes every writer written to once, as the batch ends, without waiting for the tick', async () => {
    const pairs = [await socketPair(), await socketPair()];
    close = () => pairs.forEach((pair) => pair.close());
    const writes: string[] = [];
    const writers = pairs.map((pair, n) => {
      const write = pair.ours.write.bind(pair.ours);
      pair.ours.write = ((chunk: Buffer, ...rest: never[]) => (writes.push(`${n}:${chunk.length}`), write(chunk, ...rest))) as typeof pair.ours.write;
      return new SocketWriter(pair.ours, { full: () => undefined, drained: () => undefined });
    });
    const arrived = pairs.map((pair, n) => readAll(pair.peer, n === 0 ? 30 : 20));
    batch(() => {
      writers[0]!.write(packet(1, 10));
      writers[1]!.write(packet(2, 20));
      batch(() => writers[0]!.write(packet(3, 20))); // nested: joins the outer batch
      expect(writes).toEqual([]);
    });
    expect(writes).toEqual(['0:30', '1:20']); // at the batch's end, before any tick ran
    const [zero, one] = await Promise.all(arrived);
    expect(zero!.equals(Buffer.concat([packet(1, 10), packet(3, 20)]))).toBe(true);
    expect(one!.equals(packet(2, 20))).toBe(true);
    expect(writes).toEqual(['0:30', '1:20']); // and nothing again at the tick
  });

  it('passes large buffers through uncopied, in order with small ones', async () => {
    const pair = await socketPair();
    close = pair.close;
    const writes: Buffer[] = [];
    const write = pair.ours.write.bind(pair.ours);
    pair.ours.write = ((chunk: Buffer, ...rest: never[]) => (writes.push(chunk), write(chunk, ...rest))) as typeof pair.ours.write;
    const writer = new SocketWriter(pair.ours, { full: () => undefined, drained: () => undefined });
    // 20 and 30 KB: large (16 KiB and up), yet all four would fit one 64 KiB slab if copied.
    const sent = [packet(1), packet(2, 20_000), packet(3), packet(4, 30_000)];
    const arrived = readAll(pair.peer, 50_040);
    for (const bytes of sent) writer.write(bytes);
    expect((await arrived).equals(Buffer.concat(sent))).toBe(true);
    expect(writes.map((w) => w.length)).toEqual([20, 20_000, 20, 30_000]);
    expect(writes[1]).toBe(sent[1]); // the very buffer, not a copy
    expect(writes[3]).toBe(sent[3]);
  });

  it('queues behind a peer that stops reading, says so, and sends the queue in order once it reads again', async () => {
    const pair = await socketPair();
    close = pair.close;
    pair.peer.pause();
    const events: string[] = [];
    const writer = new SocketWriter(pair.ours, { full: () => events.push('full'), drained: () => events.push('drained') });
    const sent: Buffer[] = [];
    // Turn after turn until the kernel buffers and the stream are full.
    for (let turn = 0; turn < 2000 && !writer.blocked; turn++) {
      for (let i = 0; i < 64; i++) {
        const bytes = packet(sent.length, 1000);
        sent.push(bytes);
        writer.write(bytes);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(writer.blocked).toBe(true);
    for (let i = 0; i < 100; i++) {
      const bytes = packet(sent.length, 1000);
      sent.push(bytes);
      writer.write(bytes);
    }
    expect(pair.ours.writableLength).toBeGreaterThan(0); // what the kernel did not take waits in the stream
    expect(writer.backlogBytes).toBe(100_000 + pair.ours.writableLength);
    const total = sent.reduce((n, b) => n + b.length, 0);
    const arrived = readAll(pair.peer, total);
    pair.peer.resume();
    expect((await arrived).equals(Buffer.concat(sent))).toBe(true);
    expect(events).toEqual(['full', 'drained']);
    expect(writer.blocked).toBe(false);
    expect(writer.backlogBytes).toBe(0);
  });
});
