import { describe, expect, it } from 'vitest';
import { PACKET_PAGE_BYTES, packetForPage, type MessageBatch, type MessageRecord, type PacketBatch } from '../../shared/contract';
import { decodeIncoming, encodeEvent } from '../../shared/rpc';
import { readCompactSparkplug } from '../../shared/sparkplug/compact';
import { ACK_FRAME, BATCH_FLAG, batchColumnsOf, decodedAt, decodeFrame, decodeWatchFrame, encodeMessageBatch, encodePacketBatch, encodeWatchFrame, FRAME_KIND } from '../../shared/wire-batches';

const bytes = (text: string) => new TextEncoder().encode(text);
let seq = 0;
const message = (patch: Partial<MessageRecord> = {}): MessageRecord => ({
  seq: ++seq,
  direction: 'in',
  topic: 'a/b',
  payload: bytes('{"t":21.5}'),
  qos: 0,
  retain: false,
  dup: false,
  time: 1_763_900_000_123.25,
  payloadSize: 10,
  ...patch,
});

/** A topic with a character from every Unicode plane in use (BMP, SMP, SIP, TIP, SSP, PUA-A/B). */
const PLANES = 'é€\u{1F600}\u{20000}\u{30000}\u{E0041}\u{F0000}\u{10FFFD}';

const roundTrip = (batch: MessageBatch) => decodeFrame(encodeMessageBatch(batch));

describe('message batch frames', () => {
  it.each<[string, Partial<MessageRecord>]>([
    ['a plain received message', {}],
    ['a sent QoS 2 retained dup message', { direction: 'out', qos: 2, retain: true, dup: true }],
    ['QoS 1', { qos: 1 }],
    ['an empty payload', { payload: new Uint8Array(0), payloadSize: 0 }],
    ['a preview of a 256 MB payload', { payload: new Uint8Array(4096).fill(7), payloadSize: 268_435_455 }],
    ['a topic in every Unicode plane', { topic: `plant/${PLANES}/x` }],
    ['a 65,535-byte topic', { topic: 'x'.repeat(65_535) }],
    ['empty levels', { topic: '/a//b/' }],
    ['binary payload bytes', { payload: new Uint8Array([0, 255, 128, 10]), payloadSize: 4 }],
    [
      'MQTT 5 properties',
      {
        properties: {
          contentType: 'application/json',
          correlationData: new Uint8Array([1, 2, 3]),
          userProperties: [
            { key: 'a', value: '1' },
            { key: 'a', value: '2' },
          ],
          subscriptionIdentifiers: [4, 7],
          messageExpiryInterval: 60,
          payloadFormatIndicator: true,
          responseTopic: 'reply/here',
          topicAlias: 3,
        },
      },
    ],
    [
      'a decoded Sparkplug payload',
      {
        decoded: {
          kind: 'sparkplug',
          type: 'Sparkplug B NDATA',
          value: { seq: 4 },
          warnings: ['seq gap'],
          sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: 'e', seq: 4, metrics: [{ name: `t${PLANES}`, alias: 1, datatype: 'Double', value: 21.5 }] },
        },
      },
    ],
    [
      'a decoded Sparkplug payload of the common shape (a compact record)',
      { decoded: { kind: 'sparkplug', type: 'Sparkplug B DDATA', sparkplug: { group: 'g', messageType: 'DDATA', edgeNode: 'e', device: `d${PLANES}`, timestamp: 1_700_000_000_000, seq: 4, metrics: [{ name: `t${PLANES}`, datatype: 'Double', value: 21.5, alias: 1 }, { name: 's', datatype: 'String', value: 'x' }, { name: 'n', datatype: 'Int32', value: null, isNull: true }] }, warnings: ['seq gap: expected 3, got 4'] } },
    ],
    ['a decoder error', { decoded: { kind: 'protobuf', type: 'pkg.Reading', error: { message: 'index out of range', offset: 3 } } }],
    ['a JSON Schema verdict and properties together', { decoded: { kind: 'json-schema', type: 'r.json', value: { t: 1 }, validation: { valid: false, path: '/t', message: 'must be string' } }, properties: { contentType: 'x' } }],
  ])('carries %s unchanged', (_name, patch) => {
    const original = message(patch);
    const decoded = roundTrip({ connectionId: 'conn-1', messages: [original], dropped: 3, evicted: 9 });
    expect(decoded.stream).toBe('messages.batch');
    expect(decoded.data).toEqual({ connectionId: 'conn-1', messages: [original], dropped: 3, evicted: 9 });
  });

  it('keeps the order of a mixed batch and writes a repeated topic once', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => message({ topic: `flood/dev${i % 10}/temp`, qos: (i % 3) as 0 | 1 | 2, payload: bytes(String(i)) }));
    const frame = encodeMessageBatch({ connectionId: 'c', messages, dropped: 0, evicted: 0 });
    const once = encodeMessageBatch({ connectionId: 'c', messages: messages.map((m, i) => ({ ...m, topic: `flood/dev${i}/temp` })), dropped: 0, evicted: 0 });
    expect(frame.byteLength).toBeLessThan(once.byteLength - 900 * 'flood/devN/temp'.length);
    expect(decodeFrame(frame).data).toEqual({ connectionId: 'c', messages, dropped: 0, evicted: 0 });
  });

  it('hands out payloads as views of the frame, not one buffer each', () => {
    const frame = encodeMessageBatch({ connectionId: 'c', messages: [message(), message()], dropped: 0, evicted: 0 });
    const { data } = decodeFrame(frame) as { data: MessageBatch };
    for (const m of data.messages) expect(m.payload.buffer).toBe(frame.buffer);
  });

  it('reads a frame that sits at an unaligned offset (Electron may hand one over like that)', () => {
    const frame = encodeMessageBatch({ connectionId: 'c', messages: [message(), message({ topic: 'z' })], dropped: 1, evicted: 2 });
    const shifted = new Uint8Array(frame.byteLength + 3);
    shifted.set(frame, 3);
    expect(decodeFrame(shifted.subarray(3)).data).toEqual(decodeFrame(frame).data);
  });

  it('carries how many messages each held message replaced, and no such column when there are none', () => {
    const message = (seq: number, topic: string) => ({ seq, direction: 'in' as const, topic, payload: new Uint8Array([seq]), payloadSize: 1, qos: 0 as const, retain: false, dup: false, time: seq });
    const held: MessageBatch = { connectionId: 'c', messages: [message(7, 'a/b'), message(9, 'a/c'), message(11, 'a/b/c')], dropped: 12, evicted: 4, replaced: [5, 0, 7] };
    expect(roundTrip(held).data).toEqual(held);
    const plain = { ...held, replaced: undefined };
    delete plain.replaced;
    expect(roundTrip(plain).data).toEqual(plain);
    expect(encodeMessageBatch(held).byteLength - encodeMessageBatch(plain).byteLength).toBe(12);
  });

  it('sends a Sparkplug payload of the common shape as a compact record, with no JSON for it in the frame', () => {
    const decoded: MessageRecord['decoded'] = { kind: 'sparkplug', type: 'Sparkplug B NDATA', sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: 'n', seq: 1, metrics: [1, 2, 3, 4, 5].map((alias) => ({ name: `Sensor ${alias}`, datatype: 'Double', value: alias + 0.5, alias })) } };
    const messages = [message({ decoded }), message({ decoded })];
    const frame = encodeMessageBatch({ connectionId: 'c', messages, dropped: 0, evicted: 0 });
    const c = batchColumnsOf(decodeFrame(frame).data as MessageBatch);
    expect(Array.from(c.flags, (f) => f & BATCH_FLAG.compact)).toEqual([BATCH_FLAG.compact, BATCH_FLAG.compact]);
    expect(new TextDecoder().decode(frame)).not.toContain('"kind"');
    // Not read when the frame is (#17: that was one long task per fleet batch), but when asked for.
    expect(c.decoded).toBeUndefined();
    expect([decodedAt(c, 0), decodedAt(c, 1)]).toEqual([decoded, decoded]);
    // Smaller than the JSON text of the two payloads alone.
    expect(c.decodedLengths[0]! + c.decodedLengths[1]!).toBeLessThan(2 * JSON.stringify(decoded).length * 0.75);
  });

  it('carries the decoded payloads of a batch where only some messages have one, in order', () => {
    const sparkplug = (seq: number): MessageRecord['decoded'] => ({
      kind: 'sparkplug',
      type: 'Sparkplug B NDATA',
      value: { seq },
      sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: `n${PLANES}`, seq, metrics: [{ name: 'temp', datatype: 'Double', value: seq + 0.5 }] },
    });
    const messages = Array.from({ length: 9 }, (_, i) => message(i % 3 === 1 ? {} : { decoded: sparkplug(i) }));
    expect(roundTrip({ connectionId: 'c', messages, dropped: 0, evicted: 0 }).data).toEqual({ connectionId: 'c', messages, dropped: 0, evicted: 0 });
  });

  it('carries an empty batch (only drops to report)', () => {
    expect(roundTrip({ connectionId: 'c', messages: [], dropped: 120, evicted: 0 }).data).toEqual({ connectionId: 'c', messages: [], dropped: 120, evicted: 0 });
  });
});

/** A batch read back from its columns alone (what the page's stores read), as records to compare. */
function fromColumns(batch: MessageBatch): MessageBatch {
  const c = batchColumnsOf(batch);
  const messages = Array.from({ length: c.count }, (_, i): MessageRecord => {
    const record: MessageRecord = {
      seq: c.seqs[i]!,
      direction: c.flags[i]! & BATCH_FLAG.out ? 'out' : 'in',
      topic: c.topics[c.topicIds[i]!]!,
      payload: c.frame.slice(c.payloadStarts[i]!, c.payloadStarts[i]! + c.payloadLengths[i]!),
      qos: ((c.flags[i]! >> 1) & 3) as 0 | 1 | 2,
      retain: (c.flags[i]! & BATCH_FLAG.retain) !== 0,
      dup: (c.flags[i]! & BATCH_FLAG.dup) !== 0,
      time: c.times[i]!,
      payloadSize: c.payloadSizes[i]!,
    };
    if (c.properties?.[i]) record.properties = c.properties[i];
    if (c.decodedLengths[i]! > 0) {
      record.decoded = decodedAt(c, i);
      // The decoded payload's bytes sit in the frame too (the page's log keeps them): a compact record or JSON text.
      const start = c.decodedStarts[i]!;
      const end = start + c.decodedLengths[i]!;
      const kept = c.flags[i]! & BATCH_FLAG.compact ? readCompactSparkplug(c.frame, start, end) : JSON.parse(new TextDecoder().decode(c.frame.subarray(start, end)));
      expect(kept).toEqual(record.decoded);
    } else expect(decodedAt(c, i)).toBeUndefined();
    return record;
  });
  const out: MessageBatch = { connectionId: batch.connectionId, messages, dropped: batch.dropped, evicted: batch.evicted };
  if (c.replaced) out.replaced = Array.from(c.replaced);
  return out;
}

describe('message batches as columns (how the page takes them in: no record per message)', () => {
  const sparkplug = (seq: number): MessageRecord['decoded'] => ({
    kind: 'sparkplug',
    type: 'Sparkplug B NDATA',
    value: { seq },
    warnings: seq % 2 ? ['seq gap'] : undefined,
    sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: `n${PLANES}`, seq, metrics: [{ name: 'temp', datatype: 'Double', value: seq + 0.5 }] },
  });
  const common = (seq: number): MessageRecord['decoded'] => ({ kind: 'sparkplug', type: 'Sparkplug B NDATA', sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: `n${seq % 3}`, seq, metrics: [{ name: 'temp', datatype: 'Double', value: seq + 0.25, alias: 1 }] } });
  it.each<[string, MessageBatch]>([
    ['an empty batch with drops', { connectionId: 'c', messages: [], dropped: 120, evicted: 3 }],
    ['a fleet batch: repeated topics, both directions, every QoS', { connectionId: 'c', messages: Array.from({ length: 50 }, (_, i) => message({ topic: `flood/dev${i % 7}/temp`, qos: (i % 3) as 0 | 1 | 2, direction: i % 5 ? 'in' : 'out', retain: i % 4 === 0, dup: i % 6 === 0, payload: bytes(`{"t":${i}}`) })), dropped: 0, evicted: 0 }],
    ['Sparkplug decoded payloads on some messages, Unicode topics', { connectionId: 'c', messages: Array.from({ length: 9 }, (_, i) => message(i % 3 === 1 ? { topic: `spBv1.0/g/NDATA/${PLANES}` } : { decoded: JSON.parse(JSON.stringify(sparkplug(i))) })), dropped: 2, evicted: 1 }],
    ['properties, a decoder error and an empty payload', { connectionId: 'conn-☃', messages: [message({ properties: { contentType: 'x', correlationData: new Uint8Array([9]) } }), message({ decoded: { kind: 'protobuf', type: 'p.R', error: { message: 'bad', offset: 1 } } }), message({ payload: new Uint8Array(0), payloadSize: 0 })], dropped: 0, evicted: 7 }],
    ['Sparkplug of the common shape (compact records) and other decoded payloads mixed, in order', { connectionId: 'c', messages: Array.from({ length: 12 }, (_, i) => message(i % 4 === 3 ? {} : i % 4 === 1 ? { decoded: JSON.parse(JSON.stringify(sparkplug(i))) } : { decoded: common(i) })), dropped: 0, evicted: 0 }],
    ['held messages that replaced others', { connectionId: 'c', messages: [message({ topic: 'a' }), message({ topic: 'b' }), message({ topic: 'a/b' })], dropped: 12, evicted: 4, replaced: [5, 0, 7] }],
  ])('reads back %s as it was encoded', (_name, batch) => {
    const read = roundTrip(batch).data as MessageBatch;
    expect(fromColumns(read)).toEqual(batch);
    // A batch that did not come from a frame has the same columns.
    expect(fromColumns(batch)).toEqual(batch);
  });
});

describe('packet batch frames', () => {
  it('carries packets, their directions, times, capture frame numbers and the protocol version', () => {
    const batch: PacketBatch = {
      connectionId: 'c9',
      protocolVersion: 5,
      evicted: 12,
      packets: [
        { seq: 1, time: 1.5, direction: 'out', bytes: new Uint8Array([0x10, 0]) },
        { seq: 2, time: 2.25, direction: 'in', bytes: new Uint8Array([0x20, 2, 0, 0]) },
        { seq: 3, time: 3, direction: 'in', bytes: new Uint8Array(0) },
        { seq: 4, time: 4, direction: 'in', bytes: new Uint8Array([0x30, 0xff]), length: 268_435_460 },
        { seq: 5, time: 5, direction: 'out', bytes: new Uint8Array([0xc0, 0]), frame: 4_000_000 },
      ],
    };
    expect(decodeFrame(encodePacketBatch(batch))).toEqual({ stream: 'packets.batch', data: batch });
  });
});

describe('malformed frames are refused with the reason', () => {
  const good = () => encodeMessageBatch({ connectionId: 'c', messages: [message(), message({ topic: 'other' })], dropped: 0, evicted: 0 });
  const sparkplugPair = () => {
    const decoded = { kind: 'sparkplug' as const, type: 'Sparkplug B NDATA', sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: 'n', metrics: [{ name: 'm', datatype: 'Double', value: 1 }] } };
    return encodeMessageBatch({ connectionId: 'c', messages: [message({ decoded }), message({ decoded })], dropped: 0, evicted: 0 });
  };
  const decodedPair = () => {
    const decoded = { kind: 'json-schema' as const, type: 'r.json', value: { t: 1 } };
    return encodeMessageBatch({ connectionId: 'c', messages: [message({ decoded }), message({ decoded })], dropped: 0, evicted: 0 });
  };
  it.each<[string, () => Uint8Array, RegExp]>([
    ['too short for a header', () => new Uint8Array([1]), /shorter than a header/],
    ['an unknown kind', () => Object.assign(good(), { 0: 9 }), /Unknown batch frame kind 9/],
    ['another version', () => Object.assign(good(), { 1: 1 }), /Unsupported batch frame version 1/],
    ['cut short', () => good().slice(0, good().byteLength - 1), /add up to \d+ bytes, the frame has/],
    ['a byte too many', () => Uint8Array.from([...good(), 0]), /add up to \d+ bytes, the frame has/],
    ['a count larger than the frame', () => Object.assign(good(), { 4: 255, 5: 255 }), /needs at least \d+ bytes/],
    [
      'a topic index out of range',
      () => {
        const frame = good();
        new DataView(frame.buffer).setUint32(32 + 2 * 20, 7, true);
        return frame;
      },
      /names topic 7 of 2/,
    ],
    [
      'QoS 3',
      () => {
        const frame = good();
        frame[32 + 2 * 36] = 0b110; // the first flags byte, after seven columns of two messages
        return frame;
      },
      /QoS 3/,
    ],
    [
      'decoded payloads that are not one JSON array',
      () => {
        const frame = decodedPair();
        frame[frame.indexOf(0x2c, frame.indexOf(0x5b, 32 + 2 * 36))] = 0x20; // the comma between the two
        return frame;
      },
      /decoded payloads are not a JSON array/,
    ],
    [
      'decoded payloads fewer than the messages that have one',
      () => {
        const frame = decodedPair();
        const lengths = new Uint32Array(frame.buffer, 32 + 2 * 32, 2); // the decoded bytes column
        lengths.set([lengths[0]! + lengths[1]! + 1, 0]); // the same bytes, claimed by the first message alone
        return frame;
      },
      /1 messages have a decoded payload, its decoded column holds 2/,
    ],
    [
      'a message marked compact with no decoded bytes',
      () => {
        const frame = good();
        frame[32 + 2 * 36] = frame[32 + 2 * 36]! | BATCH_FLAG.compact;
        return frame;
      },
      /message 0 is marked as having a compact decoded payload of 0 bytes/,
    ],
    ['a packet frame with protocol version 6', () => Object.assign(encodePacketBatch({ connectionId: 'c', protocolVersion: 4, evicted: 0, packets: [] }), { 2: 6 }), /protocol version 6/],
  ])('%s', (_name, make, reason) => {
    expect(() => decodeFrame(make())).toThrow(reason);
  });

  // Compact records are read when a message's decoded payload is asked for, not with the frame:
  // a malformed one marks its message "not decoded" with the reason, and loses nothing else.
  it.each<[string, (frame: Uint8Array) => void, RegExp, boolean]>([
    [
      'a compact Sparkplug record that is not one',
      (frame) => {
        frame[frame.indexOf(0xc1, 32 + 2 * 36 + 2) + 1] = 0xff; // the info flags of the first record
      },
      /^Malformed messages.batch frame: Malformed compact Sparkplug record: unknown info flags 0xff at byte 1/,
      true,
    ],
    [
      'compact Sparkplug records whose lengths do not match their bytes',
      (frame) => {
        const lengths = new Uint32Array(frame.buffer, 32 + 2 * 32, 2);
        lengths.set([lengths[0]! - 1, lengths[1]! + 1]);
      },
      /^Malformed messages.batch frame: Malformed compact Sparkplug record: the value of metric 0 runs past its end \(31 bytes\) at byte 24/,
      false,
    ],
  ])('%s', (_name, spoil, reason, secondReadable) => {
    const frame = sparkplugPair();
    spoil(frame);
    const batch = decodeFrame(frame).data as MessageBatch;
    const c = batchColumnsOf(batch);
    expect(decodedAt(c, 0)).toMatchObject({ kind: 'sparkplug', error: { message: expect.stringMatching(reason) } });
    expect(batch.messages.map((m) => m.topic)).toEqual(['a/b', 'a/b']);
    expect(batch.messages[1]!.decoded!.error === undefined).toBe(secondReadable);
  });
});

describe('watch frames (whose packets the page shows)', () => {
  it.each<[string, string[]]>([
    ['none', []],
    ['one connection', ['0b6f7c1e-5d1a-4c3e-9f00-1234567890ab']],
    ['several, with every Unicode plane', ['a', PLANES, 'c"d\\e']],
  ])('carries %s', (_name, ids) => {
    const frame = encodeWatchFrame(ids);
    expect(frame[0]).toBe(FRAME_KIND.watch);
    expect(decodeWatchFrame(frame)).toEqual(ids);
  });

  it.each<[string, Uint8Array]>([
    ['an acknowledgement', ACK_FRAME],
    ['too short', Uint8Array.of(FRAME_KIND.watch)],
    ['another version', Object.assign(encodeWatchFrame(['a']), { 1: 1 })],
    ['ids that are not JSON', Uint8Array.from([...encodeWatchFrame([]).subarray(0, 2), ...bytes('[a')])],
    ['ids that are not strings', Uint8Array.from([...encodeWatchFrame([]).subarray(0, 2), ...bytes('[1]')])],
    ['not an array', Uint8Array.from([...encodeWatchFrame([]).subarray(0, 2), ...bytes('"a"')])],
  ])('reads %s as no watch frame', (_name, frame) => {
    expect(decodeWatchFrame(frame)).toBeUndefined();
  });
});

describe('events on the wire', () => {
  it('sends batches as frames and everything else as JSON text', () => {
    const batch: MessageBatch = { connectionId: 'c', messages: [message()], dropped: 0, evicted: 0 };
    const frame = encodeEvent('messages.batch', batch);
    expect(frame).toBeInstanceOf(Uint8Array);
    expect((frame as Uint8Array)[0]).toBe(FRAME_KIND.messages);
    expect(decodeIncoming(frame)).toEqual({ kind: 'event', stream: 'messages.batch', data: batch });
    const text = encodeEvent('broker.log', { lines: [] });
    expect(typeof text).toBe('string');
    expect(decodeIncoming(text)).toEqual({ kind: 'event', stream: 'broker.log', data: { lines: [] } });
  });
});

describe('packets for the page', () => {
  it.each([
    ['a small packet, whole', 100, 100, undefined],
    ['a packet of exactly 64 KiB, whole', PACKET_PAGE_BYTES, PACKET_PAGE_BYTES, undefined],
    ['a 256 MB packet, cut to 64 KiB with its length', 268_435_460, PACKET_PAGE_BYTES, 268_435_460],
  ])('%s', (_name, size, held, length) => {
    const packet = { seq: 1, time: 1, direction: 'in' as const, bytes: new Uint8Array(size) };
    const forPage = packetForPage(packet);
    expect(forPage.bytes.byteLength).toBe(held);
    expect(forPage.length).toBe(length);
    if (length === undefined) expect(forPage).toBe(packet);
  });
});
