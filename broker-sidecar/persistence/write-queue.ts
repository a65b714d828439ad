/**
 * The write-through path to LevelDB: changes are collected into one batch per turn of the
 * event loop, batches are written one after another, and callbacks registered with
 * `afterDurable` run once every change made before them has been written. The connection's
 * output goes through `afterDurable` while writes are pending, so no acknowledgement (or
 * any other packet) leaves the broker before the state it reflects is in the store.
 */

/** One LevelDB batch operation, keys and values as UTF-8 strings. */
export type WriteOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** Where batches go: `ClassicLevel.batch`, narrowed to what the queue uses. */
export type BatchWriter = (ops: WriteOp[]) => Promise<void>;

/** What the connection's write path needs: whether to hold output, and how. */
export interface DurabilityGate {
  /** True while changes are waiting to be written (or are being written). */
  readonly pending: boolean;
  /** Runs `fn` once every change recorded so far is written; at once when nothing is pending. */
  afterDurable(fn: () => void): void;
}

/** Batches writes per event-loop turn and releases waiting callbacks in order. */
export class WriteQueue implements DurabilityGate {
  /** Changes not yet handed to LevelDB, and the callbacks waiting for them. */
  private ops: WriteOp[] = [];
  private waiting: Array<() => void> = [];
  /** Callbacks waiting for the batch being written; undefined when none is. */
  private writing: Array<() => void> | undefined;
  /** Callbacks being run; callbacks added meanwhile join the end so FIFO order holds. */
  private releasing: Array<() => void> | undefined;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param write writes one batch; `sync: false` is enough, see store.ts
   * @param onError told about a failed batch; its callbacks still run (the broker keeps serving)
   */
  constructor(
    private readonly write: BatchWriter,
    private readonly onError: (error: Error) => void,
  ) {}

  /** See DurabilityGate. */
  get pending(): boolean {
    return this.ops.length > 0 || this.writing !== undefined || this.releasing !== undefined;
  }

  /** Records a put. */
  put(key: string, value: string): void {
    this.ops.push({ type: 'put', key, value });
    this.schedule();
  }

  /** Records a delete. */
  del(key: string): void {
    this.ops.push({ type: 'del', key });
    this.schedule();
  }

  /** See DurabilityGate. */
  afterDurable(fn: () => void): void {
    if (this.ops.length > 0) this.waiting.push(fn);
    else if (this.writing) this.writing.push(fn);
    else if (this.releasing) this.releasing.push(fn);
    else fn();
  }

  /** Resolves once everything recorded so far is written and nothing is pending. */
  idle(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: the data of every socket read in this I/O phase joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.startBatch();
    });
  }

  private startBatch(): void {
    if (this.writing || this.ops.length === 0) return;
    const ops = this.ops;
    const after = this.waiting;
    this.ops = [];
    this.waiting = [];
    this.writing = after;
    this.write(ops).then(
      () => this.finish(after),
      (error: unknown) => {
        this.onError(error instanceof Error ? error : new Error(String(error)));
        this.finish(after);
      },
    );
  }

  private finish(after: Array<() => void>): void {
    this.writing = undefined;
    this.releasing = after;
    // Indexed loop: callbacks registered while releasing are appended and run in turn.
    for (let i = 0; i < after.length; i++) after[i]!();
    this.releasing = undefined;
    if (this.ops.length > 0) this.startBatch();
    else if (!this.pending) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
