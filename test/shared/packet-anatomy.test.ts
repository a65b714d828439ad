/**
 * The packet inspector's decoder, checked against mqtt-packet as the oracle: mqtt-packet
 * generates the bytes and parses them back, and every decoded field must agree with its
 * parse and sit exactly on the bytes it came from.
 */

import { generate, parser, type Packet } from 'mqtt-packet';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  annotatePacket,
  MASKED_PASSWORD,
  previewPayload,
  type FieldNode,
  type MqttProtocolVersion,
  type PacketAnatomy,
} from '../../shared/packet-anatomy';

type Loose = Record<string, unknown>;
type Parsed = Loose & { cmd: string; length: number };
// mqtt-packet's own property tables (untyped), so property ids are checked against a second source.
const constants = createRequire(import.meta.url)('mqtt-packet/constants.js') as {
  propertiesCodes: Record<number, string>;
  propertiesTypes: Record<string, string>;
};
const propertyNames = constants.propertiesCodes;
const propertyTypes = constants.propertiesTypes;

function gen(packet: Loose, version: MqttProtocolVersion): Uint8Array {
  return new Uint8Array(generate(packet as unknown as Packet, { protocolVersion: version }));
}

/** mqtt-packet's own reading of the bytes. */
function parse(frame: Uint8Array, version: MqttProtocolVersion): Parsed {
  const p = parser({ protocolVersion: version });
  const out: Parsed[] = [];
  p.on('packet', (packet) => out.push(packet as unknown as Parsed));
  p.on('error', (error) => {
    throw error;
  });
  p.parse(Buffer.from(frame));
  expect(out).toHaveLength(1);
  return out[0]!;
}

/** The first field at a '/'-separated path of names. */
function at(fields: FieldNode[] | undefined, path: string): FieldNode | undefined {
  let current: FieldNode | undefined;
  let list = fields;
  for (const name of path.split('/')) {
    current = list?.find((f) => f.name === name);
    list = current?.children;
  }
  return current;
}

/** Every field named `name` directly under the field at `path`. */
function all(fields: FieldNode[], path: string, name: string): FieldNode[] {
  return (at(fields, path)?.children ?? []).filter((f) => f.name === name);
}

const valueAt = (fields: FieldNode[], path: string) => at(fields, path)?.value;
const hex = (data: Uint8Array) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(' ');
const codeOf = (node: FieldNode | undefined) => Number.parseInt(/\(0x([0-9A-F]{2})\)$/.exec(String(node?.value))?.[1] ?? 'NaN', 16);

/** Turns a decoded property list back into mqtt-packet's shape (camelCase names, user properties as an object). */
function propertiesFrom(group: FieldNode | undefined): Loose | undefined {
  if (!group) return undefined;
  const result: Loose = {};
  for (const property of group.children ?? []) {
    if (property.name === 'Property length') continue;
    const id = property.children?.[0]?.value as number;
    const name = propertyNames[id]!;
    const type = propertyTypes[name];
    let value: unknown = property.children?.[1]?.value;
    if (type === 'byte') value = value !== 0;
    if (name === 'userProperties') {
      const pairs = (result.userProperties ??= {}) as Record<string, string | string[]>;
      const key = String(property.children?.[1]?.value);
      const v = String(property.children?.[2]?.value);
      const prior = pairs[key];
      pairs[key] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
      continue;
    }
    const prior = result[name];
    result[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** mqtt-packet's properties with binary data as hex, as the inspector shows it. */
function expectedProperties(properties: unknown): Loose | undefined {
  if (!properties || Object.keys(properties).length === 0) return undefined;
  return Object.fromEntries(Object.entries(properties as Loose).map(([k, v]) => [k, Buffer.isBuffer(v) ? hex(v) : v]));
}

/** Asserts that the anatomy says what mqtt-packet parsed from the same bytes. */
function expectAgreement(a: PacketAnatomy, frame: Uint8Array, p: Parsed, version: MqttProtocolVersion): void {
  const f = a.fields;
  expect(a.error).toBeUndefined();
  expect(a.type).toBe(p.cmd.toUpperCase());
  expect(valueAt(f, 'Fixed header/Remaining length')).toBe(p.length);
  const v5 = version === 5;
  const props = (path: string) => expect(propertiesFrom(at(f, path))).toEqual(expectedProperties(p.properties));
  const codes = (name: string) => all(f, 'Payload', name).map(codeOf);
  switch (p.cmd) {
    case 'connect': {
      expect(valueAt(f, 'Variable header/Protocol name')).toBe(p.protocolId);
      expect(String(valueAt(f, 'Variable header/Protocol level'))).toMatch(new RegExp(`^${p.protocolVersion} `));
      expect(a.protocolVersion).toBe(p.protocolVersion);
      expect(valueAt(f, `Variable header/Connect flags/${v5 ? 'Clean start' : 'Clean session'}`)).toBe(p.clean);
      expect(valueAt(f, 'Variable header/Keep alive')).toBe(p.keepalive);
      expect(valueAt(f, 'Payload/Client identifier')).toBe(p.clientId);
      const will = p.will as Loose | undefined;
      expect(valueAt(f, 'Variable header/Connect flags/Will flag')).toBe(will !== undefined);
      if (will) {
        expect(valueAt(f, 'Variable header/Connect flags/Will QoS')).toBe(will.qos);
        expect(valueAt(f, 'Variable header/Connect flags/Will retain')).toBe(will.retain);
        expect(valueAt(f, 'Payload/Will topic')).toBe(will.topic);
        const payload = at(f, 'Payload/Will payload/Value')!;
        expect(Buffer.from(frame.subarray(payload.start, payload.end)).equals(will.payload as Buffer)).toBe(true);
        if (v5) expect(propertiesFrom(at(f, 'Payload/Will properties'))).toEqual(expectedProperties(will.properties));
      }
      expect(valueAt(f, 'Payload/User name')).toBe(p.username);
      const password = at(f, 'Payload/Password');
      if (p.password === undefined) expect(password).toBeUndefined();
      else {
        expect(password!.end - password!.start).toBe((p.password as Buffer).length + 2);
        expect(password!.value).toBe((p.password as Buffer).length > 0 ? MASKED_PASSWORD : '');
      }
      if (v5) props('Variable header/Properties');
      break;
    }
    case 'connack':
      if (version >= 4) expect(valueAt(f, 'Variable header/Acknowledge flags/Session present')).toBe(p.sessionPresent);
      expect(codeOf(at(f, `Variable header/${v5 ? 'Reason code' : 'Return code'}`))).toBe(v5 ? p.reasonCode : p.returnCode);
      if (v5) props('Variable header/Properties');
      break;
    case 'publish': {
      expect(valueAt(f, 'Fixed header/Flags/QoS')).toBe(p.qos);
      expect(valueAt(f, 'Fixed header/Flags/DUP')).toBe(p.dup);
      expect(valueAt(f, 'Fixed header/Flags/RETAIN')).toBe(p.retain);
      expect(valueAt(f, 'Variable header/Topic name')).toBe(p.topic);
      expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      const payload = at(f, 'Payload')!;
      expect(payload.end).toBe(frame.length);
      expect(Buffer.from(frame.subarray(payload.start, payload.end)).equals(p.payload as Buffer)).toBe(true);
      if (v5) props('Variable header/Properties');
      break;
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'disconnect':
    case 'auth': {
      if (p.messageId !== undefined) expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      const code = at(f, 'Variable header/Reason code');
      // An omitted reason code means Success; mqtt-packet reports it as 0 or leaves it out.
      expect(code ? codeOf(code) : 0).toBe(p.reasonCode ?? 0);
      if (v5) props('Variable header/Properties');
      break;
    }
    case 'subscribe': {
      expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      const subs = all(f, 'Payload', 'Subscription').map((s) => {
        const options = at(s.children, 'Subscription options');
        const option = (name: string) => at(options?.children, name)?.value;
        return v5
          ? { topic: s.value, qos: option('QoS'), nl: option('No Local'), rap: option('Retain As Published'), rh: option('Retain Handling') }
          : { topic: s.value, qos: option('QoS') };
      });
      expect(subs).toEqual(p.subscriptions);
      expect(valueAt(f, 'Payload')).toBe(subs.length);
      if (v5) props('Variable header/Properties');
      break;
    }
    case 'suback':
      expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      expect(codes(v5 ? 'Reason code' : 'Return code')).toEqual(p.granted);
      if (v5) props('Variable header/Properties');
      break;
    case 'unsubscribe':
      expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      expect(all(f, 'Payload', 'Topic filter').map((n) => n.value)).toEqual(p.unsubscriptions);
      if (v5) props('Variable header/Properties');
      break;
    case 'unsuback':
      expect(valueAt(f, 'Variable header/Packet identifier')).toBe(p.messageId);
      if (v5) {
        expect(codes('Reason code')).toEqual(p.granted);
        props('Variable header/Properties');
      } else expect(at(f, 'Payload')).toBeUndefined();
      break;
    case 'pingreq':
    case 'pingresp':
      expect(f.map((n) => n.name)).toEqual(['Fixed header']);
      break;
    default:
      throw new Error(`no expectations for ${p.cmd}`);
  }
}

/**
 * The tree's shape: top-level fields tile the frame; every field with children is either a
 * bit field (all children on the parent's exact bytes) or tiled exactly by its children,
 * where siblings packed into one byte count once.
 */
function expectWellFormedTree(a: PacketAnatomy, frame: Uint8Array): void {
  let cursor = 0;
  for (const field of a.fields) {
    expect(field.start, `${field.name} starts where the previous field ended`).toBe(cursor);
    cursor = field.end;
  }
  expect(cursor, 'top-level fields end at the end of the frame').toBe(frame.length);
  const visit = (node: FieldNode, path: string) => {
    expect(node.start, path).toBeLessThanOrEqual(node.end);
    const children = node.children ?? [];
    if (children.length === 0) return;
    const bitField = children.every((c) => c.start === node.start && c.end === node.end);
    if (!bitField) {
      let at = node.start;
      let previous: FieldNode | undefined;
      for (const child of children) {
        // Fields packed into one byte (packet type and flags) share it with their sibling.
        const sharesByte = previous !== undefined && child.start === previous.start && child.end === previous.end;
        if (!sharesByte) expect(child.start, `${path}/${child.name} follows its previous sibling`).toBe(at);
        at = child.end;
        previous = child;
      }
      expect(at, `${path}'s children end where it ends`).toBe(node.end);
    }
    for (const child of children) visit(child, `${path}/${child.name}`);
  };
  for (const field of a.fields) visit(field, field.name);
}

const userProperties = { origin: 'test', multi: ['one', 'two'], ünï: 'cödé' };

const common: Array<[string, Loose]> = [
  ['PUBLISH QoS 0', { cmd: 'publish', topic: 'sensors/room1/temp', payload: Buffer.from('21.5'), qos: 0, dup: false, retain: false }],
  ['PUBLISH QoS 1 retained', { cmd: 'publish', topic: 'a/b', payload: Buffer.from('{"on":true}'), qos: 1, messageId: 42, dup: false, retain: true }],
  ['PUBLISH QoS 2 DUP binary', { cmd: 'publish', topic: 'bin', payload: Buffer.from([0, 1, 2, 255]), qos: 2, messageId: 65535, dup: true, retain: false }],
  ['PUBLISH empty payload', { cmd: 'publish', topic: 'clear/retained', payload: Buffer.alloc(0), qos: 0, dup: false, retain: true }],
  ['PUBLISH 20 kB payload', { cmd: 'publish', topic: 'big', payload: Buffer.alloc(20_000, 0x41), qos: 1, messageId: 7, dup: false, retain: false }],
  ['PUBACK', { cmd: 'puback', messageId: 42 }],
  ['PUBREC', { cmd: 'pubrec', messageId: 43 }],
  ['PUBREL', { cmd: 'pubrel', messageId: 44 }],
  ['PUBCOMP', { cmd: 'pubcomp', messageId: 45 }],
  ['UNSUBSCRIBE two filters', { cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['a/+', 'b/#'] }],
  ['PINGREQ', { cmd: 'pingreq' }],
  ['PINGRESP', { cmd: 'pingresp' }],
];

const v3x = (version: 3 | 4): Array<[string, Loose]> => [
  ['CONNECT minimal', { cmd: 'connect', protocolId: version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: version, clientId: 'desk-1', clean: true, keepalive: 60 }],
  [
    'CONNECT with will, user name and password',
    {
      cmd: 'connect',
      protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: version,
      clientId: 'desk-2',
      clean: false,
      keepalive: 0,
      username: 'alice',
      password: Buffer.from('secret'),
      will: { topic: 'status/desk-2', payload: Buffer.from('offline'), qos: 2, retain: true },
    },
  ],
  ['CONNACK accepted', { cmd: 'connack', sessionPresent: version === 4, returnCode: 0 }],
  ['CONNACK refused', { cmd: 'connack', sessionPresent: false, returnCode: 5 }],
  ['SUBSCRIBE three filters', { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/#', qos: 0 }, { topic: '+/b', qos: 1 }, { topic: 'c', qos: 2 }] }],
  ['SUBACK', { cmd: 'suback', messageId: 3, granted: [0, 1, 2, 128] }],
  ['UNSUBACK', { cmd: 'unsuback', messageId: 9 }],
  ['DISCONNECT', { cmd: 'disconnect' }],
  ...common,
];

const v5: Array<[string, Loose]> = [
  ['CONNECT minimal', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: '', clean: true, keepalive: 30 }],
  [
    'CONNECT with every property, will properties, user name and password',
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'desk-5',
      clean: false,
      keepalive: 15,
      username: 'bob',
      password: Buffer.from('hunter2'),
      properties: {
        sessionExpiryInterval: 3600,
        receiveMaximum: 20,
        maximumPacketSize: 1_048_576,
        topicAliasMaximum: 10,
        requestResponseInformation: true,
        requestProblemInformation: false,
        userProperties,
        authenticationMethod: 'SCRAM-SHA-1',
        authenticationData: Buffer.from([1, 2, 3, 4]),
      },
      will: {
        topic: 'status/desk-5',
        payload: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        qos: 1,
        retain: false,
        properties: {
          willDelayInterval: 5,
          payloadFormatIndicator: true,
          messageExpiryInterval: 120,
          contentType: 'application/json',
          responseTopic: 'reply/here',
          correlationData: Buffer.from('corr'),
          userProperties: { why: 'test' },
        },
      },
    },
  ],
  ['CONNECT will without properties', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'w', clean: true, keepalive: 5, will: { topic: 'w', payload: Buffer.alloc(0), qos: 0, retain: false } }],
  ['CONNACK success', { cmd: 'connack', sessionPresent: true, reasonCode: 0 }],
  [
    'CONNACK with every property',
    {
      cmd: 'connack',
      sessionPresent: false,
      reasonCode: 0x86,
      properties: {
        sessionExpiryInterval: 60,
        receiveMaximum: 100,
        maximumQoS: 1,
        retainAvailable: true,
        maximumPacketSize: 268_435_455,
        assignedClientIdentifier: 'auto-123',
        topicAliasMaximum: 5,
        reasonString: 'bad credentials',
        userProperties,
        wildcardSubscriptionAvailable: false,
        subscriptionIdentifiersAvailable: true,
        sharedSubscriptionAvailable: true,
        serverKeepAlive: 45,
        responseInformation: 'resp/',
        serverReference: 'other:1883',
        authenticationMethod: 'm',
        authenticationData: Buffer.from([9]),
      },
    },
  ],
  [
    'PUBLISH with every property',
    {
      cmd: 'publish',
      topic: 'p/5',
      payload: Buffer.from('hello'),
      qos: 1,
      messageId: 5,
      dup: false,
      retain: false,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 30,
        topicAlias: 3,
        responseTopic: 'reply',
        correlationData: Buffer.from([7, 7]),
        userProperties,
        subscriptionIdentifier: [1, 268_435_455],
        contentType: 'text/plain',
      },
    },
  ],
  ['PUBLISH topic alias with empty topic', { cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 3 } }],
  ['PUBACK reason code', { cmd: 'puback', messageId: 1, reasonCode: 0x10 }],
  ['PUBREC reason and reason string', { cmd: 'pubrec', messageId: 2, reasonCode: 0x97, properties: { reasonString: 'quota', userProperties: { a: 'b' } } }],
  ['PUBREL packet identifier not found', { cmd: 'pubrel', messageId: 3, reasonCode: 0x92 }],
  ['PUBCOMP with properties', { cmd: 'pubcomp', messageId: 4, reasonCode: 0, properties: { reasonString: 'ok' } }],
  [
    'SUBSCRIBE with options and properties',
    {
      cmd: 'subscribe',
      messageId: 6,
      properties: { subscriptionIdentifier: 300, userProperties: { s: 'u' } },
      subscriptions: [
        { topic: 'a/#', qos: 2, nl: true, rap: false, rh: 1 },
        { topic: '$share/g/b', qos: 0, nl: false, rap: true, rh: 2 },
        { topic: 'c', qos: 1, nl: false, rap: false, rh: 0 },
      ],
    },
  ],
  ['SUBACK with failures', { cmd: 'suback', messageId: 6, granted: [0, 1, 2, 0x80, 0x87, 0x8f, 0x97, 0x9e, 0xa1, 0xa2], properties: { reasonString: 'partly' } }],
  ['UNSUBACK', { cmd: 'unsuback', messageId: 9, granted: [0, 0x11, 0x87], properties: { reasonString: 'r' } }],
  ['DISCONNECT plain', { cmd: 'disconnect' }],
  ['DISCONNECT with will', { cmd: 'disconnect', reasonCode: 0x04 }],
  ['DISCONNECT session taken over', { cmd: 'disconnect', reasonCode: 0x8e, properties: { sessionExpiryInterval: 0, reasonString: 'bye', serverReference: 'x', userProperties: { k: 'v' } } }],
  ['AUTH continue', { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from('data'), reasonString: 'r' } }],
  ['AUTH re-authenticate', { cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'x' } }],
  ...common.map(([name, p]): [string, Loose] => [name, p]),
];

const table: Array<[string, MqttProtocolVersion, Loose]> = [
  ...v3x(3).map(([name, p]): [string, MqttProtocolVersion, Loose] => [name, 3, p]),
  ...v3x(4).map(([name, p]): [string, MqttProtocolVersion, Loose] => [name, 4, p]),
  ...v5.map(([name, p]): [string, MqttProtocolVersion, Loose] => [name, 5, p]),
];

describe('annotatePacket on packets generated by mqtt-packet', () => {
  it.each(table)('decodes %s (MQTT level %i) as mqtt-packet parses it', (_name, version, packet) => {
    const frame = gen(packet, version);
    const anatomy = annotatePacket(frame, version);
    expectAgreement(anatomy, frame, parse(frame, version), version);
  });

  it.each(table)('lays %s (MQTT level %i) out as a tree that tiles the frame', (_name, version, packet) => {
    const frame = gen(packet, version);
    expectWellFormedTree(annotatePacket(frame, version), frame);
  });

  it('covers all 15 packet types in every version it exists in', () => {
    const types = (version: MqttProtocolVersion) => new Set(table.filter(([, v]) => v === version).map(([, , p]) => p.cmd));
    expect(types(3).size).toBe(14);
    expect(types(4).size).toBe(14);
    expect(types(5).size).toBe(15);
  });

  it('decodes a CONNECT by its own protocol level, whatever version the caller assumed', () => {
    const frame = gen(v5[1]![1], 5);
    const anatomy = annotatePacket(frame, 4);
    expect(anatomy.protocolVersion).toBe(5);
    expect(anatomy.error).toBeUndefined();
    expect(valueAt(anatomy.fields, 'Variable header/Properties')).toBe(9 + 3); // 9 kinds, user properties 4 pairs
  });

  it('never shows a password, in any field, even when the frame is cut inside it', () => {
    const frame = gen(v5[1]![1], 5);
    for (let n = frame.length; n > frame.length - 'hunter2'.length - 3; n--) {
      expect(JSON.stringify(annotatePacket(frame.subarray(0, n), 5))).not.toMatch(/hunt|ter2/);
    }
  });
});

describe('byte ranges, checked by hand', () => {
  it('puts the topic, packet identifier and payload of a 3.1.1 PUBLISH on their bytes', () => {
    // 32 09 | 00 03 'a/b' | 00 07 | 'hi'
    const frame = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7, dup: false, retain: false }, 4);
    expect(Array.from(frame.subarray(0, 2))).toEqual([0x32, 9]);
    const f = annotatePacket(frame, 4).fields;
    const range = (path: string) => {
      const n = at(f, path);
      return [n?.start, n?.end];
    };
    expect(range('Fixed header')).toEqual([0, 2]);
    expect(range('Fixed header/Packet type')).toEqual([0, 1]);
    expect(range('Fixed header/Flags/QoS')).toEqual([0, 1]);
    expect(range('Fixed header/Remaining length')).toEqual([1, 2]);
    expect(range('Variable header/Topic name')).toEqual([2, 7]);
    expect(range('Variable header/Topic name/Length')).toEqual([2, 4]);
    expect(range('Variable header/Topic name/Value')).toEqual([4, 7]);
    expect(range('Variable header/Packet identifier')).toEqual([7, 9]);
    expect(range('Payload')).toEqual([9, 11]);
    expect(valueAt(f, 'Payload')).toBe('hi');
  });

  it('puts MQTT 5 properties between the packet identifier and the payload', () => {
    // 32 0e | 00 03 'a/b' | 00 07 | 04 | 03 00 01 't' | 'hi'
    const frame = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7, dup: false, retain: false, properties: { contentType: 't' } }, 5);
    const f = annotatePacket(frame, 5).fields;
    const range = (path: string) => [at(f, path)?.start, at(f, path)?.end];
    expect(range('Variable header/Properties')).toEqual([9, 14]);
    expect(range('Variable header/Properties/Property length')).toEqual([9, 10]);
    expect(range('Variable header/Properties/Content Type')).toEqual([10, 14]);
    expect(range('Variable header/Properties/Content Type/Identifier')).toEqual([10, 11]);
    expect(range('Variable header/Properties/Content Type/Value/Value')).toEqual([13, 14]);
    expect(range('Payload')).toEqual([14, 16]);
  });

  it('reads a 3-byte remaining length and the CONNECT header fields', () => {
    const big = annotatePacket(gen(common[4]![1], 4), 4).fields;
    expect([at(big, 'Fixed header/Remaining length')?.start, at(big, 'Fixed header/Remaining length')?.end]).toEqual([1, 4]);
    const f = annotatePacket(gen(v3x(4)[0]![1], 4), 4).fields;
    const range = (path: string) => [at(f, path)?.start, at(f, path)?.end];
    expect(range('Variable header/Protocol name')).toEqual([2, 8]);
    expect(range('Variable header/Protocol level')).toEqual([8, 9]);
    expect(range('Variable header/Connect flags')).toEqual([9, 10]);
    expect(range('Variable header/Keep alive')).toEqual([10, 12]);
    expect(range('Payload/Client identifier')).toEqual([12, 20]);
  });

  it('names reason codes by the packet that carries them', () => {
    const name = (packet: Loose) => valueAt(annotatePacket(gen(packet, 5), 5).fields, 'Variable header/Reason code');
    expect(name({ cmd: 'disconnect', reasonCode: 0x8e })).toBe('Session taken over (0x8E)');
    expect(name({ cmd: 'puback', messageId: 1, reasonCode: 0x10 })).toBe('No matching subscribers (0x10)');
    expect(name({ cmd: 'connack', sessionPresent: false, reasonCode: 0 })).toBe('Success (0x00)');
    expect(name({ cmd: 'disconnect', reasonCode: 0x00, properties: { reasonString: 'x' } })).toBe('Normal disconnection (0x00)');
    const suback = annotatePacket(gen({ cmd: 'suback', messageId: 1, granted: [0, 0x9e] }, 5), 5);
    expect(all(suback.fields, 'Payload', 'Reason code').map((n) => n.value)).toEqual(['Granted QoS 0 (0x00)', 'Shared Subscriptions not supported (0x9E)']);
    const connack = annotatePacket(gen({ cmd: 'connack', sessionPresent: false, returnCode: 4 }, 4), 4);
    expect(valueAt(connack.fields, 'Variable header/Return code')).toBe('Connection Refused, bad user name or password (0x04)');
  });

  it('shows binary payloads and binary properties as hex, long text cut short', () => {
    const bin = annotatePacket(gen(common[2]![1], 4), 4).fields;
    expect(valueAt(bin, 'Payload')).toBe('hex: 00 01 02 ff');
    const long = annotatePacket(gen(common[4]![1], 4), 4).fields;
    expect(valueAt(long, 'Payload')).toBe(`${'A'.repeat(64)}…`);
    const props = annotatePacket(gen(v5[1]![1], 5), 5).fields;
    expect(valueAt(props, 'Variable header/Properties/Authentication Data')).toBe('01 02 03 04');
    expect(valueAt(props, 'Payload/Will payload')).toBe('hex: de ad be ef');
  });
});

describe('previewPayload', () => {
  it.each([
    ['empty', new Uint8Array(0), ''],
    ['text', Buffer.from('21.5 °C'), '21.5 °C'],
    ['line breaks and tabs on one line', Buffer.from('a\r\nb\nc\td'), 'a↵b↵c d'],
    ['control characters as hex', Buffer.from('a\u0001b'), 'hex: 61 01 62'],
    ['invalid UTF-8 as hex', Buffer.from([0xc3, 0x28]), 'hex: c3 28'],
    ['long text cut at 64 characters', Buffer.from('x'.repeat(100)), `${'x'.repeat(64)}…`],
    ['long multi-byte text cut on a character', Buffer.from('é'.repeat(300)), `${'é'.repeat(64)}…`],
    ['4-byte characters cut on a character', Buffer.from('📡'.repeat(100)), `${'📡'.repeat(64)}…`],
    ['long binary cut at 21 bytes', Buffer.alloc(100, 0xff), `hex: ${'ff '.repeat(21)}…`],
  ])('shows %s', (_name, bytes, preview) => {
    expect(previewPayload(new Uint8Array(bytes))).toBe(preview);
  });

  it('looks only at the start of a huge payload', () => {
    const huge = new Uint8Array(16 * 1024 * 1024).fill(0x41);
    const started = performance.now();
    expect(previewPayload(huge)).toBe(`${'A'.repeat(64)}…`);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

/** A few packets with many fields, to cut at every length. */
const truncationCases: Array<[string, MqttProtocolVersion, Loose]> = [
  ['CONNECT 5 with will and properties', 5, v5[1]![1]],
  ['CONNECT 3.1 with will', 3, v3x(3)[1]![1]],
  ['PUBLISH 5 with properties', 5, v5[5]![1]],
  ['SUBSCRIBE 5', 5, v5[11]![1]],
  ['SUBACK 3.1.1', 4, v3x(4)[5]![1]],
  ['DISCONNECT 5 with properties', 5, v5[16]![1]],
];

function expectError(anatomy: PacketAnatomy, pattern: RegExp): void {
  expect(anatomy.error).toBeDefined();
  expect(anatomy.error).toMatch(pattern);
}

describe('malformed input', () => {
  it.each(truncationCases)('%s cut at every length: never throws, always says so, keeps a tiled tree', (_name, version, packet) => {
    const frame = gen(packet, version);
    for (let n = 0; n < frame.length; n++) {
      const cut = frame.slice(0, n);
      const anatomy = annotatePacket(cut, version);
      expect(anatomy.error, `cut at ${n}`).toBeDefined();
      expectWellFormedTree(anatomy, cut);
      if (n >= 2) expect(anatomy.error).toMatch(/Truncated/);
    }
  });

  it('calls a field that runs past a complete packet malformed, not truncated', () => {
    // SUBSCRIBE id 1, filter 'a', and no options byte, with a remaining length that agrees.
    const frame = new Uint8Array([0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /^Subscription options at offset 7 needs 1 byte, but only 0 remain before the end of the packet \(remaining length 5\)$/);
    expectWellFormedTree(anatomy, frame);
  });

  it('reports an empty frame', () => {
    const anatomy = annotatePacket(new Uint8Array(0), 4);
    expect(anatomy).toMatchObject({ type: null, fields: [] });
    expectError(anatomy, /offset 0/);
  });

  it('stops at a remaining length with a 5th byte', () => {
    const frame = new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /Remaining length at offset 1 is malformed/);
    expect(anatomy.type).toBe('PUBLISH');
    expectWellFormedTree(anatomy, frame);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Undecoded bytes', start: 1, end: 6 });
  });

  it('stops at PUBLISH QoS 3 after the fixed header', () => {
    const frame = new Uint8Array([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /QoS 3/);
    expect(anatomy.fields.map((f) => f.name)).toEqual(['Fixed header', 'Undecoded bytes']);
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at an unknown property identifier, naming it and its offset', () => {
    // PUBLISH 't', properties: length 2 = [0x05 ??, 0x00], payload 'x'
    const frame = new Uint8Array([0x30, 0x07, 0x00, 0x01, 0x74, 0x02, 0x05, 0x00, 0x78]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /Unknown property identifier 0x05 at offset 6/);
    expect(valueAt(anatomy.fields, 'Variable header/Topic name')).toBe('t');
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at a property list longer than the packet', () => {
    const frame = new Uint8Array([0x30, 0x05, 0x00, 0x01, 0x74, 0x09, 0x01]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /past the end of the packet/);
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at a property whose value runs past the property length', () => {
    // Content Type claims 5 bytes of text inside a 3-byte property list.
    const frame = new Uint8Array([0x30, 0x0b, 0x00, 0x01, 0x74, 0x03, 0x03, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /property length 3/);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['reserved packet type 0', new Uint8Array([0x00, 0x00]), 4, /Packet type 0 .* reserved/],
    ['AUTH before MQTT 5', new Uint8Array([0xf0, 0x00]), 4, /reserved before MQTT 5/],
  ] as const)('stops at %s', (_name, frame, version, pattern) => {
    const anatomy = annotatePacket(frame, version);
    expectError(anatomy, pattern);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['SUBSCRIBE with flags 0000', (f: Uint8Array) => (f[0] = 0x80), /SUBSCRIBE flags are 0000, must be 0010/],
    ['a reserved subscription option bit', (f: Uint8Array) => (f[f.length - 1]! |= 0x40), /reserved bits/],
    ['Retain Handling 3', (f: Uint8Array) => (f[f.length - 1]! |= 0x30), /Retain Handling 3/],
    ['subscription QoS 3', (f: Uint8Array) => (f[f.length - 1]! |= 0x03), /QoS 3/],
  ])('decodes everything but flags %s', (_name, corrupt, pattern) => {
    const frame = gen(v5[11]![1], 5);
    corrupt(frame);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, pattern);
    expect(all(anatomy.fields, 'Payload', 'Subscription')).toHaveLength(3);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['a reason code PUBACK cannot carry', { cmd: 'puback', messageId: 1, reasonCode: 0x8e }, /0x8E is not a reason code PUBACK can carry/],
    ['a property CONNECT cannot carry', { cmd: 'connect', protocolVersion: 5, clientId: 'c', properties: { topicAliasMaximum: 1, serverKeepAlive: 3 } }, /Server Keep Alive \(0x13\) is not allowed in CONNECT/],
    ['packet identifier 0', { cmd: 'puback', messageId: 0 }, /Packet identifier must not be 0/],
    ['a wildcard in a topic name', { cmd: 'publish', topic: 'a/+', payload: Buffer.from(''), qos: 0 }, /wildcard/],
  ])('reports %s but decodes on', (_name, packet, pattern) => {
    const frame = gen(packet, 5);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, pattern);
    expect(anatomy.fields.at(-1)?.end).toBe(frame.length);
    expect(anatomy.fields.map((f) => f.name)).not.toContain('Undecoded bytes');
  });

  it('marks bytes after the packet as trailing', () => {
    const frame = new Uint8Array([0xc0, 0x00, 0xaa, 0xbb]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /2 bytes after the end of the packet/);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Trailing bytes', start: 2, end: 4 });
  });

  it('marks bytes a packet should not have as unexpected', () => {
    const frame = new Uint8Array([0x40, 0x03, 0x00, 0x01, 0x00]); // 3.1.1 PUBACK has only a packet identifier
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /1 unexpected byte/);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Unexpected bytes', start: 4, end: 5 });
  });

  it('reports invalid UTF-8 in a topic but shows it', () => {
    const frame = new Uint8Array([0x30, 0x04, 0x00, 0x02, 0xc3, 0x28]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /Topic name is not valid UTF-8/);
    expect(valueAt(anatomy.fields, 'Variable header/Topic name')).toBe('\uFFFD(');
  });

  it('survives random corruption of valid packets without throwing', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const frames = table.map(([, version, packet]) => [version, gen(packet, version)] as const);
    for (let i = 0; i < 3000; i++) {
      const [version, original] = frames[i % frames.length]!;
      const frame = original.slice(0, Math.max(1, Math.min(original.length, 200)));
      for (let k = 0; k < 1 + (i % 4); k++) frame[Math.floor(random() * frame.length)] = Math.floor(random() * 256);
      const anatomy = annotatePacket(frame, version);
      expectWellFormedTree(anatomy, frame);
    }
  });
});
