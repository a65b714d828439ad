/**
 * Durable persistence (mosquitto's `persistence true`): retained messages, durable sessions
 * (subscriptions, queued and in-flight QoS 1/2 messages, incoming QoS 2 state) and pending
 * delayed wills in a LevelDB directory (classic-level), written through on every change.
 *
 * Writes use LevelDB's default `sync: false`: when a batch's promise resolves, the change is
 * in LevelDB's log and handed to the OS with write(2), so it survives the broker process
 * being killed (SIGKILL, a crash). Only an OS crash or power loss could lose the last
 * batches; fsync per batch would cost a disk flush per acknowledgement for a debugging broker.
 *
 * `openPersistence` loads the whole store; the broker then takes it over (`restore`, the
 * session hooks, `close`). classic-level is imported on open only, so a broker without
 * persistence never loads the native module.
 */

import type { ClassicLevel } from 'classic-level';
import type { Will } from '../connection-state';
import type { Logger } from '../logger';
import type { ResolvedOptions } from '../options';
import { Session } from '../session';
import { JournaledRetainedStore } from './journaled-retained-store';
import { FORMAT_KEY, FORMAT_VERSION, encodeWill, keys } from './records';
import { buildSessions, readStore, type StoredState } from './restore';
import { SessionRecords } from './session-records';
import { WriteQueue, type AutosaveSettings, type DurabilityGate } from './write-queue';

/** The store cannot be used: locked by another broker, not a directory, another format. */
export class PersistenceError extends Error {}

/** A session brought back from the store, with when it went offline (for its expiry). */
export interface RestoredSession {
  session: Session;
  /** Epoch ms; the time of the restore for a session that was online when the broker stopped. */
  disconnectedAt: number;
}

/** A delayed will brought back from the store. */
export interface RestoredWill {
  clientId: string;
  will: Will;
  dueAt: number;
}

/** What `restore` put back, for the broker to resume timers and wills. */
export interface Restored {
  sessions: RestoredSession[];
  wills: RestoredWill[];
  retained: number;
}

/** An open store: the durability gate for output, and the hooks the broker calls. */
export class Persistence implements DurabilityGate {
  private readonly queue: WriteQueue;
  private loaded: StoredState | undefined;
  private closed = false;

  /** Use `openPersistence`. */
  constructor(
    /** The LevelDB directory. */
    readonly dir: string,
    private readonly db: ClassicLevel<string, string>,
    loaded: StoredState,
    private readonly log: Logger,
  ) {
    this.loaded = loaded;
    this.queue = new WriteQueue(
      (ops) => db.batch(ops),
      (error) => this.log({ level: 'error', clientId: undefined, message: `Persistence write to ${dir} failed: ${error.message}. Acknowledged messages may not survive a restart.` }),
    );
    for (const key of loaded.orphans) this.queue.del(key);
  }

  /** See DurabilityGate. */
  get pending(): boolean {
    return this.queue.pending;
  }

  /** See DurabilityGate. */
  afterDurable(fn: () => void): void {
    this.queue.afterDurable(fn);
  }

  /**
   * mosquitto's autosave_interval / autosave_on_changes: from now on changes are saved in
   * batches, not written through, and acknowledgements no longer wait for the store (a crash
   * loses what changed since the last save, as with mosquitto).
   */
  autosave(settings: AutosaveSettings): void {
    this.queue.autosave(settings);
  }

  /** Saves what changed since the last autosave now (mosquitto's SIGUSR1); nothing to do when writing through. */
  save(): void {
    this.queue.save();
  }

  /**
   * Puts the loaded sessions and retained messages into the broker's stores and makes the
   * retained store write through. Call once, before the router indexes the sessions.
   */
  restore(options: ResolvedOptions, now = Date.now(), newSession = (clientId: string, expiryInterval: number): Session => new Session(clientId, expiryInterval, options.maxQueuedMessages)): Restored {
    const loaded = this.loaded;
    if (!loaded) throw new Error('persistence already restored');
    this.loaded = undefined;
    for (const message of loaded.retained) options.retained.set(message);
    options.retained = new JournaledRetainedStore(options.retained, this.queue);
    const sessions: RestoredSession[] = [];
    for (const { session, records, disconnectedAt } of buildSessions(loaded, this.queue, newSession)) {
      session.journal = records;
      options.sessions.set(session);
      // Online when the broker stopped (a crash): offline from now on, also if it crashes again before the client is back.
      if (disconnectedAt === undefined) records.saveSession(session, now);
      sessions.push({ session, disconnectedAt: disconnectedAt ?? now });
    }
    return { sessions, wills: loaded.wills, retained: loaded.retained.length };
  }

  /**
   * A connection was accepted for the session. A session with a Session Expiry Interval
   * outlives its connection and is written; one with 0 ends with it and is not, and a
   * durable one resumed with 0 loses its records now (it cannot outlive this connection).
   */
  sessionOnline(session: Session): void {
    if (session.expiryInterval === 0) {
      if (session.journal instanceof SessionRecords) session.journal.deleteAll(session);
      session.journal = undefined;
      return;
    }
    if (session.journal instanceof SessionRecords) {
      session.journal.saveSession(session, undefined);
      return;
    }
    const records = new SessionRecords(this.queue, session.clientId);
    session.journal = records;
    records.saveAll(session);
  }

  /**
   * The session's connection closed and the session lives on [MQTT-3.1.2-23] (5.0): its expiry
   * counts from `at`, also across a restart.
   */
  sessionOffline(session: Session, at: number): void {
    if (session.journal instanceof SessionRecords) session.journal.saveSession(session, at);
  }

  /** The session ended: deletes its records. */
  sessionEnded(session: Session): void {
    if (session.journal instanceof SessionRecords) session.journal.deleteAll(session);
    session.journal = undefined;
  }

  /** A will waits for its delay; it is published at `dueAt` even if the broker restarts meanwhile. */
  willPending(clientId: string, will: Will, dueAt: number): void {
    this.queue.put(keys.will(clientId), JSON.stringify(encodeWill(clientId, will, dueAt)));
  }

  /** A pending will was published or cancelled. */
  willSettled(clientId: string): void {
    this.queue.del(keys.will(clientId));
  }

  /** Writes what is pending and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.stopAutosave();
    await this.queue.idle();
    await this.db.close();
  }
}

/**
 * Opens (creating when missing) the store in `dir` and reads it whole. Rejects with a
 * PersistenceError naming the directory when it cannot be used.
 */
export async function openPersistence(dir: string, log: Logger = () => {}): Promise<Persistence> {
  let ClassicLevel: typeof import('classic-level').ClassicLevel;
  try {
    ({ ClassicLevel } = await import('classic-level'));
  } catch (error) {
    throw new PersistenceError(`cannot open the persistence store in ${dir}: classic-level did not load (${(error as Error).message})`);
  }
  const db = new ClassicLevel<string, string>(dir, { createIfMissing: true });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code === 'LEVEL_LOCKED' ? 'it is in use by another broker' : (cause?.message ?? (error as Error).message);
    throw new PersistenceError(`cannot open the persistence store in ${dir}: ${why}`);
  }
  try {
    const format = await db.get(FORMAT_KEY);
    if (format === undefined) {
      await db.put(FORMAT_KEY, JSON.stringify({ version: FORMAT_VERSION }));
    } else {
      const version = (JSON.parse(format) as { version?: unknown }).version;
      if (version !== FORMAT_VERSION) throw new PersistenceError(`the persistence store in ${dir} has format version ${String(version)}; this broker reads version ${FORMAT_VERSION}`);
    }
    const loaded = await readStore(db);
    return new Persistence(dir, db, loaded, log);
  } catch (error) {
    await db.close().catch(() => undefined);
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`cannot read the persistence store in ${dir}: ${(error as Error).message}`);
  }
}
