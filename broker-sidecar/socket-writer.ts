/**
 * The bottom of the broker's one write path: bytes to one client's socket, with
 * backpressure. While the socket is full, writes queue here (the caller decides what may be
 * dropped, see Connection.send) and the owner is told to stop reading that client; when it
 * drains, the queue goes out in order and reading resumes.
 */

import type { Duplex } from 'node:stream';

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** What the writer tells its connection. */
export interface SocketWriterEvents {
  /** The socket is full: stop reading this client, so it cannot make us buffer more of its own. */
  full(): void;
  /** Everything queued went out. */
  drained(): void;
}

/** A flush joins small packets into slabs of at most this size. */
const CONCAT_LIMIT = 64 * 1024;
/** Packets this large go to the socket as they are, never copied into a slab. */
const LARGE_BYTES = 16 * 1024;

/**
 * Writers with bytes pending, flushed together once per turn of the event loop (see
 * `SocketWriter.write`). Swapped out before a flush, so a writer written to while the others
 * flush goes into the next one.
 */
let dirty: SocketWriter[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const writers = dirty;
  dirty = [];
  for (let i = 0; i < writers.length; i++) writers[i]!.flushPending();
}

/** Writes to one socket, in order, respecting its backpressure. */
export class SocketWriter {
  /** Written this turn of the event loop, not yet handed to the socket: the first buffer, then the rest. */
  private first: Buffer | undefined;
  private more: Buffer[] = [];
  /** Behind a full socket, waiting for 'drain'. */
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private full = false;

  constructor(
    private readonly stream: Duplex,
    private readonly events: SocketWriterEvents,
  ) {
    stream.on('drain', () => this.onDrain());
  }

  /** Whether the socket is full and writes are queueing. */
  get blocked(): boolean {
    return this.full;
  }

  /** Bytes written but not yet taken by the kernel: queued here and buffered in the stream; 0 when the client keeps up. */
  get backlogBytes(): number {
    return this.queuedBytes + this.stream.writableLength;
  }

  /**
   * Writes encoded bytes, or queues them behind a full socket. Everything written to any
   * connection in one turn of the event loop goes out after that turn's reads (setImmediate,
   * once for all connections): the replies to one chunk of input, a fan-out, and — under a
   * device fleet — everything hundreds of sockets each sent one packet of. One stream write and
   * one syscall per socket and turn, not one per packet. Acknowledgements wait for that too:
   * written at once, each PUBACK was its own syscall, and with lean clients
   * (test/bench/lean-client.ts) QoS 1 1→1 went from 121,953 to 331,089 msgs/s in the broker
   * bench when they stopped. Flushing per connection at the end of its own read
   * (process.nextTick) instead gave the one subscriber of 500 publishers one write per
   * PUBLISH, as many writes as reads.
   */
  write(bytes: Buffer): void {
    if (this.stream.destroyed) return;
    if (this.full) {
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
      return;
    }
    if (this.first !== undefined) {
      this.more.push(bytes);
      return;
    }
    this.first = bytes;
    dirty.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  /** Flushes the queue and ends the socket, destroying it if it will not flush in time. */
  end(): void {
    this.flushPending();
    for (const bytes of this.queue) this.stream.write(bytes);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Hands what is pending to the socket (the turn's flush, or `end`); marks it full when the socket says so. */
  flushPending(): void {
    const first = this.first;
    if (first === undefined) return;
    this.first = undefined;
    if (this.stream.destroyed) {
      this.more.length = 0;
      return;
    }
    // Never full here: writes go to the queue while full, and only this sets it, after emptying what was pending.
    let kept: boolean;
    if (this.more.length === 0) {
      // The usual case under a fleet: one packet, one plain write, no cork.
      this.stream.write(first);
      kept = this.keptUp();
    } else {
      const all = [first, ...this.more];
      this.more = [];
      kept = this.put(all);
    }
    if (!kept) {
      this.full = true;
      this.events.full();
    }
  }

  /**
   * Hands buffers to the socket — small ones joined into slabs of up to 64 KiB (usually one
   * slab: one plain write), large payloads as they are (not worth copying), corked so that
   * several go in one writev — and says whether the socket kept up. Judged by what the stream
   * still holds afterwards, not by write()'s answer: that compares the chunk with the
   * high-water mark before the kernel takes it, so a 64 KiB slab the kernel takes at once
   * would read as a full socket and stop reading the client for nothing.
   */
  private put(buffers: readonly Buffer[]): boolean {
    this.stream.cork();
    let run: Buffer[] = [];
    let runBytes = 0;
    const endRun = (): void => {
      if (run.length > 0) this.stream.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    for (const b of buffers) {
      if (b.length >= LARGE_BYTES) {
        endRun();
        this.stream.write(b);
        continue;
      }
      if (runBytes + b.length > CONCAT_LIMIT) endRun();
      run.push(b);
      runBytes += b.length;
    }
    endRun();
    this.stream.uncork();
    return this.keptUp();
  }

  private keptUp(): boolean {
    return this.stream.writableLength < this.stream.writableHighWaterMark;
  }

  private onDrain(): void {
    if (!this.full) return;
    // The stream is empty now: the queue goes in at once, in slabs (a packet per write was
    // 69 % of the broker's time in the lean-client bench), and whatever the kernel does not
    // take waits in the stream for the next 'drain'.
    const queue = this.queue.splice(0);
    this.queuedBytes = 0;
    if (!this.put(queue)) return;
    this.full = false;
    this.events.drained();
  }
}
