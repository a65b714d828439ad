import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bridgeTestRuns, type BridgedSidecar } from '../helpers/bridge';
import { collect, endAll, mqttClient, startBroker } from '../helpers/broker-harness';
import { freePort, type Mosquitto } from '../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { until } from '../helpers/wait';

// Bridges over TLS with Debian's mosquitto on the other end: certificates made by openssl
// in the test (a client certificate required by the remote), a wrong CA refused with the
// reason shown, TLS-PSK, and mosquitto bridging into the sidecar's TLS listener.

let pki: TestPki;
const { mosquitto, sidecar, track } = bridgeTestRuns();
beforeAll(() => {
  pki = makeTestPki();
});

/** mosquitto with a TLS listener (client certificate required) besides its plain one. */
async function tlsMosquitto(): Promise<{ remote: Mosquitto; tlsPort: number }> {
  const tlsPort = await freePort();
  const remote = await mosquitto([
    `listener ${tlsPort} 127.0.0.1`,
    `cafile ${pki.caCert}`,
    `certfile ${pki.serverCert}`,
    `keyfile ${pki.serverKey}`,
    'require_certificate true',
  ]);
  return { remote, tlsPort };
}

/** Publishes on the sidecar, expects it on mosquitto's plain listener under the same topic. */
async function expectCarried(desk: BridgedSidecar, remotePort: number, topic: string): Promise<void> {
  const far = await mqttClient(remotePort);
  const inbox = collect(far);
  await far.subscribeAsync(topic, { qos: 1 });
  const local = await mqttClient(desk.port);
  await local.publishAsync(topic, 'over tls', { qos: 1 });
  const [m] = await inbox.waitFor(1, 5000);
  expect([m!.topic, m!.payload]).toEqual([topic, 'over tls']);
  await endAll(local, far);
}

describe('sidecar bridging to mosquitto over TLS', () => {
  it('connects with bridge_cafile and a client certificate, and carries messages', async () => {
    const { remote, tlsPort } = await tlsMosquitto();
    const desk = await sidecar([
      'connection secure',
      `address 127.0.0.1:${tlsPort}`,
      `bridge_cafile ${pki.caCert}`,
      `bridge_certfile ${pki.clientCert}`,
      `bridge_keyfile ${pki.clientKey}`,
      'bridge_tls_version tlsv1.2',
      'topic tls/# out 1',
    ]);
    await desk.waitFor('secure', 'connected');
    expect(desk.bridge('secure').tls).toBe(true);
    await expectCarried(desk, remote.port, 'tls/a');
  });

  it('finds the CA in bridge_capath', async () => {
    const { remote, tlsPort } = await tlsMosquitto();
    const desk = await sidecar([
      'connection capath',
      `address 127.0.0.1:${tlsPort}`,
      `bridge_capath ${path.dirname(pki.caCert)}`,
      `bridge_certfile ${pki.clientCert}`,
      `bridge_keyfile ${pki.clientKey}`,
      'topic tls/# out 1',
    ]);
    await desk.waitFor('capath', 'connected');
    await expectCarried(desk, remote.port, 'tls/b');
  });

  it('refuses a remote signed by another CA and shows why', async () => {
    const { tlsPort } = await tlsMosquitto();
    const desk = await sidecar([
      'connection wrong-ca',
      `address 127.0.0.1:${tlsPort}`,
      `bridge_cafile ${pki.otherCaCert}`,
      'restart_timeout 30',
      'topic tls/# out 1',
    ]);
    await desk.waitFor('wrong-ca', 'waiting');
    expect(desk.bridge('wrong-ca').lastError).toMatch(/certificate/i);
  });

  it('connects with TLS-PSK (bridge_identity, bridge_psk)', async () => {
    const pskPort = await freePort();
    const pskFile = path.join(pki.dir, 'psk.txt');
    writeFileSync(pskFile, 'desk-bridge:00112233445566778899aabbccddeeff\n', { mode: 0o644 });
    const remote = await mosquitto([`listener ${pskPort} 127.0.0.1`, 'psk_hint mqtt-desk-test', `psk_file ${pskFile}`, 'use_identity_as_username true']);
    const desk = await sidecar([
      'connection psk',
      `address 127.0.0.1:${pskPort}`,
      'bridge_identity desk-bridge',
      'bridge_psk 00112233445566778899aabbccddeeff',
      'topic psk/# out 1',
    ]);
    await desk.waitFor('psk', 'connected');
    await expectCarried(desk, remote.port, 'psk/a');
  });
});

describe('mosquitto bridging into the sidecar over TLS', () => {
  it('verifies the sidecar with bridge_cafile and carries messages both ways', async () => {
    const desk = await startBroker();
    track(() => desk.stop());
    const tlsPort = await desk.broker.listenOn({ kind: 'tls', port: 0, host: '127.0.0.1', certfile: pki.serverCert, keyfile: pki.serverKey });
    const remote = await mosquitto([
      'connection into-desk-tls',
      `address 127.0.0.1:${tlsPort}`,
      `bridge_cafile ${pki.caCert}`,
      'remote_clientid mosq-tls-bridge',
      'restart_timeout 1',
      'topic up/# out 1',
      'topic down/# in 1',
    ]);
    await until(() => (desk.broker.options.sessions.get('mosq-tls-bridge')?.subscriptions.size ?? 0) >= 1, 10_000, 'mosquitto bridge subscribed over TLS');
    const ours = await mqttClient(desk.port);
    const theirs = await mqttClient(remote.port);
    const ourInbox = collect(ours);
    const theirInbox = collect(theirs);
    await ours.subscribeAsync('up/#', { qos: 1 });
    await theirs.subscribeAsync('down/#', { qos: 1 });
    await theirs.publishAsync('up/x', 'from mosquitto', { qos: 1 });
    await ours.publishAsync('down/y', 'from desk', { qos: 1 });
    const [up] = await ourInbox.waitFor(1, 5000);
    const [down] = await theirInbox.waitFor(1, 5000);
    expect([up!.topic, down!.topic]).toEqual(['up/x', 'down/y']);
    await endAll(ours, theirs);
  });
});
