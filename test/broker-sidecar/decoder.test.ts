import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../broker-sidecar/decoder';
import type { ProtocolVersion } from '../../broker-sidecar/types';

const connect = (version: ProtocolVersion): Buffer =>
  generate({ cmd: 'connect', protocolId: version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: version, clean: true, clientId: `c${version}`, keepalive: 10, username: 'u', password: Buffer.from('secret') } as Packet, { protocolVersion: version });
const publish = (version: ProtocolVersion): Buffer =>
  generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 7, dup: false, retain: false } as Packet, { protocolVersion: version });

/** Frames the parser rejects, each damaged differently. */
const broken: Array<[string, Buffer, ProtocolVersion]> = [
  ['a CONNECT with the reserved flag set', (() => { const b = connect(5); b[9]! |= 1; return b; })(), 5],
  ['a PUBLISH with QoS 3', (() => { const b = publish(4); b[0] = 0x36; return b; })(), 4],
  ['a 5.0 PUBLISH whose property length runs past the end', (() => { const b = publish(5); b[9] = 0x7f; return b; })(), 5],
  ['a truncated CONNECT (remaining length says more)', connect(4).subarray(0, 10), 4],
];

describe('shared frame decoder', () => {
  it.each(broken)('rejects %s, and the next frame of any connection decodes cleanly', (_name, frame, version) => {
    expect(decodeFrame(frame, version).packet).toBeUndefined();
    for (const v of [3, 4, 5] as const) {
      expect(decodeFrame(connect(v), v).packet).toMatchObject({ cmd: 'connect', protocolVersion: v, clientId: `c${v}` });
      expect(decodeFrame(publish(v), v).packet).toMatchObject({ cmd: 'publish', topic: 'a/b', messageId: 7, qos: 1 });
    }
  });

  it('decodes interleaved frames of 3.1.1 and 5.0 connections each by its own version', () => {
    const v5 = generate({ cmd: 'publish', topic: 't', payload: Buffer.from('5'), qos: 0, dup: false, retain: false, properties: { contentType: 'text/plain' } } as Packet, { protocolVersion: 5 });
    const v4 = generate({ cmd: 'publish', topic: 't', payload: Buffer.from('4'), qos: 0, dup: false, retain: false } as Packet, { protocolVersion: 4 });
    for (let i = 0; i < 3; i++) {
      expect(decodeFrame(v5, 5).packet).toMatchObject({ payload: Buffer.from('5'), properties: { contentType: 'text/plain' } });
      expect(decodeFrame(v4, 4).packet).toMatchObject({ payload: Buffer.from('4') });
    }
  });
});
