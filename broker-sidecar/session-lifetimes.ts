/**
 * What outlives a connection, on timers: offline sessions until their expiry, and delayed
 * wills until their delay ends (or the session does, whichever is first [MQTT-3.1.3-9]).
 * Also what a restart brings back of both (`resume`). The broker owns the sessions and the
 * routing; this owns only the timers and when they fire.
 */

import type { Will } from './connection-state';
import type { Logger } from './logger';
import type { Persistence, Restored } from './persistence/store';
import type { Session } from './session';
import { isSysTopic } from './sys-topics';
import { SESSION_NEVER_EXPIRES, type Message } from './types';

/** Longest timer Node supports; longer session expiries are treated as "never". */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/** What the timers act on: the broker's side. */
export interface LifetimeHost {
  readonly log: Logger;
  readonly durability: Persistence | undefined;
  /** mosquitto's persistent_client_expiration in seconds; 0 for none. */
  readonly persistentClientExpiration: number;
  /** Routes a will (retained storage included). */
  publish(message: Message): void;
  /** Deletes an expired session from the store and the routing index. */
  endSession(session: Session): void;
  /** A session expired: forget its client unless it is online again. */
  expired(clientId: string): void;
}

/** The expiry timers of offline sessions and the timers of delayed wills. */
export class SessionLifetimes {
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly pendingWills = new Map<string, { will: Will; timer: NodeJS.Timeout }>();

  constructor(private readonly host: LifetimeHost) {}

  /** A client is back: stops its session's expiry and settles a pending will (published when the session starts clean). */
  reconnecting(clientId: string, cleanStart: boolean): void {
    clearTimeout(this.expiryTimers.get(clientId));
    this.expiryTimers.delete(clientId);
    const will = this.takeWill(clientId);
    // Reconnecting before the delay cancels the will [MQTT-3.1.3-9]; a clean start ends the old session, which releases it.
    if (will && cleanStart) this.publishWill(will);
  }

  /** How long a session outlives its connection: its own interval, cut to persistent_client_expiration when that is set. */
  offlineLifetime(expiryInterval: number): number {
    const cap = this.host.persistentClientExpiration;
    return cap > 0 && cap < expiryInterval ? cap : expiryInterval;
  }

  /** Starts the expiry of a session whose connection ended `expiry` seconds from now (none when it never expires). */
  sessionOffline(session: Session, expiry: number): void {
    if (expiry === SESSION_NEVER_EXPIRES || expiry > MAX_TIMER_SECONDS) return;
    this.armExpiry(session, expiry * 1000);
  }

  /** Publishes a will now, or after its delay when the session outlives the connection; `now` publishes at once (broker closing). */
  scheduleWill(clientId: string, will: Will, sessionExpiry: number, now = false): void {
    const delay = Math.min(will.delaySeconds, sessionExpiry); // whichever ends first [MQTT-3.1.3-9]
    if (delay <= 0 || now) {
      this.publishWill(will); // [MQTT-3.1.2-8]
      return;
    }
    this.armWill(clientId, will, Math.min(delay, MAX_TIMER_SECONDS) * 1000);
    this.host.durability?.willPending(clientId, will, Date.now() + delay * 1000);
  }

  /** After a restore: publishes wills that fell due, re-arms the others and the expiry of offline sessions. */
  resume(restored: Restored): void {
    const now = Date.now();
    for (const { clientId, will, dueAt } of restored.wills) {
      if (dueAt <= now) {
        this.host.durability?.willSettled(clientId);
        this.publishWill(will); // its delay ran out while the broker was down [MQTT-3.1.3-9]
        continue;
      }
      this.armWill(clientId, will, Math.min(dueAt - now, MAX_TIMER_SECONDS * 1000));
    }
    for (const { session, disconnectedAt } of restored.sessions) {
      const expiry = this.offlineLifetime(session.expiryInterval);
      if (expiry === SESSION_NEVER_EXPIRES || expiry > MAX_TIMER_SECONDS) continue;
      // The Session Expiry Interval counts from the disconnect, not from the restart (5.0 §3.1.2.11.2).
      const left = disconnectedAt + expiry * 1000 - now;
      if (left <= 0) {
        this.expireSession(session.clientId, session);
        continue;
      }
      this.armExpiry(session, left);
    }
  }

  /** Stops every timer (broker shutdown). */
  clear(): void {
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    for (const { timer } of this.pendingWills.values()) clearTimeout(timer);
    this.expiryTimers.clear();
    this.pendingWills.clear();
  }

  /** Ends an offline session after `ms` unless its client comes back first. */
  private armExpiry(session: Session, ms: number): void {
    const timer = setTimeout(() => this.expireSession(session.clientId, session), ms);
    timer.unref();
    this.expiryTimers.set(session.clientId, timer);
  }

  private expireSession(clientId: string, session: Session): void {
    this.expiryTimers.delete(clientId);
    this.host.endSession(session);
    this.host.expired(clientId);
    const will = this.takeWill(clientId);
    if (will) this.publishWill(will); // the session ended first [MQTT-3.1.3-9]
    this.host.log({ level: 'info', clientId, message: `Session of ${clientId} expired.` });
  }

  /** Takes a pending will off its timer and out of the store; undefined when there is none. */
  private takeWill(clientId: string): Will | undefined {
    const pending = this.pendingWills.get(clientId);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.pendingWills.delete(clientId);
    this.host.durability?.willSettled(clientId);
    return pending.will;
  }

  /** Publishes a pending will after `ms`, unless a reconnect or the session's end settles it first. */
  private armWill(clientId: string, will: Will, ms: number): void {
    const timer = setTimeout(() => {
      this.pendingWills.delete(clientId);
      this.host.durability?.willSettled(clientId);
      this.publishWill(will);
    }, ms);
    timer.unref();
    this.pendingWills.set(clientId, { will, timer });
  }

  private publishWill(will: Will): void {
    const { log } = this.host;
    if (isSysTopic(will.message.topic)) {
      // Only the broker writes $SYS; a will there is refused like a PUBLISH there (handlers/publish.ts).
      log({ level: 'notice', clientId: will.message.senderId, message: `Denied will on '${will.message.topic}': $SYS is written by the broker only.` });
      return;
    }
    const expiresAt = will.expirySeconds === undefined ? undefined : Date.now() + will.expirySeconds * 1000;
    log({ level: 'info', clientId: will.message.senderId, message: `Publishing will on '${will.message.topic}'.` });
    this.host.publish({ ...will.message, expiresAt });
  }
}
