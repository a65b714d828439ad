/**
 * `mqtt-desk pub --collection NAME --env NAME` against Debian's mosquitto: a saved
 * collection (in a config dir the test owns) published in order with its environment's
 * variables, payload formats and MQTT 5 properties, as an outside MQTT.js subscriber
 * receives it; bad collection and environment names and a request that does not expand
 * refused before anything is sent (proved by a marker published after them arriving first).
 * A Sparkplug B request is encoded by the desk's encoder (Tahu decodes it), one off the
 * Sparkplug topics is refused before anything is sent.
 * Also `--format sparkplug` end to end: pub encodes the editor's JSON, sub prints it decoded.
 */

import { rmSync } from 'node:fs';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { decodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionStore } from '../../../backend/collection-store';
import { tempDir } from '../../helpers/broker-config';
import { runTool, startTool, untilOutput } from '../../helpers/desk-cli';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { until } from '../../helpers/wait';

let dir: string;
let mosquitto: Mosquitto;
let watcher: MqttClient;
const seen: IPublishPacket[] = [];

beforeAll(async () => {
  dir = tempDir('mqtt-desk-collections-');
  mosquitto = await startMosquitto();
  watcher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
  watcher.on('message', (_topic, _payload, packet) => seen.push(packet));
  await watcher.subscribeAsync('coll/#', { qos: 2 });
  const store = new CollectionStore(dir);
  await store.save({
    name: 'Devices',
    variables: { site: 'lab', deviceId: 'd0' },
    environments: [{ name: 'prod', values: { site: 'plant', deviceId: 'd7' } }],
    requests: [
      {
        name: 'Hello',
        topic: 'coll/{{site}}/{{deviceId}}/hello',
        payload: '{"n": {{counter}}, "device": "{{deviceId}}"}',
        payloadFormat: 'json',
        qos: 1,
        properties: { contentType: 'application/json', userProperties: [{ key: 'site', value: '{{site}}' }] },
      },
      { name: 'Raw', topic: 'coll/{{site}}/raw', payload: '00 ff', payloadFormat: 'hex', qos: 2, retain: false, delayMs: 50 },
    ],
  });
  await store.save({
    name: 'Plant',
    requests: [{ name: 'Set speed', topic: 'spBv1.0/Plant/NCMD/Edge1', payload: '{"metrics": [{"name": "Speed", "type": "Int32", "value": {{counter}}}]}', payloadFormat: 'sparkplug' }],
  });
  await store.save({
    name: 'Misplaced',
    requests: [
      { name: 'Fine', topic: 'coll/misplaced/fine', payload: 'x' },
      { name: 'Not Sparkplug', topic: 'coll/misplaced/cmd', payload: '{"metrics": []}', payloadFormat: 'sparkplug' },
    ],
  });
  await store.save({
    name: 'Broken',
    requests: [
      { name: 'Fine', topic: 'coll/broken/fine', payload: 'x' },
      { name: 'Typo', topic: 'coll/broken/{{devcieId}}', payload: 'x' },
    ],
  });
}, 30_000);

afterAll(async () => {
  await watcher?.endAsync();
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ MQTT_DESK_CONFIG_DIR: dir });
const received = () => seen.map((p) => ({ topic: p.topic, payload: p.payload.toString('hex'), qos: p.qos, properties: p.properties ?? {} }));

/** Publishes a marker and waits for it: whatever a run sent before arrived before it. */
async function afterMarker(): Promise<string[]> {
  const marker = `coll/marker/${Math.random().toString(36).slice(2)}`;
  const run = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), '-t', marker, '-m', 'm'], { env: env() });
  expect(run.code).toBe(0);
  await until(() => seen.some((p) => p.topic === marker), 5000, 'the marker');
  return seen.splice(0).map((p) => p.topic);
}

describe('mqtt-desk pub --collection', () => {
  it('encodes a Sparkplug B request with the desk\'s encoder, as Tahu decodes it', async () => {
    await watcher.subscribeAsync('spBv1.0/#', { qos: 1 });
    seen.splice(0);
    const run = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), '--collection', 'Plant'], { env: env() });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    await until(() => seen.length >= 1, 5000, 'the NCMD');
    expect(seen[0]!.topic).toBe('spBv1.0/Plant/NCMD/Edge1');
    expect(decodePayload(seen[0]!.payload as Buffer).metrics).toMatchObject([{ name: 'Speed', type: 'Int32', value: 1 }]);
    seen.splice(0);
  });

  it('publishes every request in order with the environment, formats and properties', async () => {
    seen.splice(0);
    const run = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), '-V', '5', '--collection', 'Devices', '--env', 'prod'], { env: env() });
    expect({ code: run.code, stderr: run.stderr, stdout: run.stdout.toString() }).toEqual({ code: 0, stderr: '', stdout: '' });
    await until(() => seen.length >= 2, 5000, 'both requests');
    expect(received()).toEqual([
      {
        topic: 'coll/plant/d7/hello',
        payload: Buffer.from('{"n": 1, "device": "d7"}').toString('hex'),
        qos: 1,
        properties: { contentType: 'application/json', userProperties: { site: 'plant' } },
      },
      { topic: 'coll/plant/raw', payload: '00ff', qos: 2, properties: {} },
    ]);
    seen.splice(0);
  });

  it("uses the collection's own values without --env, over MQTT 3.1.1", async () => {
    seen.splice(0);
    const run = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), '--collection', 'Devices'], { env: env() });
    expect(run.code).toBe(0);
    expect(await afterMarker()).toEqual(['coll/lab/d0/hello', 'coll/lab/raw', expect.stringMatching(/^coll\/marker\//)]);
  });

  it.each([
    ['an unknown collection', ['--collection', 'Nope'], 'Error: No collection named Nope (there are: Devices, Plant, Misplaced, Broken).\n'],
    ['an unknown environment', ['--collection', 'Devices', '--env', 'staging'], 'Error: No environment named staging in Devices (it has prod).\n'],
    ['a request that does not expand', ['--collection', 'Broken'], 'Error: Typo: topic: Unknown placeholder {{devcieId}}: use {{timestamp}}, {{counter}}, {{uuid}}, {{random}} or {{random:MIN:MAX}}.\n'],
    ['a Sparkplug B request off the Sparkplug topics', ['--collection', 'Misplaced'], 'Error: Not Sparkplug: payload: Sparkplug B payloads go to spBv1.0/<group>/<NCMD|DCMD|NDATA|…>/<edge node>[/<device>] topics.\n'],
    ['--env without --collection', ['-t', 'coll/x', '-m', 'x', '--env', 'prod'], 'Error: --env names an environment of a --collection.\n'],
  ])('refuses %s and sends nothing', async (_name, args, stderr) => {
    seen.splice(0);
    const run = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), ...args], { env: env() });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr });
    expect(await afterMarker()).toEqual([expect.stringMatching(/^coll\/marker\//)]);
  });
});

describe('--format sparkplug end to end', () => {
  it('pub encodes the JSON form, sub prints the payload decoded', async () => {
    const topic = 'spBv1.0/plant/NDATA/edge1';
    const sub = await startTool('mqtt-desk', ['sub', '-p', String(mosquitto.port), '-t', topic, '-C', '1', '-d', '--format', 'sparkplug'], { env: env() });
    await untilOutput(sub, (out) => out.includes('Subscribed'), 'the SUBACK');
    const pub = await runTool('mqtt-desk', ['pub', '-p', String(mosquitto.port), '-t', topic, '--format', 'sparkplug', '-m', '{"timestamp": 5, "seq": 3, "metrics": [{"name": "Temperature", "type": "Double", "value": 21.5}]}'], { env: env() });
    expect({ code: pub.code, stderr: pub.stderr }).toEqual({ code: 0, stderr: '' });
    const done = await sub.done;
    expect(done.code).toBe(0);
    const line = done.stdout.toString().split('\n').find((l) => l.startsWith('{'))!;
    expect(JSON.parse(line)).toMatchObject({ timestamp: 5, seq: 3, metrics: [{ name: 'Temperature', datatype: 'Double', value: 21.5 }] });
  });
});
