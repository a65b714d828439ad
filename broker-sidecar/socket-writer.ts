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

/** Writes to one socket, in order, respecting its backpressure. */
export class SocketWriter {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private full = false;
  /** Corked until the end of this tick (see `write`). */
  private corked = false;

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
   * Writes encoded bytes, or queues them behind a full socket. `now` sends them (and what
   * is corked before them) at once instead of at the end of the tick: for acknowledgements,
   * which gate the sender's next message. A publisher keeping 100 QoS 1 messages in flight
   * gets each PUBACK as its PUBLISH is handled, not all 100 after the whole read. In the
   * broker bench (QoS 1 and 2 1→1 rows, 20,000 messages, median of 5, two runs each way)
   * QoS 1 1→1 went from 44,807 and 45,533 to 57,656 and 67,967 msgs/s.
   */
  write(bytes: Buffer, now = false): void {
    if (this.stream.destroyed) return;
    if (this.full) {
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
      return;
    }
    // Everything written in one turn of the event loop leaves in one writev, not a syscall
    // per packet: a fan-out or a burst of acks to one client costs one write.
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(this.uncork);
    }
    if (!this.stream.write(bytes)) {
      this.full = true;
      this.events.full();
    }
    if (now && this.corked) {
      this.corked = false;
      this.stream.uncork(); // the nextTick uncork already scheduled finds nothing corked, or the next cork
    }
  }

  /** Flushes the queue and ends the socket, destroying it if it will not flush in time. */
  end(): void {
    for (const bytes of this.queue) this.stream.write(bytes);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.stream.uncork();
  };

  private onDrain(): void {
    if (!this.full) return;
    let sent = 0;
    for (; sent < this.queue.length; sent++) {
      const bytes = this.queue[sent]!;
      this.queuedBytes -= bytes.length;
      if (!this.stream.write(bytes)) {
        this.queue.splice(0, sent + 1); // still full: wait for the next 'drain'
        return;
      }
    }
    this.queue.length = 0;
    this.full = false;
    this.events.drained();
  }
}
