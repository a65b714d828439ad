/**
 * MQTT Explorer's settings.json and MQTT.fx 1.x's mqttfx-config.xml read into profiles. The
 * samples follow the formats as the tools' public sources write them (MQTT Explorer's
 * ConnectionOptions, configVersion 1; MQTT.fx's element names as MQTTk's importer reads them).
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfileImport } from '../../shared/profile-transfer';
import { parseXml } from '../../shared/xml-lite';

const sample = (name: string) => readFileSync(path.resolve('test/fixtures/imports', name), 'utf8');

describe('MQTT Explorer', () => {
  it('reads its settings.json: protocols, TLS, certificates, subscriptions', () => {
    const result = parseProfileImport(sample('mqtt-explorer-settings.json'));
    expect(result.source).toBe('mqtt-explorer');
    expect(result.skipped).toEqual([]);
    expect(result.profiles.map((p) => [p.name, p.protocol, p.host, p.port, p.path, p.username, p.password, p.tls.rejectUnauthorized])).toEqual([
      ['Home broker', 'mqtt', '192.168.1.10', 1883, '/mqtt', 'home', 'pw', true],
      ['Cloud over WebSocket', 'wss', 'cloud.example.com', 443, '/ws', '', '', false],
    ]);
    expect(result.profiles[0]!.subscriptions).toEqual([
      { filter: '#', qos: 0 },
      { filter: '$SYS/#', qos: 0 },
    ]);
    expect(result.profiles[1]!.tls.ca).toBe('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(result.warnings).toEqual(['The client certificate client.der is not PEM and was left out']);
  });

  it('takes the connections dictionary alone too', () => {
    const dictionary = JSON.parse(sample('mqtt-explorer-settings.json')).ConnectionManager_connections;
    expect(parseProfileImport(JSON.stringify(dictionary)).profiles).toHaveLength(2);
  });
});

describe('MQTT.fx 1.x', () => {
  it('reads mqttfx-config.xml: profiles, and predefined messages as a collection', () => {
    const result = parseProfileImport(sample('mqttfx-config.xml'));
    expect(result.source).toBe('mqtt-fx');
    expect(result.profiles.map((p) => [p.name, p.protocol, p.host, p.port, p.mqttVersion, p.clientId, p.clean, p.keepalive, p.connectTimeout, p.username, p.password, p.tls.ca])).toEqual([
      ['MQTT.fx local mosquitto', 'mqtt', 'localhost', 1883, '3.1.1', 'MQTT_FX_Client', true, 60, 30000, '', '', ''],
      ['MQTT.fx plant', 'mqtts', 'plant.example.com', 8883, '3.1', 'fx-plant', false, 20, 10000, 'operator', 'secret', '/home/me/plant-ca.pem'],
    ]);
    expect(result.collections).toEqual([
      {
        name: 'MQTT.fx local mosquitto',
        requests: [
          { name: 'Lights on', topic: 'home/lights/set', qos: 1, retain: true, payload: '{"state":"on"}' },
          { name: 'Ping', topic: 'home/ping', qos: 0, retain: false, payload: 'ping <1>' },
        ],
      },
    ]);
  });

  it.each([
    ['<configuration><connectionProfiles><connectionProfile></configuration>', /not well-formed XML: line 1: <\/configuration> does not close <connectionProfile>/],
    ['<configuration>\n<x>&bogus;</x></configuration>', /line 2: unknown entity &bogus;/],
    ['<other/>', /Not an MQTT.fx configuration/],
  ])('refuses %j with the reason', (text, reason) => {
    expect(() => parseProfileImport(text)).toThrow(reason);
  });
});

describe('xml-lite', () => {
  it('reads attributes, entities, CDATA and nesting; skips comments and declarations', () => {
    const root = parseXml('<?xml version="1.0"?><!DOCTYPE a><a k="v &amp; w"><!-- c --><b>x &#65;&#x42; <![CDATA[<y>]]></b><c/></a>');
    expect(root).toEqual({ name: 'a', attributes: { k: 'v & w' }, children: [{ name: 'b', attributes: {}, children: ['x AB ', '<y>'] }, { name: 'c', attributes: {}, children: [] }] });
  });
});
