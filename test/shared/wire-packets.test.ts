import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../shared/contract';
import { decodeIncoming, encodeOutgoing, encodeWire } from '../../shared/rpc';
import { decodeFrame, encodeMessageBatch } from '../../shared/wire-batches';
import { FRAME_KIND } from '../../shared/wire-frame';
import { decodePacketPage, encodePacketBatch, encodePacketPage, type PacketPage } from '../../shared/wire-packets';

const packet = (seq: number, patch: Partial<PacketRecord> = {}): PacketRecord => ({ seq, time: 1_763_900_000_000 + seq / 4, direction: seq % 2 ? 'in' : 'out', bytes: Uint8Array.of(0x30, 3, 0, 1, 0x61), ...patch });
const page = (patch: Partial<PacketPage> = {}): PacketPage => ({ connectionId: 'c1', protocolVersion: 4, evicted: 0, more: false, packets: [packet(1), packet(2)], ...patch });

describe('packets.page frames', () => {
  it.each<[string, PacketPage]>([
    ['the last page', page()],
    ['a page cut at its limit', page({ more: true })],
    ['an empty page (nothing after afterSeq)', page({ packets: [] })],
    ['an empty page with more (never sent, still carried)', page({ packets: [], more: true })],
    ['a 5.0 capture with evictions', page({ protocolVersion: 5, evicted: 1_000_000, packets: [packet(1_000_001), packet(1_000_002)] })],
    ['a 3.1 capture', page({ protocolVersion: 3 })],
    ['the start of a 256 MB packet', page({ packets: [packet(9, { bytes: new Uint8Array(4096).fill(0x61), length: 268_435_460 })] })],
    ['a packet of a capture file with its frame number', page({ packets: [packet(7, { frame: 4_000_000 })] })],
    ['an empty packet', page({ packets: [packet(3, { bytes: new Uint8Array(0) })] })],
    ['a broker client id', page({ connectionId: 'broker:sensor-\u{1F600}' })],
    ['8,192 packets (the page fetched)', page({ more: true, packets: Array.from({ length: 8192 }, (_, i) => packet(i + 1)) })],
  ])('carries %s', (_name, value) => {
    expect(decodePacketPage(encodePacketPage(value))).toEqual(value);
  });

  it('is a packets.batch frame: the live stream reads it, without the flag', () => {
    const value = page({ more: true });
    const { more: _more, ...batch } = value;
    expect(decodeFrame(encodePacketPage(value))).toEqual({ stream: 'packets.batch', data: batch });
    expect(decodePacketPage(encodePacketBatch(batch))).toEqual({ ...batch, more: false });
  });

  it('reads a frame at an unaligned offset (Electron may hand one over like that)', () => {
    const frame = encodePacketPage(page({ more: true }));
    const shifted = new Uint8Array(frame.byteLength + 3);
    shifted.set(frame, 3);
    expect(decodePacketPage(shifted.subarray(3))).toEqual(page({ more: true }));
  });

  it.each<[string, () => Uint8Array, RegExp]>([
    ['a message frame', () => encodeMessageBatch({ connectionId: 'c', messages: [], dropped: 0, evicted: 0 }), /kind 1 is not a packet frame/],
    ['three bytes', () => Uint8Array.of(2, 2, 4), /needs at least 4 bytes, has 3/],
    ['another version', () => Uint8Array.of(2, 9, 4, 0), /Unsupported packets.page frame version 9/],
    ['a cut frame', () => encodePacketPage(page()).subarray(0, 40), /Malformed packets.batch frame/],
    ['a frame with bytes left over', () => Uint8Array.from([...encodePacketPage(page()), 0, 0, 0, 0, 0, 0, 0, 0]), /add up to \d+ bytes, the frame has \d+/],
  ])('refuses %s with the reason', (_name, bytes, reason) => {
    expect(() => decodePacketPage(bytes())).toThrow(reason);
  });
});

describe('result frames (a call answered with bytes, on the WebSocket)', () => {
  it('carry the call id and the bytes, unaligned values and all, without JSON', () => {
    const value = encodePacketPage(page({ more: true }));
    const wire = encodeOutgoing({ kind: 'result', id: 4_294_967_301, ok: true, value });
    expect(wire).toBeInstanceOf(Uint8Array);
    expect((wire as Uint8Array)[0]).toBe(FRAME_KIND.result);
    const read = decodeIncoming(wire) as { kind: string; id: number; ok: boolean; value: Uint8Array };
    expect(read).toMatchObject({ kind: 'result', id: 4_294_967_301, ok: true });
    // The value starts on a multiple of 8, so the page reads its columns in place.
    expect(read.value.byteOffset % 8).toBe(0);
    expect(decodePacketPage(read.value)).toEqual(page({ more: true }));
  });

  it.each<[string, Parameters<typeof encodeOutgoing>[0]]>([
    ['a result with an object value', { kind: 'result', id: 1, ok: true, value: { cleared: 3 } }],
    ['a result holding bytes in an object (packets.export)', { kind: 'result', id: 2, ok: true, value: { data: Uint8Array.of(1, 2) } }],
    ['an error', { kind: 'result', id: 3, ok: false, error: { name: 'DeskError', message: 'gone', code: 'NOT_FOUND' } }],
    ['an event', { kind: 'event', stream: 'broker.log', data: { lines: [] } }],
  ])('leave %s as JSON text', (_name, message) => {
    expect(encodeOutgoing(message)).toBe(encodeWire(message));
  });
});
