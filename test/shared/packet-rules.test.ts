import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { checkUtf8, UTF8_CONTROL, UTF8_ILL_FORMED, UTF8_NONCHARACTER, UTF8_NULL, UTF8_OK } from '../../shared/packet-rules/utf8-check';
import { validatePacket } from '../../shared/packet-rules/validate';
import { describeViolation, formatRule } from '../../shared/packet-rules/violation';
import { codePoint, connect, ILL_FORMED_UTF8, packet, prop, props, publish, str, subscribe, u16 } from '../broker-sidecar/conformance/frames';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

describe('the UTF-8 check', () => {
  const rows: Array<[string, Uint8Array, number, number]> = [
    ['ASCII', b(0x61, 0x2f, 0x7e), UTF8_OK, UTF8_OK],
    ['two, three and four bytes', Uint8Array.from(Buffer.from('é日😀')), UTF8_OK, UTF8_OK],
    ['U+0000', b(0x61, 0x00), UTF8_NULL, UTF8_NULL],
    ['U+0001', b(0x01), UTF8_CONTROL, UTF8_OK],
    ['U+001F', b(0x1f), UTF8_CONTROL, UTF8_OK],
    ['U+007F', b(0x7f), UTF8_CONTROL, UTF8_OK],
    ['U+0080', codePoint(0x80), UTF8_CONTROL, UTF8_OK],
    ['U+009F', codePoint(0x9f), UTF8_CONTROL, UTF8_OK],
    ['U+00A0 (not a control character)', codePoint(0xa0), UTF8_OK, UTF8_OK],
    ['U+FDD0', codePoint(0xfdd0), UTF8_NONCHARACTER, UTF8_OK],
    ['U+FFFF', codePoint(0xffff), UTF8_NONCHARACTER, UTF8_OK],
    ['U+10FFFE', codePoint(0x10fffe), UTF8_NONCHARACTER, UTF8_OK],
    ['U+FEFF (a BOM, kept)', codePoint(0xfeff), UTF8_OK, UTF8_OK],
    ...ILL_FORMED_UTF8.map(([what, bytes]): [string, Uint8Array, number, number] => [what, bytes, UTF8_ILL_FORMED, UTF8_ILL_FORMED]),
  ];
  it.each(rows)('%s', (_what, bytes, strict, allowing) => {
    expect(checkUtf8(bytes, 0, bytes.length, false)).toBe(strict);
    expect(checkUtf8(bytes, 0, bytes.length, true)).toBe(allowing);
  });

  it('agrees with a strict decoder on every well-formed or ill-formed 1- to 3-byte sequence of a range', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let first = 0xc0; first <= 0xf4; first++) {
      for (let second = 0x70; second <= 0xc0; second += 7) {
        const bytes = b(first, second, 0x80, 0x80).subarray(0, first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2);
        let valid = true;
        try {
          decoder.decode(bytes);
        } catch {
          valid = false;
        }
        // Well-formed ones may still be refused as control/noncharacters; ill-formed ones never pass.
        const result = checkUtf8(bytes, 0, bytes.length, true);
        expect(result === UTF8_OK, `${Buffer.from(bytes).toString('hex')}`).toBe(valid);
      }
    }
  });
});

describe('the rule tables', () => {
  // [version, what, frame, the rule it breaks (undefined: valid), reason code]
  const rows: Array<[3 | 4 | 5, string, Buffer, string | undefined, number?]> = [
    [4, 'a plain CONNECT', connect(4, { clientId: 'c' }), undefined],
    [3, 'a 3.1 CONNECT with the reserved flag', connect(3, { clientId: 'c', flags: 0x03 }), undefined],
    [4, 'a 3.1.1 CONNECT with the reserved flag', connect(4, { clientId: 'c', flags: 0x03 }), 'MQTT-3.1.2-3', 0x81],
    [4, 'a password without a user name (3.1.1)', connect(4, { clientId: 'c', password: Buffer.from('p') }), 'MQTT-3.1.2-22', 0x81],
    [5, 'a password without a user name (5.0)', connect(5, { clientId: 'c', password: Buffer.from('p') }), undefined],
    [5, 'a user name without its flag (5.0)', connect(5, { clientId: 'c', extra: str('u') }), 'MQTT-3.1.2-16', 0x81],
    [4, 'a user name without its flag (3.1.1)', connect(4, { clientId: 'c', extra: str('u') }), 'MQTT-3.1.2-18', 0x81],
    [4, 'a password without its flag (3.1.1)', connect(4, { clientId: 'c', username: 'u', extra: str('p') }), 'MQTT-3.1.2-20', 0x81],
    [5, 'a client ID with U+0001 (5.0)', connect(5, { clientId: 'a\u0001' }), 'MQTT-3.1.3-8', 0x85],
    [4, 'a client ID with U+0000', connect(4, { clientId: 'a\u0000' }), 'MQTT-1.5.3-2', 0x81],
    [5, 'Receive Maximum 0', connect(5, { clientId: 'c', properties: props(prop.u16(0x21, 0)) }), '§3.1.2.11.3', 0x82],
    [5, 'a Topic Alias in PUBACK', packet(0x40, u16(1), Buffer.from([0]), props(prop.u16(0x23, 1))), '§2.2.2.2', 0x81],
    [5, 'a Subscription Identifier in UNSUBSCRIBE', packet(0xa2, u16(1), props(prop.vbi(0x0b, 1)), str('a')), '§2.2.2.2', 0x81],
    [5, 'a Server Reference in PUBREL', packet(0x62, u16(1), Buffer.from([0]), props(prop.str(0x1c, 's'))), '§2.2.2.2', 0x81],
    [5, 'a Subscription Identifier in a client PUBLISH', publish(5, { topic: 't', properties: props(prop.vbi(0x0b, 1)) }), 'MQTT-3.3.4-6', 0x82],
    [5, 'Payload Format Indicator 2', publish(5, { topic: 't', properties: props(prop.byte(0x01, 2)) }), '§3.3.2.3.2', 0x82],
    [5, 'Topic Alias 0', publish(5, { topic: 't', properties: props(prop.u16(0x23, 0)) }), 'MQTT-3.3.2-8', 0x94],
    [5, 'a Content Type twice', publish(5, { topic: 't', properties: props(prop.str(0x03, 'a'), prop.str(0x03, 'b')) }), '§2.2.2.2', 0x82],
    [5, 'User Properties twice (allowed)', publish(5, { topic: 't', properties: props(prop.pair(0x26, 'a', 'b'), prop.pair(0x26, 'a', 'b')) }), undefined],
    [4, 'DUP on QoS 0', publish(4, { topic: 't', first: 0x38 }), 'MQTT-3.3.1-2', 0x81],
    [5, 'both QoS bits set', publish(5, { topic: 't', first: 0x36, id: 1 }), 'MQTT-3.3.1-4', 0x81],
    [4, 'a wildcard topic', publish(4, { topic: 'a/+' }), 'MQTT-3.3.2-2', 0x82],
    [5, 'an empty topic with a Topic Alias', publish(5, { topic: '', properties: props(prop.u16(0x23, 1)) }), undefined],
    [4, 'an empty SUBSCRIBE', subscribe(4, 1, []), 'MQTT-3.8.3-3', 0x82],
    [5, 'Retain Handling 3', subscribe(5, 1, [['a', 0x30]]), '§3.8.3.1', 0x82],
    [5, 'No Local on a shared subscription', subscribe(5, 1, [['$share/g/a', 0x04]]), 'MQTT-3.8.3-4', 0x82],
    [4, 'PUBACK with packet identifier 0', packet(0x40, u16(0)), 'MQTT-2.3.1-6', 0x82],
    [4, 'PUBACK with a stray byte', packet(0x40, u16(1), Buffer.from([0])), '§3.4', 0x81],
    [3, 'PUBREL with DUP in 3.1', packet(0x6a, u16(1)), undefined],
    [4, 'PUBREL with flags 0000', packet(0x60, u16(1)), 'MQTT-3.6.1-1', 0x81],
    [4, 'SUBACK from a client', packet(0x90, u16(1), Buffer.from([0])), '§2.2.1', 0x82],
    [4, 'AUTH in 3.1.1', packet(0xf0, Buffer.from([0x18, 0])), '§2.2.1', 0x81],
    [5, 'AUTH without a Reason Code', Buffer.from([0xf0, 0x00]), 'MQTT-3.15.2-1', 0x82],
    [5, 'a Remaining Length in two bytes for 3', Buffer.from([0x40, 0x83, 0x00, 0x00, 0x01, 0x00]), 'MQTT-1.5.5-1', 0x81],
  ];
  it.each(rows)('v%i: %s', (version, _what, frame, rule, code) => {
    const violation = validatePacket(frame, version);
    if (rule === undefined) {
      expect(violation).toBeUndefined();
      return;
    }
    expect(violation).toMatchObject({ rule, reasonCode: code });
    expect(violation!.message.length).toBeGreaterThan(5);
  });

  it('lets allow_control_characters through, never U+0000', () => {
    expect(validatePacket(connect(4, { clientId: 'a\u0001' }), 4)).toMatchObject({ rule: 'MQTT-3.1.3-9', returnCode: 0x02 });
    expect(validatePacket(connect(4, { clientId: 'a\u0001' }), 4, { allowControlCharacters: true })).toBeUndefined();
    expect(validatePacket(publish(4, { topic: 'a\u0000' }), 4, { allowControlCharacters: true })).toMatchObject({ rule: 'MQTT-4.7.3-2' });
  });

  it('names rules as Reason Strings and log lines show them', () => {
    expect(formatRule('MQTT-3.1.2-22', 4)).toBe('[MQTT-3.1.2-22]');
    expect(formatRule('§3.8.3.1', 5)).toBe('[MQTT 5.0 §3.8.3.1]');
    expect(formatRule('§3.1', 3)).toBe('[MQTT 3.1 §3.1]');
    expect(describeViolation({ rule: 'MQTT-3.1.2-22', message: 'Password Flag set without User Name Flag', reasonCode: 0x81 }, 4)).toBe('[MQTT-3.1.2-22] Password Flag set without User Name Flag');
  });
});

/** Decodes a frame with mqtt-packet: the packet, or its error. */
function decode(frame: Buffer, version: 3 | 4 | 5): { packet?: Packet; error?: Error } {
  const p = createParser({ protocolVersion: version });
  const out: { packet?: Packet; error?: Error } = {};
  p.on('packet', (packet: Packet) => (out.packet ??= packet));
  p.on('error', (error: Error) => (out.error ??= error));
  p.parse(frame);
  return out;
}

describe('the rule tables against mqtt-packet', () => {
  const templates = (version: 4 | 5): Buffer[] => {
    const v5 = version === 5;
    const packets: Packet[] = [
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'fz', clean: true, keepalive: 5, will: { topic: 'w', payload: Buffer.from('w'), qos: 1, retain: true, properties: v5 ? { willDelayInterval: 1, userProperties: { a: 'b' } } : undefined }, username: 'u', password: Buffer.from('p'), properties: v5 ? { sessionExpiryInterval: 1, receiveMaximum: 3, userProperties: { k: 'v' } } : undefined },
      { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false },
      { cmd: 'publish', topic: 'r', payload: Buffer.from('k'), qos: 1, messageId: 7, dup: false, retain: true, properties: v5 ? { topicAlias: 1, payloadFormatIndicator: true, userProperties: { a: ['1', '2'] }, correlationData: Buffer.from([1]), responseTopic: 'resp', contentType: 'text/plain', messageExpiryInterval: 9 } : undefined },
      { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'f/#', qos: 2, ...(v5 ? { nl: true, rap: true, rh: 1 } : {}) }], properties: v5 ? { subscriptionIdentifier: 4 } : undefined },
      { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['f/#', 'n'], properties: v5 ? { userProperties: { a: 'b' } } : undefined },
      { cmd: 'puback', messageId: 1, ...(v5 ? { reasonCode: 0x10, properties: { reasonString: 'x' } } : {}) },
      { cmd: 'pubrel', messageId: 8, ...(v5 ? { reasonCode: 0x92 } : {}) },
      { cmd: 'pingreq' },
      { cmd: 'disconnect', ...(v5 ? { reasonCode: 4, properties: { reasonString: 'bye' } } : {}) },
    ];
    if (v5) packets.push({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'X', authenticationData: Buffer.from('d') } });
    return packets.map((p) => generate(p, { protocolVersion: version }));
  };

  it.each([4, 5] as const)('accepts every packet mqtt-packet generates (%i)', (version) => {
    for (const frame of templates(version)) expect(validatePacket(frame, version), frame.toString('hex')).toBeUndefined();
  });

  it.each([4, 5] as const)('refuses whatever mqtt-packet refuses, over 100,000 mutated frames (%i)', (version) => {
    let s = 12345 + version;
    const rand = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const int = (n: number): number => Math.floor(rand() * n);
    const base = templates(version);
    const gaps: string[] = [];
    let accepted = 0;
    for (let n = 0; n < 100_000; n++) {
      const frame = Buffer.from(base[int(base.length)]!);
      for (let i = 0, m = 1 + int(3); i < m; i++) {
        const at = rand() < 0.15 ? 0 : 1 + int(frame.length - 1); // the type and flags byte too
        frame[at] = rand() < 0.5 ? int(256) : frame[at]! ^ (1 << int(8));
      }
      if (frame[1]! >= 0x80 || frame.length > 129) continue;
      frame[1] = frame.length - 2; // keep the frame whole, as the broker's framer cuts it
      if (validatePacket(frame, version) !== undefined) continue;
      accepted++;
      const decoded = decode(frame, version);
      if (!decoded.packet || decoded.error) gaps.push(`${frame.toString('hex')}: ${decoded.error?.message}`);
    }
    expect(gaps.slice(0, 5)).toEqual([]);
    expect(accepted).toBeGreaterThan(1000); // mutations that stayed valid were judged, too
  });
});
