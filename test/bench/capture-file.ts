/**
 * The capture file `BENCH_CAPTURE=generate npm run bench:packets` opens: a pcapng, as the
 * app's own export writes it, of one MQTT 3.1.1 connection that subscribes and then receives
 * PACKETS − 4 QoS 0 PUBLISHes of 32 B, each in its own TCP segment (the most frames a
 * million packets can take).
 */

import { writeFileSync } from 'node:fs';
import { generate, type Packet } from 'mqtt-packet';
import { encodePcapng, type CapturedPacket } from '../../backend/pcapng';

/** Writes the file; returns its size in bytes. */
export function writeBenchCapture(file: string, packets: number): number {
  const start = Date.UTC(2026, 10, 30, 12, 0, 0);
  const head: Array<Record<string, unknown>> = [
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'bench', clean: true, keepalive: 60 },
    { cmd: 'connack', returnCode: 0, sessionPresent: false },
    { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] },
    { cmd: 'suback', messageId: 1, granted: [0] },
  ];
  const list: CapturedPacket[] = head.map((p, i) => ({ time: start + i, direction: i % 2 ? 'in' : 'out', bytes: new Uint8Array(generate(p as unknown as Packet)) }));
  // 100 topics: generate each PUBLISH once and reuse its bytes.
  const payload = Buffer.alloc(32, 0x61);
  const publishes = Array.from({ length: 100 }, (_, t) => new Uint8Array(generate({ cmd: 'publish', topic: `flood/${t}`, payload, qos: 0, dup: false, retain: false } as unknown as Packet)));
  for (let i = 0; i < packets - 4; i++) list.push({ time: start + 10 + i * 0.025, direction: 'in', bytes: publishes[i % 100]! });
  const bytes = encodePcapng(list);
  writeFileSync(file, bytes);
  return bytes.length;
}
