/**
 * Keepalive per session (CONNECT to DISCONNECT or the next CONNECT): the keepalive in force
 * (the CONNECT's, or the 5.0 CONNACK's Server Keep Alive, which replaces it [MQTT-3.2.2-21]),
 * every PINGREQ with the silence before it and its PINGRESP's round trip, and each moment a
 * broker would have closed the connection: one and a half keepalives after the client's last
 * packet, when nothing came by then [MQTT-3.1.2-24]. Any control packet from the client
 * counts, not only PINGREQ [MQTT-3.1.2-23].
 */

/** One PINGREQ. */
export interface Ping {
  seq: number;
  time: number;
  /** Milliseconds since the client's previous packet. */
  silence: number;
  /** Milliseconds until its PINGRESP; undefined while none came. */
  rtt: number | undefined;
}

/** A moment the broker would have dropped the client. */
export interface KeepaliveDrop {
  /** When: the client's last packet plus 1.5 × keepalive. */
  at: number;
  /** The client's last packet before it. */
  afterSeq: number;
  /** How long the client then stayed silent (until its next packet, or the end of the session). */
  silence: number;
}

/** One session's keepalive. */
export interface KeepaliveSession {
  connectSeq: number;
  connectTime: number;
  /** What the CONNECT asked for, in seconds (0: off). */
  requested: number;
  /** The 5.0 CONNACK's Server Keep Alive, when it sent one. */
  serverKeepAlive: number | undefined;
  /** The keepalive in force, in seconds. */
  keepalive: number;
  pings: Ping[];
  drops: KeepaliveDrop[];
  /** Longest the client stayed silent between two of its packets, in milliseconds. */
  longestSilence: number;
  /** Time and sequence number of the client's latest packet. */
  lastClientTime: number;
  lastClientSeq: number;
  /** How the session ended, when it did. */
  end: { seq: number; time: number; by: 'DISCONNECT' | 'CONNECT' } | undefined;
}

/** Follows keepalive through one connection's packets. */
export class KeepaliveTracker {
  readonly sessions: KeepaliveSession[] = [];
  private waiting: Ping[] = [];

  /** `onPing` hears every PINGREQ → PINGRESP round trip. */
  constructor(private readonly onPing: (rttMs: number) => void = () => undefined) {}

  /** The current session, if a CONNECT was seen. */
  get current(): KeepaliveSession | undefined {
    const last = this.sessions[this.sessions.length - 1];
    return last && !last.end ? last : undefined;
  }

  /** A CONNECT from the client. */
  connect(seq: number, time: number, keepalive: number): void {
    const previous = this.current;
    if (previous) this.close(previous, seq, time, 'CONNECT');
    this.waiting = [];
    this.sessions.push({
      connectSeq: seq,
      connectTime: time,
      requested: keepalive,
      serverKeepAlive: undefined,
      keepalive,
      pings: [],
      drops: [],
      longestSilence: 0,
      lastClientTime: time,
      lastClientSeq: seq,
      end: undefined,
    });
  }

  /** The CONNACK's Server Keep Alive (5.0), when present. */
  serverKeepAlive(seconds: number): void {
    const session = this.current;
    if (!session) return;
    session.serverKeepAlive = seconds;
    session.keepalive = seconds;
  }

  /** Any other packet; `type` is its type number. */
  packet(type: number, direction: 'in' | 'out', seq: number, time: number): void {
    const session = this.current;
    if (!session) return;
    if (direction === 'in') {
      if (type === 13) {
        const ping = this.waiting.shift();
        if (ping) {
          ping.rtt = time - ping.time;
          this.onPing(ping.rtt);
        }
      }
      return;
    }
    const silence = this.clientSpoke(session, seq, time);
    if (type === 12) {
      const ping: Ping = { seq, time, silence, rtt: undefined };
      session.pings.push(ping);
      this.waiting.push(ping);
    } else if (type === 14) this.close(session, seq, time, 'DISCONNECT');
  }

  /**
   * The moment the broker would drop a client that is still silent at `now` (live
   * connections, or the end of a capture), or undefined while it is within its keepalive.
   */
  pendingDrop(now: number): KeepaliveDrop | undefined {
    const session = this.current;
    if (!session || session.keepalive === 0) return undefined;
    const at = session.lastClientTime + session.keepalive * 1500;
    return now > at ? { at, afterSeq: session.lastClientSeq, silence: now - session.lastClientTime } : undefined;
  }

  private clientSpoke(session: KeepaliveSession, seq: number, time: number): number {
    const silence = time - session.lastClientTime;
    if (silence > session.longestSilence) session.longestSilence = silence;
    if (session.keepalive > 0 && silence > session.keepalive * 1500) {
      session.drops.push({ at: session.lastClientTime + session.keepalive * 1500, afterSeq: session.lastClientSeq, silence });
    }
    session.lastClientTime = time;
    session.lastClientSeq = seq;
    return silence;
  }

  /** Ends a session; a CONNECT ends it where the connection it ran on ended, which the packets do not show. */
  private close(session: KeepaliveSession, seq: number, time: number, by: 'DISCONNECT' | 'CONNECT'): void {
    session.end = { seq, time, by };
  }
}
