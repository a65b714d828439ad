/**
 * `mqtt-desk pub` beside Debian's mosquitto_pub 2.0.11 against mosquitto and the sidecar:
 * the same -d lines, stderr and exit codes, and the same messages on the wire (an outside
 * MQTT.js subscriber records what each tool published, payload bytes and properties).
 */

import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfigured, tempDir, type ConfiguredBroker } from '../../helpers/broker-config';
import { asDesk, runTool, type ToolRun } from '../../helpers/desk-cli';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { until } from '../../helpers/wait';

let dir: string;
let mosquitto: Mosquitto;
let limited: Mosquitto;
let sidecar: ConfiguredBroker;
const targets: Array<{ name: string; port: number }> = [];
const watchers: MqttClient[] = [];
/** What the outside subscriber saw, per broker port. */
const seen = new Map<number, IPublishPacket[]>();

beforeAll(async () => {
  dir = tempDir('mqtt-desk-pub-');
  mosquitto = await startMosquitto();
  limited = await startMosquitto(['max_qos 1', 'allow_anonymous false']);
  const port = await freePort();
  sidecar = await startConfigured(dir, ['allow_anonymous true', `listener ${port} 127.0.0.1`]);
  targets.push({ name: 'mosquitto', port: mosquitto.port }, { name: 'sidecar', port });
  for (const t of targets) {
    const watcher = await connectAsync(`mqtt://127.0.0.1:${t.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
    seen.set(t.port, []);
    watcher.on('message', (_topic, _payload, packet) => seen.get(t.port)!.push(packet));
    await watcher.subscribeAsync('pub/#', { qos: 2 });
    watchers.push(watcher);
  }
}, 30_000);

afterAll(async () => {
  for (const w of watchers) await w.endAsync();
  await mosquitto?.stop();
  await limited?.stop();
  await sidecar?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const assigned = (text: string) => text.replace(/auto-[0-9A-Fa-f-]{16,36}/g, 'auto-<assigned>');

function expectSame(theirs: ToolRun, ours: ToolRun): void {
  expect({ code: ours.code, stderr: ours.stderr, stdout: assigned(ours.stdout.toString('latin1')) }).toEqual({
    code: theirs.code,
    stderr: asDesk(theirs.stderr),
    stdout: assigned(theirs.stdout.toString('latin1')),
  });
}

/** The messages a tool published on `topic`, as the outside subscriber got them. */
async function published(port: number, topic: string, count: number): Promise<Array<{ payload: string; qos: number; retain: boolean; properties: unknown }>> {
  await until(() => seen.get(port)!.filter((p) => p.topic === topic).length >= count, 5000, `${count} messages on ${topic}`);
  return seen
    .get(port)!
    .filter((p) => p.topic === topic)
    .map((p) => ({ payload: p.payload.toString('hex'), qos: p.qos, retain: p.retain, properties: p.properties ?? null }));
}

/** Runs mosquitto_pub, then mqtt-desk pub, each on its own topic; compares output and wire. */
async function compare(port: number, args: (topic: string) => string[], options: { stdin?: string | Buffer; messages?: number } = {}): Promise<ToolRun> {
  const stamp = `${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const theirsTopic = `pub/theirs/${stamp}`;
  const oursTopic = `pub/ours/${stamp}`;
  const theirs = await runTool('mosquitto_pub', ['-p', String(port), ...args(theirsTopic)], { stdin: options.stdin ?? '' });
  const ours = await runTool('mqtt-desk', ['pub', '-p', String(port), ...args(oursTopic)], { stdin: options.stdin ?? '' });
  expectSame({ ...theirs, stdout: Buffer.from(theirs.stdout.toString('latin1').replaceAll(theirsTopic, 'TOPIC'), 'latin1') }, { ...ours, stdout: Buffer.from(ours.stdout.toString('latin1').replaceAll(oursTopic, 'TOPIC'), 'latin1') });
  if (options.messages) expect(await published(port, oursTopic, options.messages)).toEqual(await published(port, theirsTopic, options.messages));
  return ours;
}

describe.each([0, 1])('mqtt-desk pub and mosquitto_pub, broker %#', (index) => {
  const port = () => targets[index]!.port;

  it.each([
    ['-m at QoS 0', ['-m', 'hello', '-q', '0']],
    ['-m at QoS 1, retained', ['-m', 'hello', '-q', '1', '-r']],
    ['-m at QoS 2', ['-m', 'hello', '-q', '2']],
    ['-n at QoS 1', ['-n', '-q', '1']],
    ['--repeat 3 --repeat-delay 0.05 at QoS 1', ['-m', 'again', '-q', '1', '--repeat', '3', '--repeat-delay', '0.05']],
    ['MQTT 5 properties', ['-V', '5', '-m', '{"a":1}', '-q', '1', '-D', 'publish', 'content-type', 'application/json', '-D', 'publish', 'user-property', 'k', 'v', '-D', 'publish', 'user-property', 'k', 'w', '-D', 'publish', 'correlation-data', 'c1', '-D', 'publish', 'response-topic', 'pub/reply', '-D', 'publish', 'message-expiry-interval', '60', '-D', 'publish', 'payload-format-indicator', '1']],
    ['MQTT 3.1 with an ID', ['-V', 'mqttv31', '-i', 'p31', '-m', 'old', '-q', '1']],
  ])('%s: the same -d lines and the same message', async (_name, args) => {
    const messages = args.includes('--repeat') ? 3 : 1;
    await compare(port(), (topic) => ['-d', '-t', topic, ...args], { messages });
  });

  it('-f sends a file\'s bytes as they are', async () => {
    const file = path.join(dir, 'payload.bin');
    writeFileSync(file, Buffer.from([0, 1, 2, 255, 10, 13]));
    await compare(port(), (topic) => ['-t', topic, '-f', file, '-q', '1'], { messages: 1 });
  });

  it('-s sends stdin as one message', async () => {
    await compare(port(), (topic) => ['-t', topic, '-s', '-q', '1'], { stdin: 'line one\nline two\n', messages: 1 });
  });

  it('-l sends one message per line: empty lines too, "\\r" kept, the last line without a newline', async () => {
    await compare(port(), (topic) => ['-t', topic, '-l', '-q', '1'], { stdin: 'a\n\nc\r\nlast', messages: 4 });
  });

  it.each([
    ['a missing file', ['-t', 'pub/x', '-f', '/nonexistent/file']],
    ['empty stdin for -s', ['-t', 'pub/x', '-s']],
    ['a refused socket', ['-t', 'pub/x', '-m', 'x']],
  ])('%s: the same words and exit code', async (name, args) => {
    const portArgs = name === 'a refused socket' ? ['-p', String(await freePort())] : ['-p', String(port())];
    const [theirs, ours] = await Promise.all([runTool('mosquitto_pub', [...portArgs, ...args]), runTool('mqtt-desk', ['pub', ...portArgs, ...args])]);
    expectSame(theirs, ours);
    expect(ours.code).toBe(1);
  });

  it('"Both topic and message must be supplied." on stderr, usage on stdout, exit code 1', async () => {
    const [theirs, ours] = await Promise.all([runTool('mosquitto_pub', ['-t', 'pub/x']), runTool('mqtt-desk', ['pub', '-t', 'pub/x'])]);
    expect([ours.code, ours.stderr]).toEqual([theirs.code, theirs.stderr]);
    expect(ours.stdout.toString()).toMatch(/^mqtt-desk pub: publish like mosquitto_pub/);
  });
});

describe('mqtt-desk pub refused by the broker', () => {
  it.each([
    ['MQTT 3.1.1 CONNACK', ['-V', 'mqttv311']],
    ['MQTT 5 CONNACK', ['-V', 'mqttv5']],
  ])('%s: the reason, and its code as the exit code', async (_name, version) => {
    const args = ['-p', String(limited.port), '-t', 'pub/x', '-m', 'x', '-d', ...version];
    const [theirs, ours] = await Promise.all([runTool('mosquitto_pub', args), runTool('mqtt-desk', ['pub', ...args])]);
    expectSame(theirs, ours);
    expect(ours.code).not.toBe(0);
  });
});
