/**
 * Keepalive supervision of one connection: no packet within 1.5 × the Keep Alive closes it
 * [MQTT-3.1.2-24] (3.1.1; 5.0: [MQTT-3.1.2-22]). One timer per connection, re-armed lazily,
 * instead of a reset per packet: the read path only notes the time.
 */

/** Watches the time since the last packet; `expired` runs once the limit passes. */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  private limitMs = 0;
  /** Epoch ms of the last packet read; the read path sets it. */
  lastPacketAt = Date.now();

  /**
   * @param paused true while we stopped reading for backpressure: then the client is not idle, we are
   * @param expired called when the client stayed silent too long
   */
  constructor(
    private readonly paused: () => boolean,
    private readonly expired: () => void,
  ) {}

  /** Starts supervision for a Keep Alive in seconds; 0 switches it off. */
  start(seconds: number): void {
    if (seconds <= 0) return;
    this.limitMs = seconds * 1500;
    this.lastPacketAt = Date.now();
    this.arm(this.limitMs);
  }

  /** Stops supervision (the connection closed). */
  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastPacketAt;
      if (this.paused() || idle < this.limitMs) {
        this.arm(this.paused() ? this.limitMs : this.limitMs - idle);
        return;
      }
      this.expired();
    }, ms);
    this.timer.unref?.();
  }
}
