/**
 * Ingest in Chromium: a batch far larger than one task's budget (20,000 messages on as many
 * new topics, as a page behind gets at a fleet flood's start) is taken in over several tasks,
 * none over 100 ms, and every message is in once it is done; a fleet's Sparkplug batch frame
 * is read and its ingest started in one short task, its compact records decoded in the
 * ingest's budgeted tasks, not all when the frame is read (#17).
 */

import { describe, expect, it } from 'vitest';
import { ingestBatch, ingestPending } from '../../renderer/src/store/ingest';
import { logFor } from '../../renderer/src/store/message-log';
import { sparkplugFor } from '../../renderer/src/store/sparkplug-state';
import { treeFor } from '../../renderer/src/store/topic-tree';
import type { MessageBatch, MessageRecord } from '../../shared/contract';
import type { DecodedPayload } from '../../shared/decoded';
import { decodeFrame, encodeMessageBatch } from '../../shared/wire-batches';

const COUNT = 20_000;

describe('ingest in the page', () => {
  it('takes a large batch of new topics in without a long task, and all of it', async () => {
    const encoder = new TextEncoder();
    const messages: MessageRecord[] = Array.from({ length: COUNT }, (_, i) => {
      const payload = encoder.encode(`{"temp":${20 + (i % 10)},"hum":${i % 100},"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`);
      return { seq: i + 1, direction: 'in', topic: `flood/dev${i}/temp`, payload, payloadSize: payload.byteLength, qos: 0, retain: false, dup: false, time: i };
    });
    // As the page gets it: a frame from the backend, decoded by the transport before ingest.
    const batch = decodeFrame(encodeMessageBatch({ connectionId: 'big', messages, dropped: 0, evicted: 0 })).data as MessageBatch;
    // The set-up above is a long task of its own: let it end before watching.
    await new Promise((r) => setTimeout(r, 50));
    const long: number[] = [];
    const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => long.push(e.duration)));
    observer.observe({ type: 'longtask' });
    const started = performance.now();
    ingestBatch(batch);
    const firstTask = performance.now() - started;
    // Bounded: the rest comes in tasks of about 16 ms each.
    for (let i = 0; i < 2000 && ingestPending(); i++) await new Promise((r) => setTimeout(r, 5));
    // Long tasks are reported after they end: one more turn.
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    expect(ingestPending()).toBe(false);
    // Each part takes about the budget (16 ms); the whole batch took some 150 ms in one task
    // before. A loaded machine stretches tasks, so the bound is the 100 ms.
    expect(firstTask).toBeLessThan(100);
    expect(long.filter((d) => d > 100)).toEqual([]);
    expect(logFor('big').buffer.length + logFor('big').buffer.evicted).toBe(COUNT);
    expect(treeFor('big').topicCount).toBe(COUNT);
  });

  it('reads a large Sparkplug batch frame and starts its ingest in one short task (records decoded within the budget)', async () => {
    // A fleet's NDATA as the backend sends it: compact records (shared/sparkplug/compact.ts).
    const fleetBatch = (round: number) => {
      const messages: MessageRecord[] = Array.from({ length: COUNT }, (_, i) => {
        const metrics = ['Temperature', 'Humidity', 'Pressure', 'Voltage', 'Current', 'Power', 'Frequency', 'Speed', 'Torque', 'Level'].map((name, k) => ({ name, datatype: 'Double', value: round + i + k + 0.5, alias: k + 1, timestamp: 1_763_900_000_000 + i }));
        const decoded: DecodedPayload = { kind: 'sparkplug', type: 'Sparkplug B NDATA', sparkplug: { group: 'plant', messageType: 'NDATA', edgeNode: `edge${i}`, timestamp: 1_763_900_000_000 + i, seq: (round + i) % 256, metrics } };
        return { seq: round * COUNT + i + 1, direction: 'in', topic: `spBv1.0/plant/NDATA/edge${i}`, payload: new Uint8Array(100), payloadSize: 100, qos: 0, retain: false, dup: false, time: i, decoded };
      });
      return encodeMessageBatch({ connectionId: 'fleet', messages, dropped: 0, evicted: 0 });
    };
    // What the WebSocket transport's onmessage does: read the frame, hand the batch to ingest.
    const handle = (frame: Uint8Array) => {
      const started = performance.now();
      ingestBatch(decodeFrame(frame).data as MessageBatch);
      return performance.now() - started;
    };
    const drained = async () => {
      for (let i = 0; i < 2000 && ingestPending(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(ingestPending()).toBe(false);
    };
    // The first batch meets every topic and the code cold (a flood's start); the second is the steady state measured.
    const [first, second] = [fleetBatch(0), fleetBatch(1)];
    handle(first);
    await drained();
    await new Promise((r) => setTimeout(r, 50));
    const handler = handle(second);
    await drained();
    // The ingest budget is 16 ms; reading every record with the frame took the handler 79 ms
    // at the bench's 10,000 edge nodes (#17), over 100 ms for this batch here.
    expect(handler).toBeLessThan(50);
    expect(logFor('fleet').buffer.length + logFor('fleet').buffer.evicted).toBe(2 * COUNT);
    expect(sparkplugFor('fleet').groups.get('plant')?.size).toBe(COUNT);
    expect(logFor('fleet').buffer.read(logFor('fleet').buffer.length - 1)!.decoded?.sparkplug?.metrics[9]).toMatchObject({ name: 'Level', value: 1 + COUNT - 1 + 9.5 });
  });
});
