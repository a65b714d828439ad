/**
 * The backend's message store: capped in items and bytes with evictions counted, previews
 * for the UI with the full payload on request, and JSON/CSV exports — unit-level and
 * through a real connection to mosquitto.
 */

import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../backend/backend';
import { MessageStore, messageLimitsFrom, messagesToCsv, messagesToJson, PREVIEW_BYTES } from '../../backend/message-store';
import type { MessageBatch, MessageRecord } from '../../shared/contract';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callerFor } from '../helpers/backend-call';
import avro from 'avsc';
import { encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { PayloadDecoder } from '../../shared/payload-decoder';

const AVRO = { type: 'record', name: 'Reading', namespace: 'sensors', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }] };
import { until } from '../helpers/wait';

const record = (seq: number, payload: Uint8Array | string, extra: Partial<MessageRecord> = {}): MessageRecord => {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return { seq, direction: 'in', topic: 't', payload: bytes, payloadSize: bytes.byteLength, qos: 0, retain: false, dup: false, time: Date.UTC(2026, 10, 23, 9, 0, 0, seq), ...extra };
};

describe('MessageStore', () => {
  it('hands out previews of large payloads and keeps the full one', () => {
    const store = new MessageStore();
    const big = new Uint8Array(PREVIEW_BYTES * 3).fill(65);
    const preview = store.add(record(1, big));
    expect(preview.payload.byteLength).toBe(PREVIEW_BYTES);
    expect(preview.payloadSize).toBe(PREVIEW_BYTES * 3);
    expect(store.get(1)?.payload.byteLength).toBe(PREVIEW_BYTES * 3);
    const small = record(2, 'hi');
    expect(store.add(small)).toBe(small);
  });

  it('evicts the oldest by count and by bytes, counting them, and finds the rest by sequence', () => {
    const byCount = new MessageStore({ maxItems: 3, maxBytes: Infinity });
    for (let seq = 1; seq <= 5; seq++) byCount.add(record(seq, `m${seq}`));
    expect(byCount.evicted).toBe(2);
    expect(byCount.get(2)).toBeUndefined();
    expect(byCount.get(3)?.seq).toBe(3);
    expect(byCount.get(5)?.seq).toBe(5);
    expect(byCount.get(6)).toBeUndefined();

    const byBytes = new MessageStore({ maxItems: 1000, maxBytes: 3 * (1000 + 130) });
    for (let seq = 1; seq <= 10; seq++) byBytes.add(record(seq, new Uint8Array(1000)));
    expect(byBytes.length).toBe(3);
    expect(byBytes.evicted).toBe(7);
  });

  it('exports JSON with text payloads as text and binary ones as base64', () => {
    const json = JSON.parse(messagesToJson([record(1, '{"t":21.5}'), record(2, new Uint8Array([0xff, 0x00]), { properties: { correlationData: new Uint8Array([1]), contentType: 'x' } })]));
    expect(json[0]).toMatchObject({ seq: 1, topic: 't', payloadEncoding: 'utf8', payload: '{"t":21.5}', time: '2026-11-23T09:00:00.001Z' });
    expect(json[1]).toMatchObject({ payloadEncoding: 'base64', payload: '/wA=', properties: { correlationData: 'AQ==', contentType: 'x' } });
  });

  it('exports CSV with quoting where fields need it', () => {
    const csv = messagesToCsv([record(1, 'a,"b"\nc', { topic: 'x/y' })]);
    expect(csv).toBe(
      'seq,time,direction,topic,qos,retain,dup,payloadSize,payloadEncoding,payload,properties,decodedAs,decoded\r\n' +
        '1,2026-11-23T09:00:00.001Z,in,x/y,0,false,false,7,utf8,"a,""b""\nc",,,\r\n',
    );
  });
});

describe('exports of decoded payloads', () => {
  // One decoder as a connection has: Sparkplug with no setup, protobuf and Avro per topic filter.
  const decoder = new PayloadDecoder([
    { id: 'p', kind: 'protobuf', topicFilter: 'pb/#', messageType: 'm.Reading', files: [{ name: 'r.proto', text: 'syntax = "proto3";\npackage m;\nmessage Reading { string sensor = 1; double value = 2; int64 count = 3; }\n' }] },
    { id: 'a', kind: 'avro', topicFilter: 'avro/#', messageType: '', files: [{ name: 'r.avsc', text: JSON.stringify(AVRO) }] },
  ]);
  const decoded = (seq: number, topic: string, payload: Uint8Array) => record(seq, payload, { topic, decoded: decoder.decode(topic, payload)! });
  const messages = [
    decoded(1, 'spBv1.0/G/NBIRTH/E', encodePayload({ timestamp: 1, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Temp', alias: 1, type: 'Double', value: 20 }] })),
    decoded(2, 'spBv1.0/G/NDATA/E', encodePayload({ timestamp: 2, seq: 1, metrics: [{ alias: 1, type: 'Double', value: 21.5 } as never] })),
    // sensor "s1", value 3.5, count 7
    decoded(3, 'pb/lab', new Uint8Array([0x0a, 0x02, 0x73, 0x31, 0x11, 0, 0, 0, 0, 0, 0, 0x0c, 0x40, 0x18, 0x07])),
    decoded(4, 'avro/lab', new Uint8Array(avro.Type.forSchema(AVRO as avro.Schema).toBuffer({ sensor: 's2', value: 4.5 }))),
    // The string's length prefix at 1 promises 5 bytes, 1 follows.
    decoded(5, 'pb/broken', new Uint8Array([0x0a, 0x05, 0x61])),
  ];

  it('JSON: the type and the decoded value (Sparkplug metrics by name, aliases resolved), or the error with its byte offset', () => {
    const json = JSON.parse(messagesToJson(messages)) as Array<{ decodedAs: string; decoded: unknown }>;
    expect(json.map((m) => [m.decodedAs, m.decoded])).toEqual([
      ['Sparkplug B NBIRTH', { value: { timestamp: 1, seq: 0, bdSeq: 0, metrics: [{ name: 'bdSeq', datatype: 'UInt64', value: 0 }, { name: 'Temp', alias: 1, datatype: 'Double', value: 20 }] } }],
      ['Sparkplug B NDATA', { value: { timestamp: 2, seq: 1, metrics: [{ name: 'Temp', alias: 1, datatype: 'Double', value: 21.5 }] } }],
      ['m.Reading', { value: { sensor: 's1', value: 3.5, count: '7' } }],
      ['sensors.Reading', { value: { sensor: 's2', value: 4.5 } }],
      ['m.Reading', { error: { message: 'Not a Reading: the payload ends inside the value that starts here', offset: 1 } }],
    ]);
  });

  it('CSV: the same in the decodedAs and decoded columns', () => {
    const rows = messagesToCsv(messages).trim().split('\r\n');
    expect(rows[2]).toMatch(/,Sparkplug B NDATA,"\{""value"":\{""timestamp"":2,""seq"":1,""metrics"":\[\{""name"":""Temp"",""datatype"":""Double"",""value"":21\.5,""alias"":1\}\]\}\}"$/);
    expect(rows[3]).toMatch(/,m\.Reading,"\{""value"":\{""sensor"":""s1"",""value"":3\.5,""count"":""7""\}\}"$/);
    expect(rows[4]).toMatch(/,sensors\.Reading,"\{""value"":\{""sensor"":""s2"",""value"":4\.5\}\}"$/);
    expect(rows[5]).toMatch(/,m\.Reading,"\{""error"":\{""message"":""Not a Reading: the payload ends inside the value that starts here"",""offset"":1\}\}"$/);
  });
});

describe('message limits from the environment', () => {
  it.each([
    [{}, { maxItems: 100_000, maxBytes: 256 * 1024 * 1024 }],
    [{ MQTT_DESK_MAX_MESSAGES: '5000' }, { maxItems: 5000, maxBytes: 256 * 1024 * 1024 }],
    [{ MQTT_DESK_MAX_MESSAGE_MB: '16', MQTT_DESK_MAX_MESSAGES: '' }, { maxItems: 100_000, maxBytes: 16 * 1024 * 1024 }],
  ])('%j → %j', (env, limits) => {
    expect(messageLimitsFrom(env)).toEqual(limits);
  });

  it.each([[{ MQTT_DESK_MAX_MESSAGES: '0' }], [{ MQTT_DESK_MAX_MESSAGE_MB: 'lots' }], [{ MQTT_DESK_MAX_MESSAGES: '1.5' }]])('refuses %j naming the variable', (env) => {
    expect(() => messageLimitsFrom(env)).toThrow(/MQTT_DESK_MAX_MESSAGE(S|_MB) must be a positive whole number/);
  });
});

describe('messages through the backend', () => {
  let mosquitto: Mosquitto;
  let backend: Backend;
  let dir: string;
  const batches: MessageBatch[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-messages-'));
    backend = createBackend({ configDir: dir, messageLimits: { maxItems: 50, maxBytes: 64 * 1024 * 1024 } });
    backend.events.subscribe((stream, data) => stream === 'messages.batch' && batches.push(data as MessageBatch));
  });
  afterAll(async () => {
    await backend.close();
    await mosquitto.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = callerFor(() => backend);

  it('sends a preview of a 200 KB payload, serves it whole on request, caps and exports the rest', async () => {
    const profile = await call('profiles.save', { profile: { name: 'm', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port } });
    await call('connections.connect', { profileId: profile.id });
    await call('subscriptions.subscribe', { connectionId: profile.id, filter: 'big/#', qos: 1 });
    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`);
    const big = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => (i * 7) % 256)); // not one repeated byte
    const received = () => batches.flatMap((b) => b.messages);
    await publisher.publishAsync('big/one', big, { qos: 1 });
    await until(() => received().length >= 1, 5000, 'the big message');
    const first = received()[0]!;
    expect(first.payloadSize).toBe(big.length);
    expect(first.payload.byteLength).toBe(PREVIEW_BYTES);
    expect(Buffer.from(first.payload).equals(big.subarray(0, PREVIEW_BYTES))).toBe(true);
    // While it is stored, the whole payload is served on request.
    const whole = await call('messages.get', { connectionId: profile.id, seq: first.seq });
    expect(Buffer.from(whole.payload).equals(big)).toBe(true);

    for (let i = 0; i < 60; i++) await publisher.publishAsync('big/small', `n${i}`, { qos: 1 });
    await until(() => received().length >= 61, 5000, '61 messages');
    await publisher.endAsync();

    // 61 messages into a store of 50: the big one was evicted and is no longer served.
    await expect(call('messages.get', { connectionId: profile.id, seq: first.seq })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(batches.at(-1)!.evicted).toBe(11);
    const last = received().at(-1)!;
    const full = await call('messages.get', { connectionId: profile.id, seq: last.seq });
    expect(new TextDecoder().decode(full.payload)).toBe('n59');

    const csv = await call('messages.export', { connectionId: profile.id, format: 'csv' });
    expect(csv.count).toBe(50);
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.text.trim().split('\r\n')).toHaveLength(51);
    const json = await call('messages.export', { connectionId: profile.id, format: 'json' });
    expect(JSON.parse(json.text).at(-1)).toMatchObject({ topic: 'big/small', payload: 'n59' });
    await expect(call('messages.clear', { connectionId: profile.id })).resolves.toEqual({ cleared: 50 });
    await expect(call('messages.export', { connectionId: profile.id, format: 'json' })).resolves.toMatchObject({ count: 0 });
  });
});
