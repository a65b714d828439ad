import { describe, expect, it } from 'vitest';
import { clientOptions, fromUserProperties, toUserProperties } from '../../backend/mqtt-options';
import { testProfile } from '../helpers/profiles';

describe('clientOptions', () => {
  it.each([
    ['3.1 speaks MQIsdp level 3', { mqttVersion: '3.1' }, { protocolVersion: 3, protocolId: 'MQIsdp' }],
    ['3.1.1 is level 4', { mqttVersion: '3.1.1' }, { protocolVersion: 4 }],
    ['5.0 is level 5', { mqttVersion: '5.0' }, { protocolVersion: 5 }],
    ['credentials only when set', { username: 'u', password: 'p' }, { username: 'u', password: 'p' }],
    ['auto-reconnect off means no retries', { autoReconnect: false, reconnectPeriod: 1000 }, { reconnectPeriod: 0 }],
    ['auto-reconnect on uses the period', { autoReconnect: true, reconnectPeriod: 1500 }, { reconnectPeriod: 1500 }],
    ['clean, keepalive, timeout', { clean: false, keepalive: 5, connectTimeout: 2000 }, { clean: false, keepalive: 5, connectTimeout: 2000 }],
    ['fixed client ID', { clientId: 'me' }, { clientId: 'me' }],
  ] as const)('%s', (_name, patch, expected) => {
    expect(clientOptions(testProfile(1883, patch))).toMatchObject(expected);
  });

  it('generates a recognisable client ID when the profile has none', () => {
    expect(clientOptions(testProfile(1883)).clientId).toMatch(/^mqttdesk_[0-9a-f]{8}$/);
  });

  it('leaves out credentials and MQTT 5 properties that are not set', () => {
    const options = clientOptions(testProfile(1883));
    expect(options).not.toHaveProperty('username');
    expect(options).not.toHaveProperty('password');
    expect(options).not.toHaveProperty('properties');
    expect(options).not.toHaveProperty('will');
  });

  it('uses TLS settings only for mqtts and wss', () => {
    const tls = { rejectUnauthorized: false, servername: 'broker.example', alpn: 'mqtt, x-amzn-mqtt-ca' };
    expect(clientOptions(testProfile(8883, { protocol: 'mqtt', tls }))).not.toHaveProperty('rejectUnauthorized');
    expect(clientOptions(testProfile(8883, { protocol: 'mqtts', tls }), { ca: Buffer.from('CA') })).toMatchObject({
      ca: Buffer.from('CA'),
      rejectUnauthorized: false,
      servername: 'broker.example',
      ALPNProtocols: ['mqtt', 'x-amzn-mqtt-ca'],
    });
    expect(clientOptions(testProfile(8884, { protocol: 'wss' }))).toMatchObject({ rejectUnauthorized: true });
  });

  it('builds the will, with MQTT 5 will properties only on 5.0', () => {
    const will = {
      enabled: true,
      topic: 'status/desk',
      payload: '6f 66 66',
      payloadFormat: 'hex' as const,
      qos: 2 as const,
      retain: true,
      delayInterval: 10,
      contentType: 'text/plain',
      correlationData: 'abc',
      userProperties: [{ key: 'k', value: 'v' }],
    };
    expect(clientOptions(testProfile(1883, { will })).will).toEqual({ topic: 'status/desk', payload: Buffer.from('off'), qos: 2, retain: true });
    expect(clientOptions(testProfile(1883, { mqttVersion: '5.0', will })).will).toEqual({
      topic: 'status/desk',
      payload: Buffer.from('off'),
      qos: 2,
      retain: true,
      properties: { willDelayInterval: 10, contentType: 'text/plain', correlationData: Buffer.from('abc'), userProperties: { k: 'v' } },
    });
  });

  it('sends only the MQTT 5 CONNECT properties that differ from the protocol defaults', () => {
    const options = clientOptions(
      testProfile(1883, {
        mqttVersion: '5.0',
        mqtt5: { sessionExpiryInterval: 300, receiveMaximum: 10, topicAliasMaximum: 5, requestProblemInformation: false, userProperties: [{ key: 'app', value: 'desk' }] },
      }),
    );
    expect(options.properties).toEqual({
      sessionExpiryInterval: 300,
      receiveMaximum: 10,
      topicAliasMaximum: 5,
      requestProblemInformation: false,
      userProperties: { app: 'desk' },
    });
  });
});

describe('user properties', () => {
  it.each([
    [[], undefined],
    [[{ key: 'a', value: '1' }], { a: '1' }],
    [
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
        { key: 'b', value: '3' },
      ],
      { a: ['1', '2'], b: '3' },
    ],
  ])('%j ⇄ %j', (pairs, object) => {
    expect(toUserProperties(pairs)).toEqual(object);
    expect(fromUserProperties(object)).toEqual(pairs);
  });
});
