/**
 * The write-through path to LevelDB: changes are collected into one batch per turn of the
 * event loop, batches are written one after another, and callbacks registered with
 * `afterDurable` run once every change made before them has been written. The connection's
 * output goes through `afterDurable` while writes are pending, so no acknowledgement (or
 * any other packet) leaves the broker before the state it reflects is in the store.
 *
 * With mosquitto's autosave (`autosave`), changes are instead kept in memory, the last one
 * per key, and saved as one batch every autosave_interval seconds (or changes), on `save()`
 * (SIGUSR1) and at close; output is never held, as mosquitto acknowledges before it saves.
 */

/** mosquitto's autosave_interval and autosave_on_changes. */
export interface AutosaveSettings {
  /** Seconds between saves, or with `onChanges` the number of changes; 0: only at close and on `save()`. */
  interval: number;
  onChanges: boolean;
}

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
  /** Set in autosave mode: the latest change per key since the last save. */
  private held: Map<string, WriteOp> | undefined;
  private autosaveSettings: AutosaveSettings | undefined;
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param write writes one batch; `sync: false` is enough, see store.ts
   * @param onError told about a failed batch; its callbacks still run (the broker keeps serving)
   */
  constructor(
    private readonly write: BatchWriter,
    private readonly onError: (error: Error) => void,
  ) {}

  /** See DurabilityGate. Always false in autosave mode: nothing waits for the store. */
  get pending(): boolean {
    if (this.held) return false;
    return this.busy;
  }

  private get busy(): boolean {
    return this.ops.length > 0 || this.writing !== undefined || this.releasing !== undefined;
  }

  /** Switches to mosquitto's autosave: changes are saved in batches from now on (see the file comment). */
  autosave(settings: AutosaveSettings): void {
    this.held = new Map();
    this.autosaveSettings = settings;
    if (settings.interval > 0 && !settings.onChanges) {
      this.timer = setInterval(() => this.save(), settings.interval * 1000);
      this.timer.unref();
    }
  }

  /** Stops the autosave timer (at close; `idle()` then saves what is left). */
  stopAutosave(): void {
    clearInterval(this.timer);
  }

  /** In autosave mode: writes what changed since the last save now. */
  save(): void {
    if (!this.held || this.held.size === 0) return;
    this.ops.push(...this.held.values());
    this.held.clear();
    this.changes = 0;
    this.schedule();
  }

  /** Records a put. */
  put(key: string, value: string): void {
    this.record({ type: 'put', key, value });
  }

  /** Records a delete. */
  del(key: string): void {
    this.record({ type: 'del', key });
  }

  private record(op: WriteOp): void {
    const held = this.held;
    if (!held) {
      this.ops.push(op);
      this.schedule();
      return;
    }
    held.delete(op.key); // re-inserted last: the batch keeps the order of the latest changes
    held.set(op.key, op);
    const settings = this.autosaveSettings!;
    if (settings.onChanges && settings.interval > 0 && ++this.changes >= settings.interval) this.save();
  }

  /** See DurabilityGate. */
  afterDurable(fn: () => void): void {
    if (this.held) fn();
    else if (this.ops.length > 0) this.waiting.push(fn);
    else if (this.writing) this.writing.push(fn);
    else if (this.releasing) this.releasing.push(fn);
    else fn();
  }

  /** Resolves once everything recorded so far is written (saved first in autosave mode) and nothing is pending. */
  idle(): Promise<void> {
    this.save();
    if (!this.busy) return Promise.resolve();
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
    else if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
