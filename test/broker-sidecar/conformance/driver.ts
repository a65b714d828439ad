/**
 * Runs conformance cases over real sockets: each connection of a case writes its frames in
 * one go (pipelined, as a device may), then either waits for the broker to close it, or
 * proves it is still open and that nothing else came by sending PINGREQ and taking every
 * frame before the PINGRESP. Received bytes are cut into frames and compared with what the
 * case expects: exact hex, or a refusal (CONNACK/DISCONNECT with a reason code and a Reason
 * String naming a rule), or a predicate for the few answers a case cannot know byte for byte.
 */

import net from 'node:net';
import type { Version } from './frames';

/** What one received frame must be. */
export type Expected =
  /** Exactly these bytes, hex. */
  | string
  /** A 5.0 CONNACK or DISCONNECT refusing with `code` and a Reason String starting with `rule` as formatted ("[MQTT-…]"). */
  | { refused: 'CONNACK' | 'DISCONNECT'; code: number; rule: string }
  /** A frame this predicate accepts; `says` describes it for the failure message. */
  | { says: string; test: (frame: Buffer) => boolean };

/** One connection of a case. */
export interface CaseConnection {
  /** Frames written at once, hex; the first is usually a CONNECT. */
  send: string[];
  expect: Expected[];
  /**
   * 'closed': the broker must close after the expected frames. 'open': it must not; PINGREQ
   * proves it and bounds what arrived, then the driver sends DISCONNECT. 'drop': as 'open',
   * then the driver drops the socket without DISCONNECT (a will is due).
   */
  then: 'closed' | 'open' | 'drop' | 'hold';
  /**
   * For 'hold': the connection stays open while the case's later connections run; then what it
   * received after the PINGRESP must be `expect`, and it must have been closed when `closed`.
   */
  afterwards?: { expect: Expected[]; closed: boolean };
}

/** One row of a conformance table. */
export interface ConformanceCase {
  name: string;
  version: Version;
  /** Normative statements (`MQTT-3.1.2-22`, of this version's numbering) or sections (`§3.8.3.1`) the case shows the broker keeps. */
  rules: string[];
  /** Which broker the case runs against (see conformance.test.ts); default 'default'. */
  broker?: string;
  /** Run one after the other. */
  connections: CaseConnection[];
  /** A 5.0 client subscribed to `filter` (QoS 0) before the case starts; after it, the PUBLISHes it got must be `expect`. */
  watch?: { filter: string; expect: string[] };
}

/** Generous guard against a hang; never a measure of speed. */
const HANG_GUARD_MS = 15_000;

/** The frames in a byte stream (whole frames; a trailing partial one is returned as is). */
export function splitFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    let length = 0;
    let multiplier = 1;
    let i = at + 1;
    for (; i < data.length && i < at + 5; i++) {
      length += (data[i]! & 0x7f) * multiplier;
      multiplier *= 128;
      if ((data[i]! & 0x80) === 0) break;
    }
    const end = i + 1 + length;
    if (i >= data.length || end > data.length) {
      frames.push(data.subarray(at));
      break;
    }
    frames.push(data.subarray(at, end));
    at = end;
  }
  return frames;
}

/** The Reason String of a 5.0 CONNACK or DISCONNECT frame, if it has one. */
function reasonString(frame: Buffer): { code: number; text: string | undefined } {
  let at = 1;
  while (frame[at]! & 0x80) at++;
  at++;
  if ((frame[0]! & 0xf0) === 0x20) at++; // CONNACK: the acknowledge flags come first
  const code = frame[at++]!;
  let propertiesLength = 0;
  let multiplier = 1;
  while (at < frame.length) {
    const b = frame[at++]!;
    propertiesLength += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) break;
  }
  const end = at + propertiesLength;
  while (at < end) {
    const id = frame[at]!;
    if (id === 0x1f) return { code, text: frame.toString('utf8', at + 3, at + 3 + frame.readUInt16BE(at + 1)) };
    return { code, text: undefined }; // the broker sends the Reason String alone
  }
  return { code, text: undefined };
}

/** Why `frame` is not what `expected` says, or undefined when it is. */
export function mismatch(frame: Buffer | undefined, expected: Expected | undefined): string | undefined {
  if (expected === undefined) return frame === undefined ? undefined : `unexpected frame ${frame.toString('hex')}`;
  if (frame === undefined) return `missing frame: ${describe(expected)}`;
  if (typeof expected === 'string') return frame.toString('hex') === expected ? undefined : `got ${frame.toString('hex')}, expected ${expected}`;
  if ('test' in expected) return expected.test(frame) ? undefined : `got ${frame.toString('hex')}, expected ${expected.says}`;
  const type = expected.refused === 'CONNACK' ? 0x20 : 0xe0;
  if (frame[0] !== type) return `got ${frame.toString('hex')}, expected ${describe(expected)}`;
  const { code, text } = reasonString(frame);
  if (code !== expected.code) return `got reason code 0x${code.toString(16)} in ${frame.toString('hex')}, expected ${describe(expected)}`;
  if (!text?.startsWith(`${expected.rule} `)) return `got Reason String ${JSON.stringify(text)}, expected it to start with ${expected.rule}`;
  return undefined;
}

function describe(expected: Expected): string {
  if (typeof expected === 'string') return expected;
  if ('test' in expected) return expected.says;
  return `${expected.refused} 0x${expected.code.toString(16)} naming ${expected.rule}`;
}

/** A socket to the broker that keeps everything it receives. */
class Wire {
  private chunks: Buffer[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to the broker on 127.0.0.1. */
  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  /** Everything received so far. */
  get data(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Waits until `done(data, closed)`; a close before that, or the hang guard, rejects naming `what`. */
  until(done: (data: Buffer, closed: boolean) => boolean, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Error(`hang guard: ${HANG_GUARD_MS} ms without ${what}; received ${this.data.toString('hex') || 'nothing'}`));
      }, HANG_GUARD_MS);
      const check = (): void => {
        if (done(this.data, this.closed)) {
          clearTimeout(timer);
          this.wake = undefined;
          resolve(this.data);
        } else if (this.closed) {
          clearTimeout(timer);
          this.wake = undefined;
          reject(new Error(`the broker closed the connection while waiting for ${what}; received ${this.data.toString('hex') || 'nothing'}`));
        }
      };
      this.wake = check;
      check();
    });
  }
}

/** Frames before the first PINGRESP at or after frame `from` (the case's own frames come first), when one has arrived. */
function beforeMarker(data: Buffer, from = 0): Buffer[] | undefined {
  const frames = splitFrames(data);
  const marker = frames.findIndex((f, i) => i >= from && f.length === 2 && f[0] === 0xd0 && f[1] === 0x00);
  return marker < 0 ? undefined : frames.slice(0, marker);
}

/** Compares frames with what is expected; throws listing every difference. */
function compare(frames: Buffer[], expected: Expected[], where: string): void {
  const problems: string[] = [];
  for (let i = 0; i < Math.max(frames.length, expected.length); i++) {
    const problem = mismatch(frames[i], expected[i]);
    if (problem) problems.push(`frame ${i + 1}: ${problem}`);
  }
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
}

/** Runs one connection of a case; a held one is returned open. */
async function runConnection(port: number, c: CaseConnection, where: string): Promise<Wire | undefined> {
  const wire = await Wire.open(port);
  try {
    wire.socket.write(Buffer.concat(c.send.map((h) => Buffer.from(h, 'hex'))));
    if (c.then === 'closed') {
      compare(splitFrames(await wire.until((_data, closed) => closed, 'the broker to close the connection')), c.expect, where);
      return;
    }
    // Wait for what the case expects to have been answered, then mark the end with PINGREQ.
    await wire.until((d) => splitFrames(d).length >= c.expect.length, `${c.expect.length} frame(s)`);
    wire.socket.write(Buffer.from([0xc0, 0x00]));
    const data = await wire.until((d) => beforeMarker(d, c.expect.length) !== undefined, 'the PINGRESP that proves the connection is still open');
    compare(beforeMarker(data, c.expect.length)!, c.expect, where);
    if (c.then === 'open') wire.socket.end(Buffer.from([0xe0, 0x00]));
    if (c.then === 'hold') return wire;
  } catch (error) {
    wire.socket.destroy();
    throw error;
  } finally {
    if (c.then === 'drop' || c.then === 'closed') wire.socket.destroy();
  }
  return undefined;
}

/** Checks a held connection after the case's later connections ran. */
async function checkHeld(wire: Wire, c: CaseConnection, where: string): Promise<void> {
  try {
    const marked = splitFrames(wire.data).findIndex((f, i) => i >= c.expect.length && f[0] === 0xd0);
    const after = (d: Buffer): Buffer[] => splitFrames(d).slice(marked + 1);
    const want = c.afterwards ?? { expect: [], closed: false };
    const data = await wire.until((d, closed) => (want.closed ? closed : after(d).length >= want.expect.length), want.closed ? 'the broker to close the held connection' : 'frames on the held connection');
    compare(after(data), want.expect, `${where} (held connection)`);
  } finally {
    wire.socket.destroy();
  }
}

/** Runs a whole case: watcher first when there is one, then each connection in turn. */
export async function runCase(port: number, index: number, kase: ConformanceCase): Promise<void> {
  const where = `case #${index} (MQTT ${kase.version === 5 ? '5.0' : kase.version === 4 ? '3.1.1' : '3.1'}) ${kase.name}`;
  let watcher: Wire | undefined;
  let watchFrom = 0;
  if (kase.watch) {
    watcher = await Wire.open(port);
    const id = Buffer.from(`watch-${index}`);
    const filter = Buffer.from(kase.watch.filter);
    const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([5, 2, 0, 60, 0, 0, id.length]), id]);
    const subscribeBody = Buffer.concat([Buffer.from([0, 1, 0, 0, filter.length]), filter, Buffer.from([0])]);
    watcher.socket.write(Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody, Buffer.from([0x82, subscribeBody.length]), subscribeBody]));
    await watcher.until((d) => splitFrames(d).some((f) => f[0] === 0x90), 'the watcher SUBACK');
    watchFrom = watcher.data.length; // CONNACK and SUBACK, nothing else yet: the case has not started
  }
  try {
    const held: Array<[Wire, CaseConnection, string]> = [];
    for (const [i, connection] of kase.connections.entries()) {
      const label = kase.connections.length > 1 ? `${where}, connection ${i + 1}` : where;
      const wire = await runConnection(port, connection, label);
      if (wire) held.push([wire, connection, label]);
    }
    for (const [wire, connection, label] of held) await checkHeld(wire, connection, label);
    if (watcher && kase.watch) {
      watcher.socket.write(Buffer.from([0xc0, 0x00]));
      const data = await watcher.until((d) => beforeMarker(d.subarray(watchFrom)) !== undefined, 'the PINGRESP after the watched messages');
      compare(beforeMarker(data.subarray(watchFrom))!, kase.watch.expect, `${where}, watcher`);
    }
  } finally {
    watcher?.socket.destroy();
  }
}
