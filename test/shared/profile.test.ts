import { describe, expect, it } from 'vitest';
import { checkProfile, newProfileDraft, profileUrl } from '../../shared/profile';

const base = newProfileDraft();

describe('profile validation', () => {
  it('accepts the new-connection draft and fills defaults', () => {
    const check = checkProfile({ name: 'x', protocol: 'mqtt', host: 'localhost', port: 1883 });
    expect(check).toMatchObject({ ok: true, profile: { mqttVersion: '3.1.1', keepalive: 60, clean: true, path: '/mqtt' } });
  });

  it.each([
    [{ name: '' }, 'name', 'Name is required'],
    [{ name: '   ' }, 'name', 'Name is required'],
    [{ host: '' }, 'host', 'Host is required'],
    [{ host: 'mqtt://broker' }, 'host', 'Host must be a host name or IP address, without scheme or path'],
    [{ port: 0 }, 'port', 'Port must be between 1 and 65535'],
    [{ port: 70000 }, 'port', 'Port must be between 1 and 65535'],
    [{ port: 1.5 }, 'port', 'Port must be a whole number'],
    [{ port: Number.NaN }, 'port', 'Port must be a number'],
    [{ port: '1883' }, 'port', 'Port must be a number'],
    [{ protocol: 'http' }, 'protocol', 'Protocol must be mqtt, mqtts, ws or wss'],
    [{ mqttVersion: '4' }, 'mqttVersion', 'MQTT version must be 3.1, 3.1.1 or 5.0'],
    [{ keepalive: -1 }, 'keepalive', 'Keepalive must be between 0 and 65535'],
    [{ path: 'mqtt' }, 'path', 'Path must start with /'],
  ])('%j → %s: %s', (patch, field, message) => {
    const check = checkProfile({ ...base, ...patch });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.fields[field]).toBe(message);
  });

  it('reports every bad field at once', () => {
    const check = checkProfile({ ...base, name: '', port: 0 });
    expect(check.ok ? [] : Object.keys(check.fields).sort()).toEqual(['name', 'port']);
  });
});

describe('profileUrl', () => {
  it.each([
    [{ protocol: 'mqtt', host: '127.0.0.1', port: 1883, path: '/mqtt' }, 'mqtt://127.0.0.1:1883'],
    [{ protocol: 'wss', host: 'broker.local', port: 8084, path: '/mqtt' }, 'wss://broker.local:8084/mqtt'],
    [{ protocol: 'mqtts', host: '::1', port: 8883, path: '/mqtt' }, 'mqtts://[::1]:8883'],
  ] as const)('%j → %s', (profile, url) => {
    expect(profileUrl(profile)).toBe(url);
  });
});

describe('profile sections', () => {
  it('fills TLS, will and MQTT 5 defaults', () => {
    const check = checkProfile({ name: 'x', protocol: 'mqtts', host: 'h', port: 8883 });
    expect(check).toMatchObject({
      ok: true,
      profile: {
        tls: { ca: '', cert: '', key: '', rejectUnauthorized: true, keylogFile: '' },
        will: { enabled: false, qos: 0, retain: false, userProperties: [] },
        mqtt5: { requestProblemInformation: true, userProperties: [] },
        autoReconnect: false,
        reconnectPeriod: 4000,
      },
    });
  });

  it.each([
    [{ will: { enabled: true, topic: 'a/#' } }, 'will.topic', 'Will topic: Topic must not contain wildcards (+ or #)'],
    [{ will: { enabled: true, topic: '' } }, 'will.topic', 'Will topic: Topic must not be empty'],
    [{ will: { enabled: true, topic: 'a', payload: '{', payloadFormat: 'json' } }, 'will.payload', /not valid JSON/],
    [{ will: { enabled: true, topic: 'a', payload: 'zz', payloadFormat: 'hex' } }, 'will.payload', /Invalid hex/],
    [{ will: { enabled: true, topic: 'a', responseTopic: 'r/+' } }, 'will.responseTopic', /Response topic/],
    [{ will: { enabled: true, topic: 'a', qos: 3 } }, 'will.qos', 'QoS must be 0, 1 or 2'],
    [{ tls: { cert: '/c.pem' } }, 'tls.key', 'A client certificate needs its private key'],
    [{ tls: { key: '/k.pem' } }, 'tls.cert', 'A private key needs its client certificate'],
    [{ tls: { alpn: 'mqtt;;' } }, 'tls.alpn', /ALPN must be protocol names/],
    [{ tls: { keylogFile: 'keys.log' } }, 'tls.keylogFile', 'TLS key log file must be an absolute path, e.g. /home/me/mqtt-keys.log'],
    [{ mqtt5: { receiveMaximum: 0 } }, 'mqtt5.receiveMaximum', 'Receive maximum must be between 1 and 65535'],
    [{ mqtt5: { sessionExpiryInterval: -1 } }, 'mqtt5.sessionExpiryInterval', 'Session expiry must be between 0 and 4294967295'],
    [{ mqtt5: { userProperties: [{ key: '', value: 'x' }] } }, 'mqtt5.userProperties.0.key', 'User property name must not be empty'],
    [{ reconnectPeriod: 10 }, 'reconnectPeriod', 'Reconnect period must be between 100 and 3600000'],
  ])('%j → %s', (patch, field, message) => {
    const check = checkProfile({ ...base, ...patch });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.fields[field]).toMatch(message);
  });

  it('ignores a will topic while the will is off', () => {
    expect(checkProfile({ ...base, will: { enabled: false, topic: 'a/#' } }).ok).toBe(true);
  });
});
