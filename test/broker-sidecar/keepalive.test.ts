/**
 * The keepalive wheel (broker-sidecar/keepalive.ts) on a clock of our own: when a silent
 * connection is closed, that it never is before 1.5 × its Keep Alive [MQTT-3.1.2-24], and that
 * one wheel serves every connection. The broker-level behaviour over real sockets is in
 * connect.test.ts ("keepalive").
 */

import { describe, expect, it } from 'vitest';
import { Keepalive, KeepaliveWheel } from '../../broker-sidecar/keepalive';

/** A wheel that turns only when told, and a clock to move. */
function harness(startMs = 1_000_000) {
  let now = startMs;
  const wheel = new KeepaliveWheel(() => now, false);
  const expired: string[] = [];
  const paused = new Set<string>();
  const watch = (name: string, seconds: number): Keepalive => {
    const keepalive = new Keepalive(() => paused.has(name), () => expired.push(name), wheel);
    keepalive.start(seconds);
    return keepalive;
  };
  /** Moves the clock to `ms` after the start and ticks. */
  const at = (ms: number): void => {
    now = startMs + ms;
    wheel.tick();
  };
  const packet = (keepalive: Keepalive): void => void (keepalive.lastPacketAt = now);
  return { wheel, watch, at, packet, expired, paused };
}

describe('keepalive wheel', () => {
  it.each([
    // keepalive s, silent until ms after start: closed (1.5 × keepalive is the limit; a limit
    // inside a second is acted on at the first tick of the next whole second)
    [10, 14_999, false],
    [10, 15_000, true],
    [10, 15_999, true],
    [1, 1_499, false],
    [1, 1_999, false],
    [1, 2_000, true],
    [60, 89_000, false],
    [60, 90_000, true],
    [65_535, 98_302_999, false],
    [65_535, 98_303_000, true],
  ] as const)('keepalive %i s, silent for %i ms: closed = %s', (seconds, silentMs, closed) => {
    const h = harness();
    h.watch('c', seconds);
    // Ticks on the way (every second would be the real wheel; a few are enough to go through the re-filing).
    for (const ms of [500, silentMs / 3, silentMs / 2, silentMs - 1]) if (ms > 0 && ms < silentMs) h.at(Math.floor(ms));
    h.at(silentMs);
    expect(h.expired).toEqual(closed ? ['c'] : []);
  });

  it('never closes a connection whose packets keep coming, and closes it 1.5 × keepalive after the last one', () => {
    const h = harness();
    const k = h.watch('c', 10);
    for (let ms = 1000; ms <= 120_000; ms += 1000) {
      if (ms % 9000 === 0) h.packet(k); // every 9 s, within the 15 s limit
      h.at(ms);
    }
    expect(h.expired).toEqual([]);
    const last = k.lastPacketAt - 1_000_000;
    h.at(last + 14_999);
    expect(h.expired).toEqual([]);
    h.at(last + 15_000);
    expect(h.expired).toEqual(['c']);
    expect(h.wheel.size).toBe(0);
  });

  it('does not close a client while the broker stopped reading it (backpressure), and does once reading resumes and it stays silent', () => {
    const h = harness();
    h.watch('c', 2);
    h.paused.add('c');
    h.at(3_000);
    h.at(30_000);
    expect(h.expired).toEqual([]);
    h.paused.delete('c');
    h.at(32_999);
    expect(h.expired).toEqual([]);
    h.at(33_000); // a full limit after the tick that found it paused
    expect(h.expired).toEqual(['c']);
  });

  it('closes everything due when a tick comes late, each connection once', () => {
    const h = harness();
    for (let i = 1; i <= 50; i++) h.watch(`c${i}`, i);
    expect(h.wheel.size).toBe(50);
    h.at(200_000);
    expect(h.expired.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `c${i + 1}`).sort());
    expect(h.wheel.size).toBe(0);
  });

  it('forgets a stopped connection, and keepalive 0 supervises nothing', () => {
    const h = harness();
    const a = h.watch('a', 5);
    h.watch('b', 0);
    expect(h.wheel.size).toBe(1);
    a.stop();
    a.stop();
    expect(h.wheel.size).toBe(0);
    h.at(100_000);
    expect(h.expired).toEqual([]);
  });

  it('never closes before the limit, whatever the packet and tick times (seeded random schedule)', () => {
    let seed = 0x5eed;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const h = harness();
    const clients = Array.from({ length: 200 }, (_, i) => ({ name: `c${i}`, seconds: 1 + Math.floor(random() * 30), k: undefined as Keepalive | undefined, closedAt: -1 }));
    for (const c of clients) c.k = h.watch(c.name, c.seconds);
    let ms = 0;
    for (let step = 0; step < 3000; step++) {
      ms += Math.floor(random() * 700);
      for (const c of clients) if (c.closedAt < 0 && random() < 0.02) h.packet(c.k!);
      const before = h.expired.length;
      h.at(ms);
      for (const name of h.expired.slice(before)) {
        const c = clients.find((x) => x.name === name)!;
        c.closedAt = ms;
        // Closed only past 1.5 × keepalive since its last packet.
        expect(ms + 1_000_000 - c.k!.lastPacketAt).toBeGreaterThanOrEqual(c.seconds * 1500);
      }
      // And no later than the first tick in the whole second after its limit.
      for (const c of clients) if (c.closedAt < 0) expect(ms + 1_000_000).toBeLessThan(Math.ceil((c.k!.lastPacketAt + c.seconds * 1500) / 1000) * 1000);
    }
    expect(new Set(h.expired).size).toBe(h.expired.length); // each at most once
    expect(h.expired.length).toBeGreaterThan(0);
  });
});
