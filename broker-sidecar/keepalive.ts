/**
 * Keepalive supervision: a connection without a packet for 1.5 × its Keep Alive is closed
 * [MQTT-3.1.2-24] (3.1.1; 5.0: [MQTT-3.1.2-22]).
 *
 * One wheel for every connection instead of a timer each: a 1-second tick (as mosquitto
 * checks its clients) looks only at the connections due in that second, kept in buckets by
 * due second. The read path just notes the time of the last packet; nothing is re-armed per
 * packet, and a fleet of 10,000 connections costs one timer, not 10,000 Timeout objects in
 * Node's timer lists. A connection is closed less than two seconds after its limit (the rest
 * of that second, then up to a tick), never before.
 */

/** Tick of the shared wheel. */
const TICK_MS = 1000;

/** The wheel: connections by the second their limit may be reached, checked once a second. */
export class KeepaliveWheel {
  private readonly buckets = new Map<number, Set<Keepalive>>();
  /** Every second up to this one has been checked. */
  private checkedSecond: number;
  private timer: NodeJS.Timeout | undefined;
  private supervised = 0;

  /**
   * @param now the clock (epoch ms); tests pass their own
   * @param autoTick false: nothing runs by itself, the owner calls `tick` (tests)
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly autoTick = true,
  ) {
    this.checkedSecond = Math.floor(now() / TICK_MS);
  }

  /** Connections under supervision (for tests and introspection). */
  get size(): number {
    return this.supervised;
  }

  /** The wheel's clock, epoch ms. */
  clock(): number {
    return this.now();
  }

  /** Files `entry` under the second its limit may be reached. */
  schedule(entry: Keepalive, dueMs: number): void {
    if (this.autoTick && this.timer === undefined) {
      // Nothing supervised until now (so no buckets): the wheel starts turning from this second.
      this.checkedSecond = Math.floor(this.now() / TICK_MS);
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    // Never a second already checked: a late tick would otherwise skip it.
    const second = Math.max(Math.ceil(dueMs / TICK_MS), this.checkedSecond + 1);
    entry.dueSecond = second;
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = new Set()));
    bucket.add(entry);
    this.supervised++;
  }

  /** Takes `entry` off the wheel. */
  unschedule(entry: Keepalive): void {
    const bucket = this.buckets.get(entry.dueSecond);
    if (!bucket?.delete(entry)) return;
    if (bucket.size === 0) this.buckets.delete(entry.dueSecond);
    if (--this.supervised === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Checks every second up to now: closes the connections past their limit, files the others again. */
  tick(): void {
    const nowMs = this.now();
    const until = Math.floor(nowMs / TICK_MS);
    for (let second = this.checkedSecond + 1; second <= until; second++) {
      const bucket = this.buckets.get(second);
      if (!bucket) continue;
      this.buckets.delete(second);
      this.supervised -= bucket.size;
      for (const entry of bucket) entry.check(nowMs);
    }
    this.checkedSecond = until;
    if (this.supervised === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** The broker's wheel, shared by every connection of the process. */
const shared = new KeepaliveWheel();

/** Watches the time since one connection's last packet; `expired` runs once the limit passes. */
export class Keepalive {
  /** Epoch ms of the last packet read; the read path sets it. */
  lastPacketAt = Date.now();
  /** The wheel's bucket this entry is in (KeepaliveWheel only). */
  dueSecond = 0;
  private limitMs = 0;
  private active = false;

  /**
   * @param paused true while we stopped reading for backpressure: then the client is not idle, we are
   * @param expired called when the client stayed silent too long
   * @param wheel the wheel to use; the broker's shared one unless a test brings its own
   */
  constructor(
    private readonly paused: () => boolean,
    private readonly expired: () => void,
    private readonly wheel: KeepaliveWheel = shared,
  ) {}

  /** Starts supervision for a Keep Alive in seconds; 0 switches it off. */
  start(seconds: number): void {
    if (seconds <= 0) return;
    this.stop();
    this.limitMs = seconds * 1500;
    this.lastPacketAt = this.wheel.clock();
    this.active = true;
    this.wheel.schedule(this, this.lastPacketAt + this.limitMs);
  }

  /** Stops supervision (the connection closed). */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.wheel.unschedule(this);
  }

  /** The wheel reached this entry's second (it is off the wheel now). */
  check(nowMs: number): void {
    if (!this.active) return;
    if (this.paused()) {
      this.wheel.schedule(this, nowMs + this.limitMs);
      return;
    }
    const dueMs = this.lastPacketAt + this.limitMs;
    if (nowMs < dueMs) {
      this.wheel.schedule(this, dueMs);
      return;
    }
    this.active = false;
    this.expired();
  }
}
