import { rmSync } from 'node:fs';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, mqttClient, withTimeout } from '../helpers/broker-harness';
import { runClient, startConfigured, tempDir, type ConfiguredBroker } from '../helpers/broker-config';
import { freePort } from '../helpers/mosquitto';

// mosquitto.conf limits mapped onto the broker: what 5.0 clients are told, what is refused.

let dir: string;
let running: ConfiguredBroker;
let port: number;

beforeAll(async () => {
  dir = tempDir('mqtt-desk-limits-');
  port = await freePort();
  running = await startConfigured(dir, [
    'allow_anonymous true',
    'message_size_limit 10',
    'max_inflight_messages 5',
    'max_keepalive 30',
    'retain_available false',
    `listener ${port} 127.0.0.1`,
    'max_connections 3', // a listener option: before the listener it would start mosquitto's default listener on 1883
  ]);
}, 20_000);

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('limits from mosquitto.conf', () => {
  it('announces max_inflight_messages, max_keepalive and retain_available in the 5.0 CONNACK', async () => {
    const client = await mqttClient(port, { clientId: 'caps', protocolVersion: 5, keepalive: 60 });
    try {
      // connectAsync has consumed the 'connect' event; MQTT.js keeps the CONNACK (privately).
      const connack = (client as unknown as { connackPacket?: unknown }).connackPacket;
      expect(connack).toMatchObject({ properties: { receiveMaximum: 5, serverKeepAlive: 30, retainAvailable: false } });
    } finally {
      await endAll(client);
    }
  });

  it('message_size_limit: drops larger payloads, PUBACK 0x97 for 5.0 (a valid PUBACK code; mosquitto sends 0x95), a normal ack for 3.1.1', async () => {
    const watcher = await mqttClient(port, { clientId: 'size-watch', protocolVersion: 5 });
    try {
      const seen = collect(watcher);
      await watcher.subscribeAsync('size/#', { qos: 1 });
      const base = ['-h', '127.0.0.1', '-p', String(port), '-k', '20', '-q', '1', '-d'];
      const pub5 = await runClient('mosquitto_pub', [...base, '-V', 'mqttv5', '-t', 'size/5', '-m', 'eleven byte']);
      expect(pub5.stdout).toContain('received PUBACK (Mid: 1, RC:151)');
      const pub3 = await runClient('mosquitto_pub', [...base, '-V', 'mqttv311', '-t', 'size/3', '-m', 'eleven byte']);
      expect(pub3.code, pub3.stderr).toBe(0);
      expect(pub3.stdout).toContain('received PUBACK');
      const ok = await runClient('mosquitto_pub', [...base, '-V', 'mqttv5', '-t', 'size/ok', '-m', 'ten bytes!']);
      expect(ok.stdout).toContain('received PUBACK (Mid: 1, RC:0)');
      // Each mosquitto_pub exits after its PUBACK, which follows routing: 'size/ok' is the marker.
      expect(await seen.until('size/ok')).toEqual([]);
      expect(seen.messages).toEqual([expect.objectContaining({ topic: 'size/ok', payload: 'ten bytes!' })]);
    } finally {
      await endAll(watcher);
    }
  });

  it('max_connections: sockets beyond the limit are closed before any MQTT is read', async () => {
    const clients: MqttClient[] = [];
    try {
      for (let i = 0; i < 3; i++) clients.push(await mqttClient(port, { clientId: `conn-${i}`, keepalive: 20 }));
      const extra = net.connect(port, '127.0.0.1');
      const closed = await withTimeout(new Promise<boolean>((resolve) => extra.once('close', () => resolve(true))), 2000, 'the extra socket to be closed');
      expect(closed).toBe(true);
      expect(running.log.some((e) => e.message.includes('max_connections (3) reached'))).toBe(true);
    } finally {
      await endAll(...clients);
    }
  });
});
