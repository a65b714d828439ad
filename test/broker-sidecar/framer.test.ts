import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Framer, type FrameResult } from '../../broker-sidecar/framer';

const frames: Buffer[] = [
  generate({ cmd: 'pingreq' }),
  generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, messageId: 3, dup: false, retain: false }),
  generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(300, 7), qos: 0, dup: false, retain: false } as Packet), // 2-byte length
  generate({ cmd: 'puback', messageId: 9 }),
  generate({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(20_000, 1), qos: 0, dup: false, retain: false } as Packet), // 3-byte length
  generate({ cmd: 'disconnect' }),
];
const stream = Buffer.concat(frames);

/** Feeds the chunks and returns every frame the framer yields, in order. */
function cut(chunks: Buffer[], framer = new Framer(1 << 20)): { out: Buffer[]; last: FrameResult } {
  const out: Buffer[] = [];
  let last: FrameResult = { kind: 'need-more' };
  for (const chunk of chunks) {
    framer.push(chunk);
    for (last = framer.next(); last.kind === 'frame'; last = framer.next()) out.push(last.bytes);
  }
  return { out, last };
}

describe('framer', () => {
  it('yields the same frames wherever the stream is cut in two', () => {
    for (let at = 0; at <= stream.length; at += at < 40 ? 1 : 997) {
      const { out, last } = cut([stream.subarray(0, at), stream.subarray(at)]);
      expect(out.map((f) => f.toString('hex')), `cut at ${at}`).toEqual(frames.map((f) => f.toString('hex')));
      expect(last.kind).toBe('need-more');
    }
  });

  it('yields the same frames from one byte at a time', () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(cut(chunks).out.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
  });

  it('cuts frames out of one chunk without copying it', () => {
    const { out } = cut([stream]);
    for (const frame of out) expect(frame.buffer).toBe(stream.buffer);
  });

  it('hands a chunk that is one whole packet over as the frame itself', () => {
    const framer = new Framer(1 << 20);
    for (const packet of frames) {
      framer.push(packet);
      const next = framer.next();
      expect(next.kind === 'frame' && next.bytes).toBe(packet);
      expect(framer.next().kind).toBe('need-more');
    }
  });

  it('reports a fifth remaining-length byte as malformed', () => {
    expect(cut([Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]).last).toEqual({ kind: 'malformed', reason: 'remaining length longer than 4 bytes' });
  });

  it('reports a packet above the limit as too large before it has arrived', () => {
    const { last } = cut([frames[4]!.subarray(0, 10)], new Framer(1000));
    expect(last.kind).toBe('too-large');
  });

  it('waits for the rest of a remaining length split across chunks', () => {
    const big = frames[4]!;
    const framer = new Framer(1 << 20);
    framer.push(big.subarray(0, 2)); // type and the first of three length bytes
    expect(framer.next().kind).toBe('need-more');
    framer.push(big.subarray(2));
    const next = framer.next();
    expect(next.kind === 'frame' && next.bytes.equals(big)).toBe(true);
  });
});
