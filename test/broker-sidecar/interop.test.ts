import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, mqttClient, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

// Debian's mosquitto clients as outside peers: a different MQTT implementation than the
// one the tests use elsewhere, so codec mistakes that MQTT.js would forgive show up.

let running: RunningBroker;

beforeAll(async () => {
  running = await startBroker();
});
afterAll(async () => {
  await running.stop();
});

function mosquittoPub(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(running.port), ...args], { timeout: 5000 }, (error, _out, stderr) =>
      error ? reject(new Error(`mosquitto_pub failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/** Starts mosquitto_sub, resolves its stdout once it exits (after -C messages or -W seconds). */
function mosquittoSub(args: string[]): { output: Promise<string> } {
  const child = spawn('/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', String(running.port), '-W', '5', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const output = withTimeout(
    // 'close', not 'exit': only then has every byte of its output been read.
    new Promise<string>((resolve) => child.once('close', () => resolve(out))),
    7000,
    'mosquitto_sub to exit',
  ).finally(() => child.kill('SIGKILL'));
  return { output };
}

async function waitForSubscriber(clientId: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if ((running.broker.options.sessions.get(clientId)?.subscriptions.size ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${clientId} never subscribed`);
}

describe('mosquitto clients as peers', () => {
  it.each(['mqttv5', 'mqttv311', 'mqttv31'])('mosquitto_sub (%s) receives what mosquitto_pub (5.0) publishes', async (version) => {
    const id = `msub-${version}`;
    const sub = mosquittoSub(['-V', version, '-i', id, '-t', `mq/${version}/#`, '-C', '1', '-v', '-q', '1']);
    await waitForSubscriber(id);
    await mosquittoPub(['-V', 'mqttv5', '-t', `mq/${version}/a`, '-m', 'from mosquitto', '-q', '1']);
    expect((await sub.output).trim()).toBe(`mq/${version}/a from mosquitto`);
  });

  it('mosquitto_sub gets a retained message that MQTT.js published, with QoS 2', async () => {
    const pub = await mqttClient(running.port, { clientId: 'js-retainer', protocolVersion: 5 });
    await pub.publishAsync('mq/retained', 'kept for mosquitto', { qos: 2, retain: true });
    await endAll(pub);
    const sub = mosquittoSub(['-V', 'mqttv5', '-t', 'mq/retained', '-C', '1', '-q', '2', '-F', '%r %q %p']);
    expect((await sub.output).trim()).toBe('1 2 kept for mosquitto');
  });

  it('MQTT.js receives a QoS 2 message with user properties from mosquitto_pub', async () => {
    const sub = await mqttClient(running.port, { clientId: 'js-listener', protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync('mq/props', { qos: 2 });
    await mosquittoPub(['-V', 'mqttv5', '-t', 'mq/props', '-m', 'hello', '-q', '2', '-D', 'publish', 'user-property', 'k', 'v']);
    const [m] = await inbox.waitFor(1);
    expect([m!.payload, m!.packet.qos, m!.packet.properties?.userProperties]).toEqual(['hello', 2, { k: 'v' }]);
    await endAll(sub);
  });
});
