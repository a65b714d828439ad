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

/** Writes to one socket, in order, respecting its backpressure. */
export class SocketWriter {
  /** Written this turn of the event loop, not yet handed to the socket. */
  private pending: Buffer[] = [];
  private flushScheduled = false;
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
   * Writes encoded bytes, or queues them behind a full socket. Everything written in one
   * turn of the event loop — the replies to one chunk of input, a fan-out — goes to the
   * socket as one buffer at the end of the turn: one stream write and one syscall, not one
   * per packet. Acknowledgements wait for that too: written at once, each PUBACK was its own
   * syscall, and with lean clients (test/bench/lean-client.ts) QoS 1 1→1 went from 121,953
   * to 331,089 msgs/s in the broker bench when they stopped.
   */
  write(bytes: Buffer): void {
    if (this.stream.destroyed) return;
    if (this.full) {
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
      return;
    }
    this.pending.push(bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushTick);
    }
  }

  /** Flushes the queue and ends the socket, destroying it if it will not flush in time. */
  end(): void {
    this.flush();
    for (const bytes of this.queue) this.stream.write(bytes);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
  }

  private readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Hands what is pending to the socket; marks it full when the socket says so. */
  private flush(): void {
    const { pending } = this;
    if (pending.length === 0 || this.stream.destroyed) return;
    // Never full here: writes go to the queue while full, and only this sets it, after emptying `pending`.
    this.pending = [];
    if (!this.put(pending)) {
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
