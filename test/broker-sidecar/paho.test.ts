import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, mqttClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

// Eclipse paho-mqtt (Debian's python3-paho-mqtt, 1.6.x API) as an outside peer: a third
// MQTT implementation next to MQTT.js and mosquitto's clients.

const PYTHON = '/usr/bin/python3';

/**
 * Subscribes with one paho client, publishes QoS 1 and 2 (5.0: with user properties) with
 * another, prints one JSON line per received message and the SUBACK/PUBACK outcome.
 */
const ROUND_TRIP = String.raw`
import json, sys, threading, time
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

port, version, topic = int(sys.argv[1]), sys.argv[2], sys.argv[3]
proto = mqtt.MQTTv5 if version == '5' else mqtt.MQTTv311
got, subscribed, done = [], threading.Event(), threading.Event()

def on_message(client, userdata, msg):
    props = getattr(msg, 'properties', None)
    user = getattr(props, 'UserProperty', None) if props is not None else None
    got.append({'topic': msg.topic, 'payload': msg.payload.decode(), 'qos': msg.qos, 'user': user})
    if len(got) == 2: done.set()

def on_subscribe(client, userdata, mid, granted, *rest):
    subscribed.set()

def make(cid):
    c = mqtt.Client(client_id=cid, protocol=proto)
    return c

sub = make('paho-sub-' + version)
sub.on_message = on_message
sub.on_subscribe = on_subscribe
sub.connect('127.0.0.1', port, keepalive=10)
sub.loop_start()
sub.subscribe(topic, qos=2)
if not subscribed.wait(5): sys.exit('no SUBACK')

pub = make('paho-pub-' + version)
pub.connect('127.0.0.1', port, keepalive=10)
pub.loop_start()
for qos in (1, 2):
    props = None
    if version == '5':
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [('k', 'v%d' % qos), ('k', 'again'), ('z', 'last')]
    info = pub.publish(topic, 'paho q%d' % qos, qos=qos, properties=props)
    info.wait_for_publish(5)
    if not info.is_published(): sys.exit('publish q%d not acknowledged' % qos)
if not done.wait(5): sys.exit('got only %d messages' % len(got))
for m in got: print(json.dumps(m))
pub.disconnect(); sub.disconnect(); pub.loop_stop(); sub.loop_stop()
`;

/** Subscribes with paho and prints the first message it receives as JSON. */
const RECEIVE_ONE = String.raw`
import json, sys, threading
import paho.mqtt.client as mqtt
port, topic = int(sys.argv[1]), sys.argv[2]
done, ready = threading.Event(), threading.Event()
out = {}
def on_message(c, u, msg):
    out.update(topic=msg.topic, payload=msg.payload.decode(), qos=msg.qos, user=getattr(msg.properties, 'UserProperty', None))
    done.set()
c = mqtt.Client(client_id='paho-one', protocol=mqtt.MQTTv5)
c.on_message = on_message
c.on_subscribe = lambda *a: (print('subscribed', flush=True), ready.set())
c.connect('127.0.0.1', port, keepalive=10)
c.loop_start()
c.subscribe(topic, qos=1)
if not done.wait(5): sys.exit('nothing received')
print(json.dumps(out), flush=True)
c.disconnect(); c.loop_stop()
`;

let running: RunningBroker;

beforeAll(async () => {
  running = await startBroker();
});
afterAll(async () => {
  await running.stop();
});

function python(script: string, args: string[], onStdout?: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', script, ...args], { timeout: 10_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`paho script failed: ${stderr || error.message}`)) : resolve(stdout),
    );
    if (onStdout) child.stdout?.on('data', (d: Buffer) => onStdout(d.toString()));
  });
}

describe('paho-mqtt clients as peers', () => {
  it('subscribes and publishes QoS 1 and 2 over MQTT 3.1.1', async () => {
    const lines = (await python(ROUND_TRIP, [String(running.port), '4', 'paho/v4/x'])).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { topic: 'paho/v4/x', payload: 'paho q1', qos: 1, user: null },
      { topic: 'paho/v4/x', payload: 'paho q2', qos: 2, user: null },
    ]);
  });

  it('subscribes and publishes QoS 1 and 2 over MQTT 5.0, user properties in order', async () => {
    const lines = (await python(ROUND_TRIP, [String(running.port), '5', 'paho/v5/x'])).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([1, 2].map((qos) => ({
      topic: 'paho/v5/x',
      payload: `paho q${qos}`,
      qos,
      user: [['k', `v${qos}`], ['k', 'again'], ['z', 'last']],
    })));
  });

  it('delivers what MQTT.js publishes to paho, and what paho publishes to MQTT.js', async () => {
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const received = python(RECEIVE_ONE, [String(running.port), 'paho/in'], (text) => text.includes('subscribed') && subscribed());
    const js = await mqttClient(running.port, { clientId: 'paho-js', protocolVersion: 5 });
    try {
      await ready;
      await js.publishAsync('paho/in', 'from MQTT.js', { qos: 1, properties: { userProperties: { b: '2', a: '1' } } });
      const line = (await received).trim().split('\n').at(-1)!;
      expect(JSON.parse(line)).toEqual({ topic: 'paho/in', payload: 'from MQTT.js', qos: 1, user: [['b', '2'], ['a', '1']] });
      const inbox = collect(js);
      await js.subscribeAsync('paho/v5/back', { qos: 2 });
      await python(ROUND_TRIP, [String(running.port), '5', 'paho/v5/back']);
      const got = await inbox.waitFor(2);
      expect(got.map((m) => [m.payload, m.packet.qos])).toEqual([
        ['paho q1', 1],
        ['paho q2', 2],
      ]);
    } finally {
      await endAll(js);
    }
  });
});
