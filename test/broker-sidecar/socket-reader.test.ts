/**
 * The read side (broker-sidecar/socket-reader.ts): accepted TCP sockets are read straight
 * into one shared buffer, and what the broker gets is its own copy, still intact after
 * later reads overwrote the shared buffer; other streams read through 'data' events.
 */

import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readChunks } from '../../broker-sidecar/socket-reader';
import { withTimeout } from '../helpers/broker-harness';
import { socketPair } from '../helpers/socket-pair';

/** Collects chunks; `next()` resolves with the next one. */
function collector(): { listener: (chunk: Buffer) => void; chunks: Buffer[]; next: () => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  const waiting: Array<(chunk: Buffer) => void> = [];
  let taken = 0;
  return {
    chunks,
    listener: (chunk) => {
      chunks.push(chunk);
      const wake = waiting.shift();
      if (wake) wake(chunks[taken++]!);
    },
    next: () => withTimeout(taken < chunks.length ? Promise.resolve(chunks[taken++]!) : new Promise<Buffer>((resolve) => waiting.push(resolve)), 10_000, 'a chunk'),
  };
}

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('socket reader', () => {
  it('reads an accepted TCP socket without data events, each chunk a copy that later reads do not overwrite', async () => {
    const pair = await socketPair();
    close = pair.close;
    const c = collector();
    readChunks(pair.ours, c.listener);
    expect(pair.ours.listenerCount('data')).toBe(0); // straight from the handle
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.alloc(100 + i, 0x41 + i);
      sent.push(bytes);
      pair.peer.write(bytes);
      // One write, one read: wait for it, so each read lands at the start of the shared buffer.
      let got = 0;
      while (got < bytes.length) got += (await c.next()).length;
    }
    expect(Buffer.concat(c.chunks).equals(Buffer.concat(sent))).toBe(true);
    // Two different reads never share memory.
    const [first, second] = c.chunks;
    expect(first!.buffer === second!.buffer && first!.byteOffset === second!.byteOffset).toBe(false);
  });

  it('stops reading on pause and delivers the rest in order on resume; ends with end and close', async () => {
    const pair = await socketPair();
    const markers = await socketPair();
    close = () => {
      pair.close();
      markers.close();
    };
    const c = collector();
    const m = collector();
    readChunks(pair.ours, c.listener);
    readChunks(markers.ours, m.listener);
    pair.peer.write(Buffer.from('one'));
    expect((await c.next()).toString()).toBe('one');
    pair.ours.pause();
    pair.peer.write(Buffer.from('two'));
    await new Promise<void>((resolve) => pair.peer.write(Buffer.alloc(0), () => resolve())); // in the kernel now
    // Ordering, not a sleep: two markers on another socket, each read by this process after
    // 'two' was waiting; a reading socket would have had 'two' delivered by then.
    for (const marker of ['m1', 'm2']) {
      markers.peer.write(marker);
      expect((await m.next()).toString()).toBe(marker);
    }
    expect(c.chunks.length).toBe(1);
    const ended = new Promise<void>((resolve) => pair.ours.once('end', resolve));
    const closed = new Promise<void>((resolve) => pair.ours.once('close', resolve));
    pair.ours.resume();
    expect((await c.next()).toString()).toBe('two');
    pair.peer.end();
    await withTimeout(ended, 10_000, 'end');
    pair.ours.destroy();
    await withTimeout(closed, 10_000, 'close');
  });

  it('loses nothing of a socket handed over with bytes already read into its stream buffer', async () => {
    const pair = await socketPair();
    close = pair.close;
    // Someone listened before the broker got the socket: 'early' sits in the stream's buffer, not the kernel's.
    const buffered = new Promise<void>((resolve) => pair.ours.once('readable', resolve));
    pair.peer.write(Buffer.from('early'));
    await withTimeout(buffered, 10_000, 'readable');
    expect(pair.ours.readableLength).toBe(5);
    const c = collector();
    readChunks(pair.ours, c.listener);
    expect((await c.next()).toString()).toBe('early');
    pair.peer.write(Buffer.from('late'));
    expect((await c.next()).toString()).toBe('late');
  });

  it('reads other streams (TLS, WebSocket, pipes) through data events', async () => {
    const stream = new PassThrough();
    const c = collector();
    readChunks(stream, c.listener);
    expect(stream.listenerCount('data')).toBe(1);
    stream.write(Buffer.from('piped'));
    expect((await c.next()).toString()).toBe('piped');
  });
});
