/**
 * AUTH as a server receives it (5.0 §3.15, §4.12), on a broker whose enhanced authentication
 * knows the method 'TEST' (broker 'enhanced' in conformance.test.ts): Authentication Data
 * 'challenge' in CONNECT gets AUTH 0x18 back, and the answer 'answer' is accepted.
 */

import type { ConformanceCase, Expected } from './driver';
import { connect, hex, packet, prop, props, publish, SAMPLE_PROPERTY } from './frames';
import { breaks, ns, refused } from './table';

const RC = { malformed: 0x81, protocol: 0x82 } as const;

/** An AUTH frame: reason code and properties. */
function auth(code: number, ...entries: Buffer[]): Buffer {
  return packet(0xf0, Buffer.from([code]), props(...entries));
}

const METHOD = prop.str(0x15, 'TEST');

/** The CONNECT starting an exchange, and the challenge the broker answers it with. */
function challenged(id: string): { send: string; expect: Expected } {
  return {
    send: hex(connect(5, { clientId: id, properties: props(METHOD, prop.bin(0x16, Buffer.from('challenge'))) })),
    expect: hex(auth(0x18, METHOD, prop.bin(0x16, Buffer.from('c1')))),
  };
}

const CONNACK_WITH_METHOD: Expected = { says: "CONNACK 0x00 carrying the Authentication Method 'TEST'", test: (f) => f[0] === 0x20 && f[3] === 0x00 && f.includes(METHOD) };

function exchange(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'an enhanced authentication exchange: AUTH 0x18 both ways, then CONNACK with the method', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.0-2', 'MQTT-4.12.0-3', 'MQTT-4.12.0-5'], connections: [{ send: [c.send, hex(auth(0x18, METHOD, prop.bin(0x16, Buffer.from('answer'))))], expect: [c.expect, CONNACK_WITH_METHOD], then: 'open' }] });
  }
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'a wrong answer is refused with CONNACK', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.0-4'], connections: [{ send: [c.send, hex(auth(0x18, METHOD, prop.bin(0x16, Buffer.from('wrong'))))], expect: [c.expect, { says: 'CONNACK 0x87', test: (f) => f[0] === 0x20 && f[3] === 0x87 }], then: 'closed' }] });
  }
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'AUTH with another method during the exchange', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.0-5'], connections: [{ send: [c.send, hex(auth(0x18, prop.str(0x15, 'OTHER')))], expect: [c.expect, ...refused(5, true, RC.protocol, 'MQTT-4.12.0-5')], then: 'closed' }] });
  }
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'AUTH 0x19 where the answer to a challenge must be 0x18', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.0-3'], connections: [{ send: [c.send, hex(auth(0x19, METHOD))], expect: [c.expect, ...refused(5, true, RC.protocol, 'MQTT-4.12.0-3')], then: 'closed' }] });
  }
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'a PUBLISH before the CONNACK of an exchange', version: 5, broker: 'enhanced', rules: ['MQTT-3.1.2-30'], connections: [{ send: [c.send, hex(publish(5, { topic: `${id}/p` }))], expect: [c.expect, ...refused(5, true, RC.protocol, 'MQTT-3.1.2-30')], then: 'closed' }] });
  }
  {
    const id = ns();
    const c = challenged(id);
    out.push({ name: 'a DISCONNECT during the exchange just ends it', version: 5, broker: 'enhanced', rules: ['MQTT-3.1.2-30'], connections: [{ send: [c.send, hex(packet(0xe0, Buffer.from([0])))], expect: [c.expect], then: 'closed' }] });
  }
  {
    const id = ns();
    const start = hex(connect(5, { clientId: id, properties: props(METHOD, prop.bin(0x16, Buffer.from('ok'))) }));
    out.push({ name: 'a re-authentication with AUTH 0x19 and the same method', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.1-1'], connections: [{ send: [start, hex(auth(0x19, METHOD, prop.bin(0x16, Buffer.from('ok'))))], expect: [CONNACK_WITH_METHOD, { says: "AUTH 0x00 with the method 'TEST'", test: (f) => f[0] === 0xf0 && f[2] === 0x00 && f.includes(METHOD) }], then: 'open' }] });
    const other = ns();
    out.push({ name: 'a re-authentication with another method', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.1-1'], connections: [{ send: [hex(connect(5, { clientId: other, properties: props(METHOD, prop.bin(0x16, Buffer.from('ok'))) })), hex(auth(0x19, prop.str(0x15, 'OTHER')))], expect: [CONNACK_WITH_METHOD, ...refused(5, false, RC.protocol, 'MQTT-4.12.1-1')], then: 'closed' }] });
    const cont = ns();
    out.push({ name: 'AUTH 0x18 after CONNACK, with no exchange open, is taken as a continuation', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.1-1'], connections: [{ send: [hex(connect(5, { clientId: cont, properties: props(METHOD, prop.bin(0x16, Buffer.from('ok'))) })), hex(auth(0x18, METHOD, prop.bin(0x16, Buffer.from('ok'))))], expect: [CONNACK_WITH_METHOD, { says: 'AUTH 0x00', test: (f) => f[0] === 0xf0 && f[2] === 0x00 }], then: 'open' }] });
  }
  return out;
}

function packets(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  out.push(breaks(5, ns(), 'AUTH from a client whose CONNECT had no Authentication Method', 'MQTT-4.12.0-7', RC.protocol, [auth(0x19, METHOD)]));
  out.push(breaks(5, ns(), 'AUTH without a Reason Code (Success, which only servers send)', 'MQTT-3.15.2-1', RC.protocol, [Buffer.from([0xf0, 0x00])]));
  for (const code of [0x00, 0x01, 0x04, 0x80, 0x87, 0x8c, 0xff]) {
    out.push(breaks(5, ns(), `AUTH with Reason Code 0x${code.toString(16).padStart(2, '0')}`, 'MQTT-3.15.2-1', RC.protocol, [auth(code, METHOD)]));
  }
  for (let flags = 1; flags < 16; flags++) out.push(breaks(5, ns(), `AUTH with flags ${flags.toString(2).padStart(4, '0')}`, 'MQTT-3.15.1-1', RC.malformed, [packet(0xf0 | flags, Buffer.from([0x19]), props(METHOD))]));
  out.push(breaks(5, ns(), 'AUTH with Authentication Data but no Authentication Method', '§3.15.2.2.3', RC.protocol, [auth(0x19, prop.bin(0x16, Buffer.from([1])))]));
  out.push(breaks(5, ns(), 'AUTH with two Authentication Methods', '§2.2.2.2', RC.protocol, [auth(0x19, METHOD, METHOD)]));
  for (const [pid, entry] of Object.entries(SAMPLE_PROPERTY)) {
    if ([0x15, 0x16, 0x1f, 0x26].includes(Number(pid))) continue;
    out.push(breaks(5, ns(), `AUTH property 0x${Number(pid).toString(16).padStart(2, '0')}, which it may not carry`, '§2.2.2.2', RC.malformed, [auth(0x19, METHOD, entry)]));
  }
  out.push(unknownMethod());
  return out;
}

function unknownMethod(): ConformanceCase {
  return { name: 'an Authentication Method the enhanced broker does not know', version: 5, broker: 'enhanced', rules: ['MQTT-4.12.0-1'], connections: [{ send: [hex(connect(5, { clientId: ns(), properties: props(prop.str(0x15, 'NOPE')) }))], expect: [{ says: 'CONNACK 0x8C or 0x87', test: (f) => f[0] === 0x20 && (f[3] === 0x8c || f[3] === 0x87) }], then: 'closed' }] };
}

/** Every AUTH row (5.0; AUTH in 3.x is a reserved type, in server-only.cases.ts). */
export function authCases(): ConformanceCase[] {
  return [...exchange(), ...packets()];
}
