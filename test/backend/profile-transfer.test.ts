/**
 * Import and export through the backend contract, from files on disk, and an imported
 * MQTTX profile used for a real connection to mosquitto.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../backend/backend';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { mqttxSample } from '../helpers/mqttx-sample';
import { callerFor } from '../helpers/backend-call';

let dir: string;
let backend: Backend;
let mosquitto: Mosquitto;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-transfer-'));
  backend = createBackend({ configDir: path.join(dir, 'config') });
  mosquitto = await startMosquitto();
});
afterAll(async () => {
  await backend.close();
  await mosquitto.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = callerFor(() => backend);

describe('profile import/export through the backend', () => {
  it('imports an MQTTX export file, keeping profiles whose certificate files are not on this machine', async () => {
    const file = path.join(dir, 'mqttx-export.json');
    // Point the websocket profile at the real mosquitto over plain mqtt.
    const sample = structuredClone(mqttxSample);
    Object.assign(sample[1]!, { protocol: 'mqtt', port: mosquitto.port, clientId: 'imported-from-mqttx' });
    writeFileSync(file, JSON.stringify(sample, null, 2));

    const result = await call('profiles.import', { json: readFileSync(file, 'utf8') });
    expect(result.source).toBe('mqttx');
    expect(result.imported.map((p) => p.name)).toEqual(['EMQX public', 'Local websockets']);
    expect(result.skipped).toEqual([{ name: 'Broken port', reason: 'port: Port must be between 1 and 65535' }]);
    expect((await call('profiles.list', {})).map((p) => p.name)).toEqual(['EMQX public', 'Local websockets']);

    const local = result.imported[1]!;
    await expect(call('connections.connect', { profileId: local.id })).resolves.toMatchObject({ state: { status: 'connected' } });
    expect(mosquitto.log()).toMatch(/New client connected from 127\.0\.0\.1:\d+ as imported-from-mqttx \(p2, c0, k60\)/);
    await call('connections.disconnect', { connectionId: local.id });

    // The certificate paths from the other machine surface when connecting.
    await expect(call('connections.connect', { profileId: result.imported[0]!.id })).rejects.toMatchObject({
      code: 'INVALID_PROFILE',
      fields: { 'tls.ca': 'CA file not found: /home/me/certs/ca.pem' },
    });
  });

  it('exports to a file that imports back as copies, secrets only on request', async () => {
    const exported = await call('profiles.export', {});
    expect(exported.count).toBe(2);
    expect(exported.json).not.toContain('"public"');
    const withSecrets = await call('profiles.export', { includeSecrets: true });
    expect(withSecrets.json).toContain('"password": "public"');
    const file = path.join(dir, 'desk-export.json');
    writeFileSync(file, exported.json);
    const again = await call('profiles.import', { json: readFileSync(file, 'utf8') });
    expect(again.source).toBe('mqtt-desk');
    expect(again.imported).toHaveLength(2);
    expect(await call('profiles.list', {})).toHaveLength(4);
  });

  it('refuses a file that is not an export, with a message for the user', async () => {
    await expect(call('profiles.import', { json: '{"hello": "world"}' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/Not a profile export/) });
  });
});
