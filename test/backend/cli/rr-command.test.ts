/**
 * `mqtt-desk rr` beside Debian's mosquitto_rr 2.0.11 against mosquitto and the sidecar: an
 * MQTT.js responder answers on the request's Response Topic (with its Correlation Data);
 * both tools must print the same bytes, say the same things and end with the same code.
 */

import { rmSync } from 'node:fs';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfigured, tempDir, type ConfiguredBroker } from '../../helpers/broker-config';
import { asDesk, FROZEN_TIME, runTool } from '../../helpers/desk-cli';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto';

let dir: string;
let mosquitto: Mosquitto;
let sidecar: ConfiguredBroker;
const ports: number[] = [];
const responders: MqttClient[] = [];

beforeAll(async () => {
  dir = tempDir('mqtt-desk-rr-');
  mosquitto = await startMosquitto();
  const port = await freePort();
  sidecar = await startConfigured(dir, ['allow_anonymous true', `listener ${port} 127.0.0.1`]);
  ports.push(mosquitto.port, port);
  for (const p of ports) {
    const responder = await connectAsync(`mqtt://127.0.0.1:${p}`, { protocolVersion: 5, reconnectPeriod: 0 });
    responder.on('message', (_topic, payload, packet) => {
      const responseTopic = packet.properties?.responseTopic;
      if (!responseTopic) return;
      const correlationData = packet.properties?.correlationData;
      void responder.publishAsync(responseTopic, `re: ${payload.toString()}`, { qos: 1, properties: { contentType: 'text/plain', ...(correlationData ? { correlationData } : {}) } });
    });
    await responder.subscribeAsync('rr/req/#', { qos: 1 });
    responders.push(responder);
  }
}, 30_000);

afterAll(async () => {
  for (const r of responders) await r.endAsync();
  await mosquitto?.stop();
  await sidecar?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([0, 1])('mqtt-desk rr and mosquitto_rr, broker %#', (index) => {
  it.each([
    ['a plain request', ['-t', 'rr/req/a', '-e', 'rr/resp/a', '-m', 'hello']],
    ['-v at QoS 1 with -d', ['-t', 'rr/req/b', '-e', 'rr/resp/b', '-m', 'hello', '-v', '-q', '1', '-d', '-i', 'rr-d']],
    ['-F with the response properties, correlation data sent with -D', ['-t', 'rr/req/c', '-e', 'rr/resp/c', '-m', 'x', '-D', 'publish', 'correlation-data', 'id-7', '-F', '%t|%p|%C|%D|%j']],
    ['no answer: -W ends it with "Timed out"', ['-t', 'rr/nobody', '-e', 'rr/resp/none', '-m', 'x', '-W', '1']],
  ])('%s', async (_name, args) => {
    const all = ['-p', String(ports[index]), ...args];
    const theirs = await runTool('mosquitto_rr', all, { env: FROZEN_TIME });
    const ours = await runTool('mqtt-desk', ['rr', ...all], { env: FROZEN_TIME });
    const assigned = (text: string) => text.replace(/auto-[0-9A-Fa-f-]{16,36}/g, 'auto-<assigned>');
    expect({ code: ours.code, stderr: ours.stderr, stdout: assigned(ours.stdout.toString('latin1')) }).toEqual({
      code: theirs.code,
      stderr: asDesk(theirs.stderr),
      stdout: assigned(theirs.stdout.toString('latin1')),
    });
  });
});
