/**
 * Decoding in the backend, through a real connection to Debian's mosquitto: Sparkplug B
 * written by Eclipse Tahu's encoder, protobuf and JSON Schema per topic filter, schemas
 * changed while connected, encoding for publishing, exports, and schemas travelling with
 * profile export/import.
 */

import { connectAsync, type MqttClient } from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { decodePayload, encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../backend/backend';
import type { MessageBatch, MessageRecord } from '../../shared/contract';
import { callerFor } from '../helpers/backend-call';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

const READING = 'syntax = "proto3";\npackage sensors;\nmessage Reading {\n  string sensor = 1;\n  double value = 2;\n}\n';
const schemas = [
  { id: 'pb', kind: 'protobuf', topicFilter: 'pb/#', messageType: 'sensors.Reading', files: [{ name: 'reading.proto', text: READING }] },
  { id: 'js', kind: 'json-schema', topicFilter: 'json/#', messageType: '', files: [{ name: 'reading.json', text: '{"title": "Reading", "type": "object", "properties": {"temp": {"type": "number"}}}' }] },
];

let mosquitto: Mosquitto;
let backend: Backend;
let dir: string;
let publisher: MqttClient;
const received: MessageRecord[] = [];
const call = callerFor(() => backend);

beforeAll(async () => {
  mosquitto = await startMosquitto();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-decoding-'));
  backend = createBackend({ configDir: dir });
  backend.events.subscribe((stream, data) => stream === 'messages.batch' && received.push(...(data as MessageBatch).messages));
  publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'decoding-publisher' });
});
afterAll(async () => {
  await publisher?.endAsync();
  await backend?.close();
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Publishes, then a marker; resolves with what arrived up to the marker (ordering proves nothing is still on its way). */
async function exchange(topic: string, payloads: Array<Uint8Array | string>, extra: Array<[string, Uint8Array | string]> = []): Promise<MessageRecord[]> {
  const marker = `marker-${Math.random()}`;
  const start = received.length;
  for (const payload of payloads) await publisher.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  for (const [t, payload] of extra) await publisher.publishAsync(t, Buffer.from(payload), { qos: 1 });
  await publisher.publishAsync('control/marker', marker, { qos: 1 });
  await until(() => received.slice(start).some((m) => m.topic === 'control/marker' && new TextDecoder().decode(m.payload) === marker), 10_000);
  return received.slice(start).filter((m) => m.topic !== 'control/marker' && m.direction === 'in');
}

describe('decoding in the backend', () => {
  let profileId = '';

  it('refuses to save a .proto that does not parse, naming file and line', async () => {
    const bad = [{ ...schemas[0], files: [{ name: 'reading.proto', text: 'syntax = "proto3";\nmessage Reading {\n  string sensor = 1\n}\n' }] }];
    await expect(call('profiles.save', { profile: { name: 'bad', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port, schemas: bad } })).rejects.toMatchObject({
      code: 'INVALID_PROFILE',
      fields: { 'schemas.0.files': "reading.proto:4:1: illegal token '}', ';' expected" },
    });
  });

  it('decodes Sparkplug B with no setup: aliases from the birth, seq gaps flagged', async () => {
    const profile = await call('profiles.save', { profile: { name: 'decoding', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port, schemas } });
    profileId = profile.id;
    await call('connections.connect', { profileId });
    await call('subscriptions.subscribe', { connectionId: profileId, filter: '#', qos: 1 });
    const birth = encodePayload({ timestamp: 1, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Temperature', alias: 1, type: 'Double', value: 20 }] });
    const data = (seq: number, value: number) => encodePayload({ timestamp: 2, seq, metrics: [{ alias: 1, type: 'Double', value } as never] });
    const messages = await exchange('spBv1.0/Plant/NBIRTH/Edge1', [birth], [
      ['spBv1.0/Plant/NDATA/Edge1', data(1, 21.5)],
      ['spBv1.0/Plant/NDATA/Edge1', data(3, 22)],
    ]);
    expect(messages.map((m) => [m.decoded?.type, m.decoded?.sparkplug?.metrics.map((x) => `${x.name} = ${String(x.value)}`), m.decoded?.warnings])).toEqual([
      ['Sparkplug B NBIRTH', ['bdSeq = 0', 'Temperature = 20'], undefined],
      ['Sparkplug B NDATA', ['Temperature = 21.5'], undefined],
      ['Sparkplug B NDATA', ['Temperature = 22'], ['seq gap: expected 2, got 3']],
    ]);
  });

  it('decodes protobuf and validates JSON per topic filter; other topics stay undecoded', async () => {
    const root = protobuf.parse(READING).root;
    const Reading = root.lookupType('sensors.Reading');
    const messages = await exchange('pb/lab', [Reading.encode({ sensor: 't1', value: 3.5 }).finish(), new Uint8Array([0x0f])], [
      ['json/lab', '{"temp": 21}'],
      ['json/lab', '{"temp": "warm"}'],
      ['plain/lab', 'hello'],
    ]);
    expect(messages.map((m) => m.decoded)).toEqual([
      { kind: 'protobuf', type: 'sensors.Reading', value: { sensor: 't1', value: 3.5 } },
      { kind: 'protobuf', type: 'sensors.Reading', error: { message: 'Not a Reading: invalid wire type 7 in the tag', offset: 0 } },
      { kind: 'json-schema', type: 'Reading', value: { temp: 21 }, validation: { valid: true } },
      { kind: 'json-schema', type: 'Reading', value: { temp: 'warm' }, validation: { valid: false, path: '/temp', message: 'must be number' } },
      undefined,
    ]);
  });

  it('takes schemas saved while connected from the next message on', async () => {
    const profile = (await call('profiles.list')).find((p) => p.id === profileId)!;
    const avsc = JSON.stringify({ type: 'record', name: 'Level', fields: [{ name: 'percent', type: 'int' }] });
    await call('profiles.save', { profile: { ...profile, schemas: [...profile.schemas, { id: 'av', kind: 'avro', topicFilter: 'avro/#', messageType: '', files: [{ name: 'level.avsc', text: avsc }] }] } });
    const [message] = await exchange('avro/tank', [new Uint8Array([0x54])]);
    expect(message!.decoded).toEqual({ kind: 'avro', type: 'Level', value: { percent: 42 } });
  });

  it('encodes for publishing: Sparkplug NCMD that Tahu decodes, protobuf for the mapped type, refusals for the payload field', async () => {
    const ncmd = await call('payloads.encode', { connectionId: profileId, topic: 'spBv1.0/Plant/NCMD/Edge1', json: '{"metrics": [{"name": "Node Control/Rebirth", "type": "Boolean", "value": true}]}', as: 'sparkplug' });
    expect(ncmd.type).toBe('Sparkplug B NCMD');
    expect(decodePayload(ncmd.payload).metrics).toMatchObject([{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    const start = received.length;
    await call('messages.publish', { connectionId: profileId, topic: 'spBv1.0/Plant/NCMD/Edge1', payload: ncmd.payload, qos: 1, retain: false });
    await until(() => received.slice(start).some((m) => m.direction === 'out'), 10_000);
    const sent = received.slice(start).find((m) => m.direction === 'out')!;
    expect(sent.decoded?.sparkplug?.metrics[0]).toMatchObject({ name: 'Node Control/Rebirth', value: true });

    const pb = await call('payloads.encode', { connectionId: profileId, topic: 'pb/x', json: '{"sensor": "s", "value": 1.25}', as: 'schema' });
    expect(pb.type).toBe('sensors.Reading');
    await expect(call('payloads.encode', { connectionId: profileId, topic: 'pb/x', json: '{"sensr": "s"}', as: 'schema' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENTS',
      fields: { payload: 'sensr: sensors.Reading has no field "sensr"' },
    });
    await expect(call('payloads.encode', { connectionId: profileId, topic: 'json/x', json: '{"temp": "x"}', as: 'schema' })).rejects.toMatchObject({ fields: { payload: 'Does not match Reading: /temp must be number' } });
  });

  it('exports carry the decoded value and the type', async () => {
    const json = JSON.parse((await call('messages.export', { connectionId: profileId, format: 'json' })).text) as Array<{ topic: string; decodedAs?: string; decoded?: { value?: { metrics?: unknown[] } } }>;
    const data = json.find((m) => m.topic === 'spBv1.0/Plant/NDATA/Edge1')!;
    expect(data.decodedAs).toBe('Sparkplug B NDATA');
    expect(data.decoded?.value?.metrics).toEqual([{ name: 'Temperature', alias: 1, datatype: 'Double', value: 21.5 }]);
    const csv = (await call('messages.export', { connectionId: profileId, format: 'csv' })).text;
    expect(csv).toContain(',sensors.Reading,"{""value"":{""sensor"":""t1"",""value"":3.5}}"');
  });

  it('schemas travel with profile export and import; an import whose schema does not compile is listed, not saved', async () => {
    const exported = await call('profiles.export', { ids: [profileId] });
    const document = JSON.parse(exported.json);
    expect(document.profiles[0].schemas.map((s: { topicFilter: string }) => s.topicFilter)).toEqual(['pb/#', 'json/#', 'avro/#']);
    const imported = await call('profiles.import', { json: exported.json });
    expect(imported.imported[0]!.schemas).toEqual(document.profiles[0].schemas);
    document.profiles[0].name = 'broken schemas';
    document.profiles[0].schemas[0].files[0].text = 'message {';
    const refused = await call('profiles.import', { json: JSON.stringify(document) });
    expect(refused.imported).toEqual([]);
    expect(refused.skipped).toEqual([{ name: 'broken schemas', reason: expect.stringMatching(/^schemas\.0\.files: reading\.proto:1: /) }]);
  });
});
