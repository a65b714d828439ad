/**
 * The ingest bench's second source: a minimal MQTT server on 127.0.0.1 that replays
 * pre-encoded QoS 0 PUBLISHes to each subscriber as fast as the socket drains, with no
 * broker behind it. Through mosquitto the broker's own cost per message (as much as the
 * subscriber's on a 2-core VM) caps the rate; here nothing does but the subscriber, so the
 * ingest part measures the subscriber's own ceiling.
 *
 * It answers what a subscriber sends in the protocol version of its CONNECT (3.1, 3.1.1 or
 * 5.0): CONNACK, SUBACK (QoS 0 granted to every filter), UNSUBACK, PINGRESP, and closes on
 * DISCONNECT. Once the first SUBSCRIBE is acknowledged it writes the kind's births, if it has
 * any (Sparkplug NBIRTH, one per edge node, not counted), then `messages` PUBLISHes cycling
 * through a pool encoded once with mqtt-packet (the fleet's topics and payloads,
 * fleet-publisher.ts), waiting for 'drain' whenever the socket says so, then one marker
 * PUBLISH on {@link REPLAY_MARKER_TOPIC}. The pool cycles through whole sequences of every
 * topic, so Sparkplug seq numbers stay in order across cycles where the pool can hold 256 per
 * topic.
 *
 * The bench runs it as a child process (`--replay-feeder`), so its CPU is its own.
 */

import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { generate, parser as packetParser, type Packet } from 'mqtt-packet';
import { PAYLOAD_KINDS, topicName } from './fleet-publisher';

/** The topic of the PUBLISH written after the last replayed message (payload: the count, as text). */
export const REPLAY_MARKER_TOPIC = 'replay/done';

/** What the feeder replays to each subscriber. */
export interface ReplayPlan {
  topics: number;
  payloadKind: string;
  payloadBytes: number;
  /** PUBLISHes per subscriber, before the marker. */
  messages: number;
  /**
   * Most bytes per socket write (whole packets, at least one): 65,536 by default; 0 writes
   * each packet on its own, as a broker forwarding one message at a time does.
   */
  writeBytes?: number;
}

/** Pre-encoded PUBLISHes back to back, and where each starts (one more offset: the end). */
export interface ReplayPool {
  bytes: Buffer;
  offsets: Uint32Array;
}

/** Most messages a pool holds (a Sparkplug pool wants 256 per topic; 10,000 topics would be 300 MB). */
const POOL_CAP = 262_144;

/** How many messages the pool of a plan holds: whole rounds over the topics, 256 per topic for kinds with a sequence. */
export function poolSize(plan: ReplayPlan): number {
  const kind = PAYLOAD_KINDS[plan.payloadKind]!;
  const perTopic = kind.birth ? 256 : Math.max(1, Math.ceil(20_000 / plan.topics));
  return Math.min(plan.messages, Math.max(plan.topics, Math.min(POOL_CAP, plan.topics * perTopic)));
}

/** Encodes the pool of `plan` for `protocolVersion` with mqtt-packet: message n is the fleet publisher's message n. */
export function encodePool(plan: ReplayPlan, protocolVersion: number): ReplayPool {
  const kind = PAYLOAD_KINDS[plan.payloadKind];
  if (!kind) throw new Error(`Unknown payload kind ${plan.payloadKind}`);
  const count = poolSize(plan);
  const topics = Array.from({ length: plan.topics }, (_, i) => (kind.topic ? kind.topic(i) : topicName('fleet', i)));
  const packets: Buffer[] = [];
  const offsets = new Uint32Array(count + 1);
  let at = 0;
  for (let n = 0; n < count; n++) {
    const topic = n % plan.topics;
    const payload = kind.payload(n, topic, plan.topics, plan.payloadBytes);
    const packet = generate({ cmd: 'publish', topic: topics[topic]!, payload, qos: 0, dup: false, retain: false }, { protocolVersion });
    packets.push(packet);
    offsets[n] = at;
    at += packet.length;
  }
  offsets[count] = at;
  return { bytes: Buffer.concat(packets, at), offsets };
}

/** The births of a kind that has them (Sparkplug: one NBIRTH per edge node), encoded back to back; empty otherwise. */
export function encodeBirths(plan: ReplayPlan, protocolVersion: number): Buffer {
  const birth = PAYLOAD_KINDS[plan.payloadKind]?.birth;
  if (!birth) return Buffer.alloc(0);
  return Buffer.concat(
    Array.from({ length: plan.topics }, (_, i) => {
      const [topic, payload] = birth(i);
      return generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }, { protocolVersion });
    }),
  );
}

/** Bytes per socket write at most by default (many packets each; TCP does not care where they split). */
export const DEFAULT_WRITE_BYTES = 64 * 1024;

/** A running feeder server. */
export interface ReplayServer {
  port: number;
  /** Called when a subscriber has been written every message and the marker. */
  onFed?: (info: { messages: number; drainWaits: number }) => void;
  close(): Promise<void>;
}

/** Starts the feeder in this process (tests; the bench forks {@link startReplayFeeder}). */
export async function startReplayServer(plan: ReplayPlan): Promise<ReplayServer> {
  // A PUBLISH is encoded alike in 3.1 and 3.1.1; 5.0 adds the properties length. Both
  // pools are encoded before the server listens, so no round pays for them.
  const pools = new Map<number, ReplayPool & { births: Buffer }>([4, 5].map((v) => [v, { ...encodePool(plan, v), births: encodeBirths(plan, v) }]));
  const poolFor = (version: number) => pools.get(version === 5 ? 5 : 4)!;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const parser = packetParser();
    let version = 4;
    let feeding = false;
    const reply = (packet: Packet) => socket.write(generate(packet, { protocolVersion: version }));
    parser.on('error', () => socket.destroy());
    parser.on('packet', (packet: Packet) => {
      switch (packet.cmd) {
        case 'connect':
          version = packet.protocolVersion ?? 4;
          reply({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false } as Packet);
          break;
        case 'subscribe':
          reply({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 0) } as Packet);
          if (!feeding) {
            feeding = true;
            const pool = poolFor(version);
            void feed(socket, pool, plan.messages, version, plan.writeBytes ?? DEFAULT_WRITE_BYTES).then((info) => result.onFed?.(info), () => socket.destroy());
          }
          break;
        case 'unsubscribe':
          reply({ cmd: 'unsuback', messageId: packet.messageId, granted: [] } as unknown as Packet);
          break;
        case 'pingreq':
          reply({ cmd: 'pingresp' });
          break;
        case 'disconnect':
          socket.end();
          break;
        default:
          break;
      }
    });
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const result: ReplayServer = {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return result;
}

/** Writes `messages` PUBLISHes from `pool` to `socket`, honouring backpressure, then the marker. */
async function feed(socket: net.Socket, pool: ReplayPool & { births: Buffer }, messages: number, version: number, writeBytes: number): Promise<{ messages: number; drainWaits: number }> {
  const poolCount = pool.offsets.length - 1;
  let sent = 0;
  let drainWaits = 0;
  // Births first (Sparkplug), so aliases resolve as in a real session; not counted in `messages`.
  if (pool.births.length > 0 && !socket.write(pool.births)) {
    drainWaits++;
    await drained(socket);
  }
  while (sent < messages && !socket.destroyed) {
    // From message `sent` to the end of a writeBytes slice, the pool's end or the count, on packet boundaries.
    const index = sent % poolCount;
    const start = pool.offsets[index]!;
    let end = index + 1;
    const last = Math.min(poolCount, index + (messages - sent));
    while (end < last && pool.offsets[end + 1]! - start <= writeBytes) end++;
    sent += end - index;
    if (!socket.write(pool.bytes.subarray(start, pool.offsets[end]!))) {
      drainWaits++;
      await drained(socket);
    }
  }
  if (!socket.destroyed) socket.write(generate({ cmd: 'publish', topic: REPLAY_MARKER_TOPIC, payload: Buffer.from(String(sent)), qos: 0, dup: false, retain: false }, { protocolVersion: version }));
  return { messages: sent, drainWaits };
}

/** Resolves when `socket` drains or closes. */
function drained(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}

/** A feeder child process. */
export interface ReplayFeeder {
  pid: number;
  port: number;
  /** Resolves at the next subscriber fed in full. */
  nextFed(): Promise<{ messages: number; drainWaits: number }>;
  stop(): void;
}

/** Forks the bench bundle as a feeder (`--replay-feeder`) and waits for its port. */
export async function startReplayFeeder(plan: ReplayPlan): Promise<ReplayFeeder> {
  const child: ChildProcess = fork(process.argv[1]!, ['--replay-feeder', JSON.stringify(plan)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  type Fed = { messages: number; drainWaits: number };
  // Reports that came before anyone asked, and askers waiting for a report: a queue either way.
  const reports: Fed[] = [];
  const waiting: ((info: Fed) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The replay feeder exited with ${code}`)));
    child.on('message', (message: { port?: number; fed?: { messages: number; drainWaits: number } }) => {
      if (message.port) resolve(message.port);
      if (message.fed) {
        const waiter = waiting.shift();
        if (waiter) waiter(message.fed);
        else reports.push(message.fed);
      }
    });
  });
  return {
    pid: child.pid!,
    port,
    nextFed: () => {
      const report = reports.shift();
      return report ? Promise.resolve(report) : new Promise((resolve) => waiting.push(resolve));
    },
    stop: () => (child.exitCode === null ? void child.kill() : undefined),
  };
}

/** Runs the feeder when this process was started as one; returns whether it was. */
export function replayFeederMain(): boolean {
  const at = process.argv.indexOf('--replay-feeder');
  if (at < 0) return false;
  startReplayServer(JSON.parse(process.argv[at + 1]!) as ReplayPlan)
    .then((server) => {
      server.onFed = (fed) => process.send?.({ fed });
      process.send?.({ port: server.port });
      // The parent going away ends the feeder.
      process.once('disconnect', () => void server.close().then(() => process.exit(0)));
    })
    .catch((error: Error) => {
      console.error(error);
      process.exit(1);
    });
  return true;
}
