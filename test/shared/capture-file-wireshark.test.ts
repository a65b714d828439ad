/**
 * Captures made by Debian's dumpcap and tcpdump of real clients (MQTT.js, mosquitto_pub and
 * mosquitto_sub, paho, a raw client for the rarer packets) talking to a real mosquitto, read
 * by the inspector's capture reader, and held to Wireshark's own MQTT dissector: the same
 * packets in the same frames, every row's Info text exactly as tshark's Info column, and
 * every field Wireshark shows at the same position, size and value.
 */

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readCapture } from '../../shared/capture-file/mqtt-capture';
import { RawClient, withTimeout } from '../helpers/broker-harness';
import { startCapture, type LiveCapture } from '../helpers/live-capture';
import { freePort, startMosquitto, waitForLog, waitForPort, type Mosquitto } from '../helpers/mosquitto';
import { compareWithWireshark } from '../helpers/wireshark-compare';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** paho as an MQTT 3.1 (MQIsdp) client: subscribe, publish QoS 1 to itself, disconnect. */
const PAHO_31 = String.raw`
import sys, threading
import paho.mqtt.client as mqtt
got = threading.Event()
c = mqtt.Client(client_id='paho-31', protocol=mqtt.MQTTv31)
c.on_message = lambda *a: got.set()
c.connect('127.0.0.1', int(sys.argv[1]), keepalive=20)
c.loop_start()
c.subscribe('paho/#', qos=1)
c.publish('paho/x', 'from paho 3.1', qos=1).wait_for_publish(5)
if not got.wait(5): sys.exit('no message')
c.disconnect(); c.loop_stop()
`;

/** A hang guard, not a speed limit: dumpcap, the clients and tshark take long on a busy machine. */
const HANG_GUARD = 180_000;

describe('captures of real clients, read as Wireshark reads them', () => {
  let mosquitto: Mosquitto | undefined;
  let capture: LiveCapture | undefined;
  afterEach(() => capture?.abort());
  afterAll(() => mosquitto?.stop());

  it('reads a dumpcap pcapng of MQTT.js 5.0, mosquitto_pub/sub 3.1.1, paho 3.1 and raw packets like tshark', async () => {
    mosquitto = await startMosquitto();
    const port = mosquitto.port;
    capture = await startCapture(port);

    // MQTT.js, 5.0: properties everywhere, a will with properties, credentials.
    const js = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      clientId: 'js-five',
      username: 'alice',
      password: 'secret',
      keepalive: 30,
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 60, receiveMaximum: 20, userProperties: { app: 'desk' } },
      will: { topic: 'will/js', payload: Buffer.from('gone'), qos: 1, retain: false, properties: { willDelayInterval: 5, contentType: 'text/plain' } },
    });
    await js.subscribeAsync({ 'js/#': { qos: 2, rap: true, rh: 1 }, 'other/+': { qos: 0, nl: true } }, { properties: { subscriptionIdentifier: 7 } });
    const received = new Promise<void>((resolve) => js.on('message', (topic) => topic === 'js/q2' && resolve()));
    await js.publishAsync('js/q0', 'zero', { qos: 0 });
    await js.publishAsync('js/q1', '{"t":21.5}', { qos: 1, properties: { contentType: 'text/x-desk', userProperties: { k: 'v' }, messageExpiryInterval: 30 } });
    await js.publishAsync('js/q2', 'two', { qos: 2, retain: true, properties: { responseTopic: 'js/reply', correlationData: Buffer.from('abc'), payloadFormatIndicator: true } });
    await withTimeout(received, 5000, 'the QoS 2 echo');
    // A topic alias set with its topic, then used alone (mosquitto allows 10 by default).
    await js.publishAsync('js/aliased', 'first', { qos: 1, properties: { topicAlias: 3 } });
    await js.publishAsync('', 'by alias', { qos: 1, properties: { topicAlias: 3 } });
    await js.unsubscribeAsync('other/+');
    await js.endAsync();

    // mosquitto's own clients, 3.1.1: a retained QoS 2 with a will and credentials, a subscriber that also unsubscribes.
    const sub = run('mosquitto_sub', ['-p', String(port), '-i', 'sub-311', '-t', 'm/#', '-q', '1', '-C', '1', '-U', 'nothing/here', '-k', '40'], { timeout: 10_000 });
    await waitForLog(mosquitto, 'sub-311 1 m/#');
    await run('mosquitto_pub', ['-p', String(port), '-i', 'pub-311', '-t', 'm/x', '-m', 'hello 3.1.1', '-q', '2', '-r', '-u', 'bob', '-P', 'pw', '--will-topic', 'will/pub', '--will-payload', 'bye', '--will-qos', '1', '--will-retain'], { timeout: 10_000 });
    await sub;

    // paho, MQTT 3.1.
    await run(PYTHON, ['-c', PAHO_31, String(port)], { timeout: 15_000 });

    // A raw 5.0 client for the rest: PINGREQ, a PUBLISH too large for one segment, DISCONNECT with a reason.
    const raw = await RawClient.connected(port, 'raw-five', 5, { keepalive: 0 });
    raw.send({ cmd: 'pingreq' });
    expect((await raw.next()).cmd).toBe('pingresp');
    raw.send({ cmd: 'publish', topic: 'big/one', payload: Buffer.alloc(200_000, 0x42), qos: 1, messageId: 9, retain: false, dup: false });
    expect((await raw.next(5000)).cmd).toBe('puback');
    raw.send({ cmd: 'disconnect', reasonCode: 0x04, properties: { reasonString: 'done here' } });
    await raw.waitClosed(5000);

    const bytes = await capture.stop();
    const contents = readCapture(bytes);
    expect(contents.problems).toEqual([]);
    expect(contents.format).toBe('pcapng');
    expect(contents.streams.map((s) => [s.clientId, s.protocolVersion, s.transport])).toEqual([
      ['js-five', 5, 'tcp'],
      ['sub-311', 4, 'tcp'],
      ['pub-311', 4, 'tcp'],
      ['paho-31', 3, 'tcp'],
      ['raw-five', 5, 'tcp'],
    ]);
    expect(contents.streams.every((s) => s.server === `127.0.0.1:${port}` && s.problems.length === 0)).toBe(true);
    const types = contents.streams.flatMap((s) => s.packets.map((p) => p.bytes[0]! >> 4));
    // Every packet type but AUTH (mosquitto has no AUTH without a plugin).
    expect(new Set(types)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));

    // MQTT.js sent the second aliased PUBLISH without its topic; the row still names it, as Wireshark's does.
    const js5 = contents.streams[0]!.packets.filter((p) => p.direction === 'out' && p.bytes[0]! >> 4 === 3);
    expect(js5.filter((p) => p.bytes[2] === 0 && p.bytes[3] === 0)).toHaveLength(1);
    const compared = compareWithWireshark(capture.file, contents, ['-d', `tcp.port==${port},mqtt`]);
    expect(compared.ours.info).toEqual(compared.wireshark.info);
    expect(compared.ours.info.filter((line) => /\[js\/aliased\]/.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(compared.ours.fields).toEqual(compared.wireshark.fields);
  }, HANG_GUARD);

  it('reads MQTT over WebSocket (MQTT.js to mosquitto): the bytes tshark unmasks from the frames, framed as MQTT', async () => {
    const wsPort = await freePort();
    mosquitto = await restartWith(mosquitto, [`listener ${wsPort} 127.0.0.1`, 'protocol websockets']);
    // mosquitto is waited for on its first listener; the WebSocket one may open a moment later.
    await waitForPort(wsPort);
    capture = await startCapture(wsPort);
    const client = await connectAsync(`ws://127.0.0.1:${wsPort}/mqtt`, { clientId: 'js-ws', protocolVersion: 4, reconnectPeriod: 0 });
    await client.subscribeAsync('ws/#', { qos: 1 });
    const echo = new Promise<void>((resolve) => client.on('message', () => resolve()));
    await client.publishAsync('ws/t', Buffer.alloc(3000, 0x61), { qos: 1 });
    await withTimeout(echo, 5000, 'the echo over WebSocket');
    await client.endAsync();
    const bytes = await capture.stop();

    const contents = readCapture(bytes);
    expect(contents.streams.map((s) => [s.clientId, s.transport, s.client.endsWith(`:${wsPort}`), s.server, s.problems])).toEqual([['js-ws', 'websocket', false, `127.0.0.1:${wsPort}`, []]]);
    const packets = contents.streams[0]!.packets;
    // mosquitto may send its PUBACK before or after the echo: compare as a set past the SUBACK.
    const kinds = packets.map((p) => `${p.direction} ${p.bytes[0]! >> 4}`);
    expect(kinds.slice(0, 4)).toEqual(['out 1', 'in 2', 'out 8', 'in 9']);
    expect(kinds.slice(4).sort()).toEqual(['in 3', 'in 4', 'out 14', 'out 3', 'out 4']);
    // Wireshark 4.0 does not hand WebSocket payloads to its MQTT dissector (MQTT.js splits
    // packets across messages), so the reference is the unmasked payload bytes it shows.
    const out = execFileSync('tshark', ['-r', capture.file, '-d', `tcp.port==${wsPort},http`, '-Y', 'websocket && data', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport', '-e', 'data.data'], { encoding: 'utf8' });
    const frames = out.trim().split('\n').map((line) => line.split('\t'));
    const theirs = (toServer: boolean) => frames.filter(([, dst]) => (dst === String(wsPort)) === toServer).map(([, , data]) => data).join('');
    const ours = (direction: 'in' | 'out') => Buffer.concat(packets.filter((p) => p.direction === direction).map((p) => p.bytes)).toString('hex');
    expect(ours('out')).toBe(theirs(true));
    expect(ours('in')).toBe(theirs(false));
    // Each packet is timed by the frame that completed it.
    const lastFrameOf = new Set(frames.map(([frame]) => Number(frame)));
    expect(packets.every((p) => lastFrameOf.has(p.frame!))).toBe(true);
  }, HANG_GUARD);

  it('reads a tcpdump pcap from the "any" interface (Linux cooked SLL2 frames) like tshark', async () => {
    mosquitto ??= await startMosquitto();
    const port = mosquitto.port;
    capture = await startCapture(port, { tool: 'tcpdump', iface: 'any' });
    const sub = run('mosquitto_sub', ['-p', String(port), '-i', 'sll-sub', '-t', 'sll/#', '-q', '2', '-C', '1', '-V', 'mqttv5'], { timeout: 10_000 });
    await waitForLog(mosquitto, 'sll-sub 2 sll/#');
    await run('mosquitto_pub', ['-p', String(port), '-i', 'sll-pub', '-t', 'sll/t', '-m', 'cooked', '-q', '2', '-V', 'mqttv5'], { timeout: 10_000 });
    await sub;
    const bytes = await capture.stop();

    const contents = readCapture(bytes);
    expect(contents.format).toBe('pcap');
    expect(contents.streams.map((s) => s.clientId)).toEqual(['sll-sub', 'sll-pub']);
    const compared = compareWithWireshark(capture.file, contents, ['-d', `tcp.port==${port},mqtt`]);
    expect(compared.ours.info).toEqual(compared.wireshark.info);
    expect(compared.ours.fields).toEqual(compared.wireshark.fields);
  }, HANG_GUARD);
});

async function restartWith(previous: Mosquitto | undefined, config: string[]): Promise<Mosquitto> {
  await previous?.stop();
  return startMosquitto(config);
}
