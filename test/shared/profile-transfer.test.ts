import { describe, expect, it } from 'vitest';
import { checkProfile, type Profile } from '../../shared/profile';
import { exportProfiles, parseProfileImport } from '../../shared/profile-transfer';
import { mqttxSample } from '../helpers/mqttx-sample';

describe('MQTTX import', () => {
  it('maps every connection option and reports what it cannot use', () => {
    const result = parseProfileImport(JSON.stringify(mqttxSample));
    expect(result.source).toBe('mqttx');
    expect(result.profiles).toHaveLength(2);
    expect(result.profiles[0]).toMatchObject({
      name: 'EMQX public',
      protocol: 'mqtts',
      host: 'broker.example.com',
      port: 8883,
      mqttVersion: '5.0',
      clientId: 'mqttx_1a2b3c4d',
      username: 'emqx',
      password: 'public',
      keepalive: 30,
      connectTimeout: 10000,
      autoReconnect: true,
      reconnectPeriod: 5000,
      tls: { ca: '/home/me/certs/ca.pem', cert: '/home/me/certs/client.pem', key: '/home/me/certs/client.key', rejectUnauthorized: false, alpn: 'mqtt' },
      will: { enabled: true, topic: 'status/mqttx', payload: 'offline', qos: 1, retain: true, delayInterval: 5, contentType: 'text/plain', userProperties: [{ key: 'a', value: '1' }] },
      mqtt5: {
        sessionExpiryInterval: 3600,
        receiveMaximum: 20,
        requestProblemInformation: false,
        userProperties: [
          { key: 'app', value: 'mqttx' },
          { key: 'tag', value: 'x' },
          { key: 'tag', value: 'y' },
        ],
      },
    });
    expect(result.profiles[1]).toMatchObject({ name: 'Local websockets', protocol: 'ws', path: '/mqtt', clean: false, connectTimeout: 30000, autoReconnect: false, will: { enabled: false } });
    expect(result.skipped).toEqual([{ name: 'Broken port', reason: 'port: Port must be between 1 and 65535' }]);
  });

  it('accepts the {connections: [...]} wrapper too', () => {
    expect(parseProfileImport(JSON.stringify({ connections: mqttxSample.slice(1, 2) })).profiles).toHaveLength(1);
  });
});

describe('MQTT Desk export and import', () => {
  const profile: Profile = { ...(checkProfile({ name: 'Mine', protocol: 'mqtt', host: 'h', port: 1883, password: 'pw', tls: { passphrase: 'pp' } }) as { ok: true; profile: Profile }).profile, id: 'p1' };

  it('leaves secrets out unless asked, and drops ids so imports never overwrite', () => {
    const plain = exportProfiles([profile], { includeSecrets: false, now: new Date(0) });
    expect(plain).toMatchObject({ format: 'mqtt-desk-profiles', version: 1, exportedAt: '1970-01-01T00:00:00.000Z' });
    expect(plain.profiles[0]).not.toHaveProperty('id');
    expect(plain.profiles[0]).toMatchObject({ password: '', tls: { passphrase: '' } });
    expect(exportProfiles([profile], { includeSecrets: true, now: new Date(0) }).profiles[0]).toMatchObject({ password: 'pw', tls: { passphrase: 'pp' } });
  });

  it('never exports a TLS key log path, with or without secrets', () => {
    const logging: Profile = { ...profile, protocol: 'mqtts', tls: { ...profile.tls, keylogFile: '/home/me/keys.log' } };
    for (const includeSecrets of [false, true]) expect(exportProfiles([logging], { includeSecrets, now: new Date(0) }).profiles[0]!.tls.keylogFile).toBe('');
  });

  it('round-trips through its own format', () => {
    const text = JSON.stringify(exportProfiles([profile], { includeSecrets: true, now: new Date(0) }));
    const { id: _id, ...withoutId } = profile;
    expect(parseProfileImport(text)).toEqual({ source: 'mqtt-desk', profiles: [withoutId], skipped: [], warnings: [], collections: [] });
  });

  it.each([
    ['{ nope', /The file is not JSON/],
    ['{"format":"mqtt-desk-profiles"}', /has no "profiles" list/],
    ['{"format":"mqtt-desk-profiles","version":2,"profiles":[]}', /^Profile export version 2 is newer than this MQTT Desk reads \(1\)$/],
    ['[{"foo":1}]', /Not a profile export/],
    ['42', /Not a profile export/],
  ])('explains why %j cannot be imported', (text, message) => {
    expect(() => parseProfileImport(text)).toThrow(message);
  });
});
