/**
 * Acknowledgement flows: every QoS 1 and QoS 2 PUBLISH linked with its PUBACK, or PUBREC,
 * PUBREL and PUBCOMP, in both directions, and every SUBSCRIBE and UNSUBSCRIBE with its ack;
 * the time each step took; retransmissions (DUP PUBLISHes, repeated PUBRELs) counted with
 * their original. Packet identifiers are per sender [MQTT-2.2.1-3], so a flow is keyed by
 * the direction that opened it and its identifier. A flow ends complete, refused (a 5.0
 * reason code of 0x80 or more ends it [MQTT-4.3.2, 4.3.3]) or abandoned (its identifier was
 * reused, or a clean session dropped it); one still open after a timeout is flagged by the
 * view. State is kept in flat typed arrays: a million flows cost tens of megabytes, not hundreds.
 */

import type { MqttProtocolVersion } from '../packet-anatomy';
import { ackReasonOf, codeName, packetIdOf, subackCodesOf, T } from './packet-facts';

/** What opened a flow. */
export type FlowKind = 'QoS 1' | 'QoS 2' | 'SUBSCRIBE' | 'UNSUBSCRIBE';
/** How a flow stands; the view adds "timed out" for open flows older than its timeout. */
export type FlowStatus = 'open' | 'complete' | 'refused' | 'abandoned';

const KINDS: readonly FlowKind[] = ['QoS 1', 'QoS 2', 'SUBSCRIBE', 'UNSUBSCRIBE'];
const STATUSES: readonly FlowStatus[] = ['open', 'complete', 'refused', 'abandoned'];
const K_QOS1 = 0;
const K_QOS2 = 1;
const K_SUB = 2;
const K_UNSUB = 3;
const OPEN = 0;
const COMPLETE = 1;
const REFUSED = 2;
const ABANDONED = 3;

/** Steps per flow: the opening packet and at most three acknowledgements. */
export const MAX_STEPS = 4;
/** The packet type of each step, by kind. */
export const STEP_TYPES: Readonly<Record<FlowKind, readonly string[]>> = {
  'QoS 1': ['PUBLISH', 'PUBACK'],
  'QoS 2': ['PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP'],
  SUBSCRIBE: ['SUBSCRIBE', 'SUBACK'],
  UNSUBSCRIBE: ['UNSUBSCRIBE', 'UNSUBACK'],
};

/** One flow, read out of the table for display. */
export interface Flow {
  index: number;
  kind: FlowKind;
  /** Who sent the opening packet: 'out' the client, 'in' the broker. */
  direction: 'in' | 'out';
  packetId: number;
  status: FlowStatus;
  /** Sequence number and time of each step taken so far (the opening packet first). */
  steps: Array<{ type: string; seq: number; time: number }>;
  /** Repeated PUBLISHes (DUP) and PUBRELs, after the original. */
  retransmissions: number[];
  /** The ack's reason when it was not plain success (5.0 reason codes, 3.1.1 SUBACK failures). */
  reason: string | undefined;
  /** The opening PUBLISH carried DUP: its original was not in this capture. */
  startedAsDuplicate: boolean;
}

/** A step timing, reported for RTT statistics as the flows complete. */
export interface StepTiming {
  /** e.g. 'PUBLISH → PUBACK'. */
  step: string;
  /** Who sent the first packet of the step. */
  direction: 'in' | 'out';
  ms: number;
}

/** Flows of one connection's packets, fed in order. */
export class FlowTable {
  private capacity = 1024;
  private count = 0;
  private kind = new Uint8Array(this.capacity);
  private dir = new Uint8Array(this.capacity);
  private status = new Uint8Array(this.capacity);
  private steps = new Uint8Array(this.capacity);
  private flags = new Uint8Array(this.capacity);
  private ids = new Uint16Array(this.capacity);
  private reasonCodes = new Uint8Array(this.capacity);
  private seqs = new Float64Array(this.capacity * MAX_STEPS);
  private times = new Float64Array(this.capacity * MAX_STEPS);
  private readonly retransmitted = new Map<number, number[]>();
  /** Open flows by (opening direction, packet identifier). */
  private readonly open = new Map<number, number>();
  private version: MqttProtocolVersion = 4;
  /** Acks that matched no open flow (the capture began after their PUBLISH, or a peer erred). */
  orphans = 0;
  /** Open flows, counted as they change. */
  openCount = 0;

  /** `onTiming` hears every step's duration as it completes. */
  constructor(private readonly onTiming: (timing: StepTiming) => void = () => undefined) {}

  /** Number of flows. */
  get length(): number {
    return this.count;
  }

  /** A new session began: a clean one drops the flows still open [MQTT-3.1.2-4]. */
  session(version: MqttProtocolVersion, clean: boolean): void {
    this.version = version;
    if (!clean) return;
    for (const index of this.open.values()) this.status[index] = ABANDONED;
    this.openCount -= this.open.size;
    this.open.clear();
  }

  /** Takes one packet; `direction` 'out' is client → server. */
  add(bytes: Uint8Array, type: number, direction: 'in' | 'out', seq: number, time: number): void {
    const d = direction === 'out' ? 0 : 1;
    const other = 1 - d;
    const id = packetIdOf(bytes, type);
    if (id < 0) return;
    switch (type) {
      case T.PUBLISH:
        this.publish(bytes, d, id, seq, time);
        break;
      case T.SUBSCRIBE:
      case T.UNSUBSCRIBE:
        this.start(type === T.SUBSCRIBE ? K_SUB : K_UNSUB, d, id, seq, time, false);
        break;
      case T.PUBACK:
        this.ack(other, id, K_QOS1, 1, seq, time, ackReasonOf(bytes, this.version));
        break;
      case T.PUBREC:
        this.ack(other, id, K_QOS2, 1, seq, time, ackReasonOf(bytes, this.version));
        break;
      case T.PUBREL:
        this.ack(d, id, K_QOS2, 2, seq, time, ackReasonOf(bytes, this.version));
        break;
      case T.PUBCOMP:
        this.ack(other, id, K_QOS2, 3, seq, time, ackReasonOf(bytes, this.version));
        break;
      case T.SUBACK:
      case T.UNSUBACK: {
        const codes = type === T.SUBACK || this.version === 5 ? subackCodesOf(bytes, this.version) : [];
        const failed = codes.find((c) => c >= 0x80);
        this.ack(other, id, type === T.SUBACK ? K_SUB : K_UNSUB, 1, seq, time, failed ?? 0, failed !== undefined && codes.every((c) => c >= 0x80));
        break;
      }
    }
  }

  /** The flow at an index (0 = the first opened). */
  flow(index: number): Flow {
    const kind = KINDS[this.kind[index]!]!;
    const steps: Flow['steps'] = [];
    for (let s = 0; s < this.steps[index]!; s++) steps.push({ type: STEP_TYPES[kind][s]!, seq: this.seqs[index * MAX_STEPS + s]!, time: this.times[index * MAX_STEPS + s]! });
    const code = this.reasonCodes[index]!;
    // Bits 1–2 of the flags hold the step whose packet carried the reason.
    const ackType = STEP_TYPES[kind][this.flags[index]! >> 1] as 'PUBACK';
    return {
      index,
      kind,
      direction: this.dir[index] === 0 ? 'out' : 'in',
      packetId: this.ids[index]!,
      status: STATUSES[this.status[index]!]!,
      steps,
      retransmissions: this.retransmitted.get(index) ?? [],
      reason: code === 0 ? undefined : codeName(code, ackType, this.version),
      startedAsDuplicate: (this.flags[index]! & 1) !== 0,
    };
  }

  /** Status of a flow without building it (for filtering a million of them). */
  statusOf(index: number): FlowStatus {
    return STATUSES[this.status[index]!]!;
  }

  /** Time of a flow's latest step. */
  lastTime(index: number): number {
    return this.times[index * MAX_STEPS + this.steps[index]! - 1]!;
  }

  /** Indices of the flows still open, oldest first. */
  openIndices(): number[] {
    return [...this.open.values()].sort((a, b) => a - b);
  }

  /** Whether a flow has retransmissions. */
  retransmittedAt(index: number): boolean {
    return this.retransmitted.has(index) || (this.flags[index]! & 1) !== 0;
  }

  private publish(bytes: Uint8Array, d: number, id: number, seq: number, time: number): void {
    const qos = (bytes[0]! >> 1) & 3;
    const dup = (bytes[0]! & 8) !== 0;
    const existing = this.open.get(d * 65536 + id);
    if (existing !== undefined && dup && this.steps[existing] === 1) {
      this.retransmission(existing, seq);
      return;
    }
    this.start(qos === 1 ? K_QOS1 : K_QOS2, d, id, seq, time, dup);
  }

  private start(kind: number, d: number, id: number, seq: number, time: number, dup: boolean): void {
    const key = d * 65536 + id;
    const previous = this.open.get(key);
    if (previous !== undefined) {
      // The identifier came back while its flow was open: that flow will never complete.
      this.status[previous] = ABANDONED;
      this.openCount--;
    }
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.kind[i] = kind;
    this.dir[i] = d;
    this.ids[i] = id;
    this.status[i] = OPEN;
    this.steps[i] = 1;
    this.flags[i] = dup ? 1 : 0;
    this.reasonCodes[i] = 0;
    this.seqs[i * MAX_STEPS] = seq;
    this.times[i * MAX_STEPS] = time;
    this.open.set(key, i);
    this.openCount++;
  }

  private ack(d: number, id: number, kind: number, step: number, seq: number, time: number, reason: number, refusedAll = reason >= 0x80): void {
    const key = d * 65536 + id;
    const i = this.open.get(key);
    if (i === undefined || this.kind[i] !== kind) {
      this.orphans++;
      return;
    }
    const taken = this.steps[i]!;
    // A PUBREL sent again (after a reconnect) repeats step 2.
    if (step === 2 && taken === 3) {
      this.retransmission(i, seq);
      return;
    }
    if (step !== taken) {
      this.orphans++;
      return;
    }
    const at = i * MAX_STEPS + step;
    this.seqs[at] = seq;
    this.times[at] = time;
    this.steps[i] = step + 1;
    const types = STEP_TYPES[KINDS[kind]!];
    // Steps alternate senders: the opener sends steps 0 and 2, the other side 1 and 3.
    const sender = step % 2 === 1 ? d : 1 - d;
    this.onTiming({ step: `${types[step - 1]} → ${types[step]}`, direction: sender === 0 ? 'out' : 'in', ms: time - this.times[at - 1]! });
    if (reason !== 0) {
      this.reasonCodes[i] = reason;
      this.flags[i] = (this.flags[i]! & 1) | (step << 1);
    }
    const last = step === types.length - 1;
    if (refusedAll && reason >= 0x80) this.finish(key, i, REFUSED);
    else if (last) this.finish(key, i, COMPLETE);
  }

  private finish(key: number, index: number, status: number): void {
    this.status[index] = status;
    this.open.delete(key);
    this.openCount--;
  }

  private retransmission(index: number, seq: number): void {
    const list = this.retransmitted.get(index);
    if (list) list.push(seq);
    else this.retransmitted.set(index, [seq]);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <A extends Uint8Array | Uint16Array | Float64Array>(old: A, make: (n: number) => A, per = 1): A => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.dir = widen(this.dir, (n) => new Uint8Array(n));
    this.status = widen(this.status, (n) => new Uint8Array(n));
    this.steps = widen(this.steps, (n) => new Uint8Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
    this.ids = widen(this.ids, (n) => new Uint16Array(n));
    this.reasonCodes = widen(this.reasonCodes, (n) => new Uint8Array(n));
    this.seqs = widen(this.seqs, (n) => new Float64Array(n), MAX_STEPS);
    this.times = widen(this.times, (n) => new Float64Array(n), MAX_STEPS);
    this.capacity = capacity;
  }
}
