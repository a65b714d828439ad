/**
 * Every transport a profile can choose, against Debian's mosquitto: mqtts with a CA made by
 * the test (server verification, client certificates, an encrypted key), ws and wss.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import type { MessageBatch } from '../../shared/contract';
import type { DeskError } from '../../shared/errors';
import type { ProfileInput } from '../../shared/profile';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { testProfile } from '../helpers/profiles';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { startWsProxy, type WsProxy } from '../helpers/ws-proxy';

let pki: TestPki;
let tlsBroker: Mosquitto;
let mtlsBroker: Mosquitto;
let plainBroker: Mosquitto;
let wsProxy: WsProxy;
let wssProxy: WsProxy;

beforeAll(async () => {
  pki = makeTestPki();
  const tlsLines = [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`];
  [tlsBroker, mtlsBroker, plainBroker] = await Promise.all([
    startMosquitto(tlsLines),
    startMosquitto([...tlsLines, 'require_certificate true', 'use_identity_as_username true']),
    startMosquitto(),
  ]);
  wsProxy = await startWsProxy(plainBroker.port);
  wssProxy = await startWsProxy(plainBroker.port, { key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert) });
}, 30_000);

afterAll(async () => {
  await Promise.all([wsProxy?.close(), wssProxy?.close()]);
  await Promise.all([tlsBroker?.stop(), mtlsBroker?.stop(), plainBroker?.stop()]);
});

/** Connects, subscribes, publishes, and returns what came back. */
async function roundTrip(port: number, patch: Partial<ProfileInput>): Promise<string> {
  const hub = new EventHub();
  const batches: MessageBatch[] = [];
  hub.subscribe((stream, data) => stream === 'messages.batch' && batches.push(data as MessageBatch));
  const manager = new ConnectionManager(hub);
  const profile = testProfile(port, patch);
  try {
    await manager.connect(profile);
    await manager.subscribe(profile.id, 'transport/#', 1);
    await manager.publish(profile.id, { topic: 'transport/check', payload: new TextEncoder().encode(`via ${profile.protocol}`), qos: 1, retain: false });
    const deadline = Date.now() + 5000;
    while (!batches.flatMap((b) => b.messages).some((m) => m.direction === 'in') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const received = batches.flatMap((b) => b.messages).find((m) => m.direction === 'in');
    return received ? new TextDecoder().decode(received.payload) : 'nothing received';
  } finally {
    await manager.closeAll();
  }
}

async function connectError(port: number, patch: Partial<ProfileInput>): Promise<DeskError> {
  const manager = new ConnectionManager(new EventHub());
  const error = await manager.connect(testProfile(port, patch)).catch((e: unknown) => e as DeskError);
  await manager.closeAll();
  if (!error || !('code' in error)) throw new Error('expected the connection to fail');
  return error;
}

describe('mqtts', () => {
  it('verifies the server against a CA given as a file path', async () => {
    expect(await roundTrip(tlsBroker.port, { protocol: 'mqtts', tls: { ca: pki.caCert } })).toBe('via mqtts');
  });

  it('accepts the CA pasted as PEM', async () => {
    expect(await roundTrip(tlsBroker.port, { protocol: 'mqtts', tls: { ca: pki.read(pki.caCert) } })).toBe('via mqtts');
  });

  it('refuses a server its CA did not sign, saying why', async () => {
    const error = await connectError(tlsBroker.port, { protocol: 'mqtts', tls: { ca: pki.otherCaCert } });
    expect(error.code).toBe('CONNECT_FAILED');
    expect(error.message).toMatch(/certificate/i);
  });

  it('connects to the same server with verification turned off', async () => {
    expect(await roundTrip(tlsBroker.port, { protocol: 'mqtts', tls: { ca: pki.otherCaCert, rejectUnauthorized: false } })).toBe('via mqtts');
  });

  it('presents a client certificate when the broker requires one (encrypted key + passphrase)', async () => {
    const error = await connectError(mtlsBroker.port, { protocol: 'mqtts', tls: { ca: pki.caCert } });
    expect(error.code).toBe('CONNECT_FAILED');
    expect(
      await roundTrip(mtlsBroker.port, {
        protocol: 'mqtts',
        tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKeyEncrypted, passphrase: pki.passphrase },
      }),
    ).toBe('via mqtts');
    // mosquitto took the certificate's CN as the username.
    expect(mtlsBroker.log()).toMatch(/u'desk-client'/);
  });

  it.each([
    [{ ca: '/nonexistent/ca.pem' }, 'tls.ca', /CA file not found: \/nonexistent\/ca\.pem/],
    [{ ca: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----' }, 'tls.ca', /CA certificate #1 does not parse/],
    [{ ca: 'package.json' }, 'tls.ca', /CA is not a PEM certificate/],
    [{ cert: 'CLIENT', key: 'KEY' }, 'tls.cert', /Client certificate file not found/],
  ])('reports %j next to the field before connecting', async (tls, field, message) => {
    const error = await connectError(tlsBroker.port, { protocol: 'mqtts', tls });
    expect(error.code).toBe('INVALID_PROFILE');
    expect(error.fields?.[field]).toMatch(message);
  });

  it('asks for the passphrase of an encrypted key, and refuses a wrong one', async () => {
    const base = { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKeyEncrypted };
    expect((await connectError(mtlsBroker.port, { protocol: 'mqtts', tls: base })).fields?.['tls.passphrase']).toBe('The private key is encrypted: enter its passphrase');
    expect((await connectError(mtlsBroker.port, { protocol: 'mqtts', tls: { ...base, passphrase: 'wrong' } })).fields?.['tls.passphrase']).toBe(
      'The passphrase does not open the private key',
    );
  });
});

describe('websockets', () => {
  it('connects over ws with path /mqtt', async () => {
    expect(await roundTrip(wsProxy.port, { protocol: 'ws', path: '/mqtt' })).toBe('via ws');
  });

  it('connects over wss, verifying the server with the CA', async () => {
    expect(await roundTrip(wssProxy.port, { protocol: 'wss', path: '/mqtt', tls: { ca: pki.caCert } })).toBe('via wss');
  });

  it('refuses wss to a server its CA did not sign', async () => {
    const error = await connectError(wssProxy.port, { protocol: 'wss', tls: { ca: pki.otherCaCert } });
    expect(error.code).toBe('CONNECT_FAILED');
    expect(error.message).toMatch(/unable to verify the first certificate/i); // the trust failure, not any failure
  });

  it('reports a wrong path as a failed connection', async () => {
    const seen = wsProxy.upgrades.length;
    const error = await connectError(wsProxy.port, { protocol: 'ws', path: '/wrong' });
    expect(error.code).toBe('CONNECT_FAILED');
    expect(error.message).toContain(`ws://127.0.0.1:${wsProxy.port}/wrong`);
    // The server was reached and refused that path (it serves /mqtt only).
    expect(wsProxy.upgrades.slice(seen)).toEqual(['/wrong']);
  });
});
