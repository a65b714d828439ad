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

/** A flush joins small packets into slabs of at most this size (one slab: one plain write). */
const CONCAT_LIMIT = 64 * 1024;
/** Packets this large go to the socket as they are, never copied into a slab. */
const LARGE_BYTES = 16 * 1024;

/** Writes to one socket, in order, respecting its backpressure. */
export class SocketWriter {
  /** Written this turn of the event loop, not yet handed to the socket. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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

  /** Bytes queued behind a full socket; 0 when the client keeps up. */
  get backlogBytes(): number {
    return this.queuedBytes;
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
    this.pendingBytes += bytes.length;
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
    this.pending = [];
    const bytes = this.pendingBytes;
    this.pendingBytes = 0;
    if (this.full) {
      // Became full since these were written (only `end` flushes then): keep the order.
      for (const b of pending) this.queue.push(b);
      this.queuedBytes += bytes;
      return;
    }
    let accepted: boolean;
    if (pending.length === 1) accepted = this.stream.write(pending[0]!);
    else if (bytes <= CONCAT_LIMIT) accepted = this.stream.write(Buffer.concat(pending, bytes));
    else {
      // More than one slab: small packets joined into slabs of up to 64 KiB, large payloads
      // as they are (not worth copying), all in one writev.
      this.stream.cork();
      accepted = true;
      let run: Buffer[] = [];
      let runBytes = 0;
      const endRun = (): void => {
        if (run.length > 0) accepted = this.stream.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes)) && accepted;
        run = [];
        runBytes = 0;
      };
      for (const b of pending) {
        if (b.length >= LARGE_BYTES) {
          endRun();
          accepted = this.stream.write(b) && accepted;
          continue;
        }
        if (runBytes + b.length > CONCAT_LIMIT) endRun();
        run.push(b);
        runBytes += b.length;
      }
      endRun();
      this.stream.uncork();
    }
    if (!accepted) {
      this.full = true;
      this.events.full();
    }
  }

  private onDrain(): void {
    if (!this.full) return;
    // Corked, so the queue leaves in one writev per 'drain' rather than a syscall per
    // packet: uncorked, every write to an idle socket goes straight to the kernel. In the
    // lean-client bench (QoS 0 1→1) the per-packet writes were 69 % of the broker's time.
    this.stream.cork();
    let sent = 0;
    let stillFull = false;
    for (; sent < this.queue.length; sent++) {
      const bytes = this.queue[sent]!;
      this.queuedBytes -= bytes.length;
      if (!this.stream.write(bytes)) {
        stillFull = true; // over the high-water mark again: wait for the next 'drain'
        sent++;
        break;
      }
    }
    this.queue.splice(0, sent);
    this.stream.uncork();
    if (stillFull) return;
    this.full = false;
    this.events.drained();
  }
}
