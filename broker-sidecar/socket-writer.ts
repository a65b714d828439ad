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
 * Writers with bytes pending in the running batch (see `batch`), flushed when it ends; a
 * writer is in here at most once (its `flushScheduled`). Swapped for `spareDirty` while
 * flushed, so a flush that makes another batch run (a test pipe answering synchronously)
 * starts a list of its own.
 */
let dirty: SocketWriter[] = [];
let spareDirty: SocketWriter[] = [];
/** Batches running, nested; writes join the batch while this is above 0. */
let batchDepth = 0;

/**
 * Runs `work` (the handling of one read: its packets, their fan-out) as one batch: every
 * writer written to meanwhile flushes once when it returns, instead of each scheduling a
 * `process.nextTick` of its own. The bytes go out at the same moment as before (Node runs a
 * read callback's ticks right after it), but with no tick queued a read costs no
 * `processTicksAndRejections` pass and no promise-rejection bookkeeping: under a device
 * fleet that was, per delivery, two ticks and 11 % of what the broker allocated
 * (README, Device fleet). Writes outside a batch (timers, async handlers) still flush at the
 * end of their tick.
 */
export function batch(work: () => void): void {
  batchDepth++;
  try {
    work();
  } finally {
    if (--batchDepth === 0) flushDirty();
  }
}

function flushDirty(): void {
  while (dirty.length > 0) {
    const writers = dirty;
    dirty = spareDirty;
    spareDirty = writers;
    for (let i = 0; i < writers.length; i++) writers[i]!.flushNow();
    writers.length = 0;
  }
}

/** Writes to one socket, in order, respecting its backpressure. */
export class SocketWriter {
  /** Written this turn of the event loop, not yet handed to the socket. */
  private pending: Buffer[] = [];
  /** The other of the two `pending` arrays, reused so that a flush allocates none. */
  private spare: Buffer[] = [];
  /** In the running batch's list, or a nextTick is queued: `pending` will be flushed. */
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
   * batch (`batch`: the replies to one chunk of input, a fan-out) or, outside one, in one
   * turn of the event loop goes to the socket as one buffer at its end: one stream write and
   * one syscall, not one per packet. Acknowledgements wait for that too: written at once,
   * each PUBACK was its own syscall, and with lean clients (test/bench/lean-client.ts) QoS 1
   * 1→1 went from 121,953 to 331,089 msgs/s in the broker bench when they stopped.
   */
  write(bytes: Buffer): void {
    if (this.stream.destroyed) return;
    if (this.full) {
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
      return;
    }
    this.pending.push(bytes);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (batchDepth > 0) dirty.push(this);
    else process.nextTick(this.flushTick);
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

  /** The end of the batch this writer was written to in (module use only). */
  flushNow(): void {
    this.flushScheduled = false;
    this.flush();
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
    // The two arrays take turns: a write during put (a synchronous answer on a test pipe) lands in the other.
    this.pending = this.spare;
    const kept = this.put(pending);
    pending.length = 0;
    this.spare = pending;
    if (!kept) {
      this.full = true;
      this.events.full();
    }
  }

  /**
   * Hands buffers to the socket — small ones joined into slabs of up to 64 KiB (usually one
   * slab: one plain write, not corked, which would cost the stream a buffered entry and a
   * clearBuffer pass per write), large payloads as they are (not worth copying), corked so
   * that several go in one writev — and says whether the socket kept up. Judged by what the
   * stream still holds afterwards, not by write()'s answer: that compares the chunk with the
   * high-water mark before the kernel takes it, so a 64 KiB slab the kernel takes at once
   * would read as a full socket and stop reading the client for nothing.
   */
  private put(buffers: readonly Buffer[]): boolean {
    const { stream } = this;
    const single = oneSlab(buffers);
    if (single >= 0) {
      stream.write(buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers, single));
      return stream.writableLength < stream.writableHighWaterMark;
    }
    stream.cork();
    let start = 0;
    let runBytes = 0;
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i]!;
      if (b.length >= LARGE_BYTES) {
        writeRun(stream, buffers, start, i, runBytes);
        stream.write(b);
        start = i + 1;
        runBytes = 0;
        continue;
      }
      if (runBytes + b.length > CONCAT_LIMIT) {
        writeRun(stream, buffers, start, i, runBytes);
        start = i;
        runBytes = 0;
      }
      runBytes += b.length;
    }
    writeRun(stream, buffers, start, buffers.length, runBytes);
    stream.uncork();
    return stream.writableLength < stream.writableHighWaterMark;
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

/** The total size when `buffers` go out as one slab (all small, 64 KiB at most together), else -1. */
function oneSlab(buffers: readonly Buffer[]): number {
  let total = 0;
  for (let i = 0; i < buffers.length; i++) {
    const n = buffers[i]!.length;
    if (n >= LARGE_BYTES && buffers.length > 1) return -1;
    total += n;
    if (total > CONCAT_LIMIT && buffers.length > 1) return -1;
  }
  return total;
}

/** Writes `buffers[start..end)` (small ones, `bytes` together) as one buffer; nothing when empty. */
function writeRun(stream: Duplex, buffers: readonly Buffer[], start: number, end: number, bytes: number): void {
  if (end - start === 1) stream.write(buffers[start]!);
  else if (end > start) stream.write(Buffer.concat(buffers.slice(start, end), bytes));
}
