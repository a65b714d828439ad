import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, withTimeout } from '../helpers/broker-harness';
import { runClient, startConfigured, tempDir, writeIn, type ConfiguredBroker } from '../helpers/broker-config';
import { freePort } from '../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { until } from '../helpers/wait';

// Every transport of one broker, started from a mosquitto.conf, with real peers on each.

let pki: TestPki;
let dir: string;
let running: ConfiguredBroker;
let tcp: number, tls: number, ws: number, wss: number, mtls: number;

beforeAll(async () => {
  pki = makeTestPki();
  dir = tempDir('mqtt-desk-listeners-');
  const acl = writeIn(dir, 'acl', ['user desk-client', 'topic readwrite cert/#', 'pattern readwrite open/#', 'topic readwrite open/#', ''].join('\n'));
  [tcp, tls, ws, wss, mtls] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const tlsFiles = [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`];
  running = await startConfigured(dir, [
    'allow_anonymous true',
    `acl_file ${acl}`,
    `listener ${tcp} 127.0.0.1`,
    `listener ${tls} 127.0.0.1`,
    ...tlsFiles,
    `listener ${ws} 127.0.0.1`,
    'protocol websockets',
    `listener ${wss} 127.0.0.1`,
    'protocol websockets',
    ...tlsFiles,
    `listener ${mtls} 127.0.0.1`,
    ...tlsFiles,
    'require_certificate true',
    'use_identity_as_username true',
  ]);
}, 20_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

async function wsClient(url: string, options: Parameters<typeof connectAsync>[1] = {}): Promise<MqttClient> {
  return withTimeout(connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options }), 4000, `MQTT.js connect to ${url}`);
}

/**
 * Eclipse paho (Debian's python3-paho-mqtt) over WebSocket: path /mqtt, optional TLS with the
 * test CA. Subscribes, publishes a retained QoS 1 message to itself, prints what it received.
 * (Debian's mosquitto_pub/sub 2.0.11 have no ws:// support, so paho is the outside WS peer.)
 */
const PAHO_WS = String.raw`
import sys, threading
import paho.mqtt.client as mqtt
port, secure, ca, topic = int(sys.argv[1]), sys.argv[2] == 'wss', sys.argv[3], sys.argv[4]
got, subscribed = threading.Event(), threading.Event()
c = mqtt.Client(client_id='paho-' + sys.argv[2], protocol=mqtt.MQTTv311, transport='websockets')
c.ws_set_options(path='/mqtt')
if secure: c.tls_set(ca_certs=ca)
c.on_subscribe = lambda *a: subscribed.set()
def on_message(client, userdata, msg):
    print('%s %s %d' % (msg.topic, msg.payload.decode(), msg.qos)); got.set()
c.on_message = on_message
c.connect('127.0.0.1', port, keepalive=10)
c.loop_start()
c.subscribe(topic, qos=1)
if not subscribed.wait(5): sys.exit('no SUBACK')
info = c.publish(topic, 'paho over ' + sys.argv[2], qos=1, retain=True)
info.wait_for_publish(5)
if not info.is_published(): sys.exit('no PUBACK')
if not got.wait(5): sys.exit('own message not received')
c.disconnect(); c.loop_stop()
`;

function runPaho(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', ['-c', PAHO_WS, ...args], { timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('listeners from mosquitto.conf', () => {
  it('binds every listener on its configured port', () => {
    expect(running.ports).toEqual([tcp, tls, ws, wss, mtls]);
  });

  it.each([
    ['ws', () => ws],
    ['wss', () => wss],
  ] as const)('serves paho over %s (/mqtt), and mosquitto_sub over TCP gets its retained message', async (kind, port) => {
    const topic = `open/paho-${kind}`;
    const paho = await runPaho([String(port()), kind, pki.caCert, topic]);
    expect(paho.code, paho.stderr).toBe(0);
    expect(paho.stdout.trim()).toBe(`${topic} paho over ${kind} 1`);
    const sub = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(tcp), '-t', topic, '-C', '1', '-W', '5', '-v']);
    expect(sub.stdout.trim()).toBe(`${topic} paho over ${kind}`);
    const clear = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tcp), '-t', topic, '-r', '-n']);
    expect(clear.code, clear.stderr).toBe(0);
  });

  it('carries mosquitto_pub over TLS (--cafile) to an MQTT.js subscriber over WebSocket (/mqtt, subprotocol mqtt)', async () => {
    const sub = await wsClient(`ws://127.0.0.1:${ws}/mqtt`, { clientId: 'ws-sub', protocolVersion: 4 });
    try {
      const got = collect(sub);
      await sub.subscribeAsync('open/tls', { qos: 1 });
      const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tls), '--cafile', pki.caCert, '-i', 'tls-pub', '-t', 'open/tls', '-m', 'over tls', '-q', '1']);
      expect(pub.code, pub.stderr).toBe(0);
      const [message] = await got.waitFor(1);
      expect(message).toMatchObject({ topic: 'open/tls', payload: 'over tls' });
    } finally {
      await endAll(sub);
    }
  });

  it('serves MQTT 5 over secure WebSocket with the test CA, and plain TCP peers see it', async () => {
    const sub = await wsClient(`wss://127.0.0.1:${wss}/mqtt`, { clientId: 'wss-sub', protocolVersion: 5, ca: pki.read(pki.caCert) });
    try {
      const got = collect(sub);
      await sub.subscribeAsync('open/wss', { qos: 1 });
      const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tcp), '-V', 'mqttv5', '-t', 'open/wss', '-m', 'to wss', '-q', '1']);
      expect(pub.code, pub.stderr).toBe(0);
      const [message] = await got.waitFor(1);
      expect(message).toMatchObject({ topic: 'open/wss', payload: 'to wss' });
    } finally {
      await endAll(sub);
    }
  });

  it('speaks MQTT 3.1 over WebSocket (subprotocol mqttv3.1)', async () => {
    const client = await wsClient(`ws://127.0.0.1:${ws}/mqtt`, { clientId: 'ws-31', protocolVersion: 3, protocolId: 'MQIsdp' });
    try {
      const got = collect(client);
      await client.subscribeAsync('open/31', { qos: 1 });
      await client.publishAsync('open/31', 'old school', { qos: 1 });
      expect((await got.waitFor(1))[0]).toMatchObject({ payload: 'old school' });
    } finally {
      await endAll(client);
    }
  });

  it('refuses a TLS client that does not trust the server (wrong --cafile)', async () => {
    const logged = running.log.length;
    const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tls), '--cafile', pki.otherCaCert, '-t', 'open/x', '-m', 'x']);
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/TLS error/);
    // Why, from the broker's side: the client rejected our certificate's CA.
    await until(() => running.log.slice(logged).some((e) => /TLS handshake with .* failed: .*unknown ca/.test(e.message)), 5000, 'the handshake failure in the log');
  });

  it('require_certificate: a client without a certificate fails the handshake', async () => {
    const logged = running.log.length;
    const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mtls), '--cafile', pki.caCert, '-t', 'cert/x', '-m', 'x']);
    expect(pub.code).not.toBe(0);
    await until(() => running.log.slice(logged).some((e) => /TLS handshake with .* failed: .*peer did not return a certificate/.test(e.message)), 5000, 'the handshake failure in the log');
    expect(running.log.slice(logged).map((e) => e.message)).not.toContainEqual(expect.stringMatching(/^New client connected/));
  });

  it('use_identity_as_username: the certificate CN (desk-client) is the username the ACL sees', async () => {
    const tlsArgs = ['-h', '127.0.0.1', '-p', String(mtls), '--cafile', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey];
    // Only user desk-client may use cert/# (the ACL), so getting the message proves the CN became the username.
    const sub = runClient('mosquitto_sub', [...tlsArgs, '-i', 'cert-sub', '-t', 'cert/#', '-C', '1', '-W', '10', '-V', 'mqttv5'], 15_000);
    await until(() => (running.broker.options.sessions.get('cert-sub')?.subscriptions.size ?? 0) > 0, 10_000, 'mosquitto_sub to subscribe');
    const pub = await runClient('mosquitto_pub', [...tlsArgs, '-i', 'cert-pub', '-t', 'cert/hello', '-m', 'from cert', '-q', '1']);
    expect(pub.code, pub.stderr).toBe(0);
    const received = await sub;
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout.trim()).toBe('from cert');
  });
});
