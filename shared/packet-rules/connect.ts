/**
 * CONNECT, field by field (3.1.1 §3.1, 5.0 §3.1; 3.1 as mosquitto reads it): the Connect
 * Flags agree with themselves and with the payload, every string is strictly UTF-8, and
 * nothing follows the last field the flags announce. A broken CONNECT is answered with a
 * CONNACK in 5.0 (the reason code here), in 3.x with the return code the spec gives where it
 * gives one, otherwise by closing the connection [MQTT-3.1.4-1].
 */

import type { Cursor } from './cursor';
import { refuse } from './cursor';
import { checkProperties } from './properties';
import { checkUtf8, UTF8_CONTROL, UTF8_NONCHARACTER, UTF8_OK } from './utf8-check';
import { RC, RETURN_CODE, type RuleRef } from './violation';

/** Longest client identifier MQTT 3.1 allows (3.1 §3.1, "Client Identifier"). */
const MAX_CLIENT_ID_31 = 23;

/** Checks a CONNECT whose protocol name and level the caller has already read as `r.version`. */
export function checkConnect(r: Cursor): void {
  const v5 = r.version === 5;
  const v31 = r.version === 3;
  /** The 3.1.1 rule, or the 5.0 one. */
  const pick = (v4: RuleRef, v5Rule: RuleRef): RuleRef => (v5 ? v5Rule : v4);

  // The name and level pick the version the rest is read by [MQTT-3.1.2-1] [MQTT-3.1.2-2].
  const nameStart = r.string('Protocol Name');
  const expected = v31 ? 'MQIsdp' : 'MQTT';
  if (r.pos - nameStart !== expected.length || !r.spells(nameStart, expected)) {
    refuse('MQTT-3.1.2-1', `the Protocol Name is not '${expected}'`, RC.unsupportedProtocolVersion);
  }
  const level = r.u8('Protocol Level') & 0x7f; // bit 7: a mosquitto bridge
  if (level !== r.version) refuse('MQTT-3.1.2-2', `Protocol Level ${level} where ${r.version} was expected`, RC.unsupportedProtocolVersion, RETURN_CODE.unacceptableProtocolVersion);
  const flagsAt = r.pos;
  const flags = r.u8('Connect Flags');
  // 3.1 did not reserve bit 0; mosquitto accepts it there, and so do we.
  if (!v31 && flags & 0x01) r.malformed('MQTT-3.1.2-3', `the reserved bit of the Connect Flags (offset ${flagsAt}) is set`);
  const will = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 3;
  const user = (flags & 0x80) !== 0;
  const password = (flags & 0x40) !== 0;
  if (!will && willQos !== 0) r.malformed(pick('MQTT-3.1.2-13', 'MQTT-3.1.2-11'), `Will QoS is ${willQos} but the Will Flag is 0`);
  if (!will && flags & 0x20) r.malformed(pick('MQTT-3.1.2-15', 'MQTT-3.1.2-13'), 'Will Retain is set but the Will Flag is 0');
  if (will && willQos === 3) r.malformed(pick('MQTT-3.1.2-14', 'MQTT-3.1.2-12'), 'Will QoS is 3');
  // 5.0 lets a password go without a user name; 3.1.1 does not, nor (as mosquitto reads it) 3.1.
  if (!v5 && password && !user) r.malformed('MQTT-3.1.2-22', 'Password Flag set without User Name Flag');
  r.u16('Keep Alive');
  if (v5) {
    const properties = checkProperties(r, 'CONNECT');
    if (properties.authenticationData && !properties.authenticationMethod) refuse('§3.1.2.11.10', 'CONNECT carries Authentication Data without an Authentication Method', RC.protocolError);
  }

  if (r.left < 2) r.malformed('MQTT-3.1.3-3', 'the Client Identifier is missing');
  checkClientId(r, v5, v31);

  if (will) {
    let utf8Payload = false;
    if (v5) utf8Payload = checkProperties(r, 'WILL').utf8Payload;
    if (r.left < 2) r.malformed('MQTT-3.1.2-9', 'the Will Flag is 1 but the Will Topic is missing');
    const topicAt = r.pos;
    const start = r.string('Will Topic', 'topic');
    if (r.pos === start) refuse('MQTT-4.7.3-1', 'the Will Topic is empty', RC.topicNameInvalid);
    if (r.contains(start, 0x2b, 0x23)) refuse(pick('MQTT-4.7.1-1', 'MQTT-4.7.0-1'), `the Will Topic at offset ${topicAt} contains a wildcard (+ or #)`, RC.topicNameInvalid);
    if (r.left < 2) r.malformed('MQTT-3.1.2-9', 'the Will Flag is 1 but the Will Payload is missing');
    const payload = r.binary('Will Payload');
    // A will that promises UTF-8 must keep the promise (§3.1.3.2.3); its subscribers would get garbage.
    if (utf8Payload && checkUtf8(r.bytes, payload, r.pos, true) !== UTF8_OK) refuse('§3.1.3.2.3', 'the Will Payload is not UTF-8 but its Payload Format Indicator is 1', RC.payloadFormatInvalid);
  }
  if (user) {
    if (r.left < 2) r.malformed(pick('MQTT-3.1.2-19', 'MQTT-3.1.2-17'), 'the User Name Flag is 1 but the User Name is missing');
    r.string('User Name');
  }
  if (password) {
    if (r.left < 2) r.malformed(pick('MQTT-3.1.2-21', 'MQTT-3.1.2-19'), 'the Password Flag is 1 but the Password is missing');
    r.binary('Password');
  }
  if (r.left > 0) extraFields(r, user, password, pick);
}

/**
 * The Client Identifier: malformed when it is not a UTF-8 string; refused with "identifier
 * rejected" (3.x 0x02 [MQTT-3.1.3-9], 5.0 0x85 [MQTT-3.1.3-8]) when it is a string this
 * server does not take: control characters or noncharacters, or over 23 characters in 3.1.
 */
function checkClientId(r: Cursor, v5: boolean, v31: boolean): void {
  const at = r.pos;
  const start = r.prefixed('Client Identifier');
  const problem = checkUtf8(r.bytes, start, r.pos, r.allowControl);
  if (problem === UTF8_CONTROL || problem === UTF8_NONCHARACTER) {
    const what = problem === UTF8_CONTROL ? 'a control character' : 'a Unicode noncharacter';
    refuse(v5 ? 'MQTT-3.1.3-8' : 'MQTT-3.1.3-9', `the Client Identifier at offset ${at} contains ${what}; the broker option allow_control_characters accepts it`, RC.clientIdentifierNotValid, RETURN_CODE.identifierRejected);
  }
  if (problem !== UTF8_OK) r.badString(problem, 'Client Identifier', 'string', at);
  if (v31 && r.pos - start > MAX_CLIENT_ID_31) {
    refuse('§3.1', `the Client Identifier is ${r.pos - start} bytes; MQTT 3.1 allows 1 to ${MAX_CLIENT_ID_31}`, RC.clientIdentifierNotValid, RETURN_CODE.identifierRejected);
  }
}

/**
 * Bytes after the last field the flags announce. When they are exactly one or two
 * length-prefixed fields, they are a User Name or Password the flags left out, and the
 * rule for that flag is named; anything else breaks "the CONNECT conforms to §3.1".
 */
function extraFields(r: Cursor, user: boolean, password: boolean, pick: (v4: RuleRef, v5: RuleRef) => RuleRef): never {
  const count = fieldCount(r.bytes, r.pos, r.end);
  const offset = r.pos;
  if (count > 0 && !user && !password && count <= 2) {
    r.malformed(pick('MQTT-3.1.2-18', 'MQTT-3.1.2-16'), `the User Name Flag is 0 but a User Name follows (offset ${offset})`);
  }
  if (count === 1 && user && !password) r.malformed(pick('MQTT-3.1.2-20', 'MQTT-3.1.2-18'), `the Password Flag is 0 but a Password follows (offset ${offset})`);
  return r.malformed('MQTT-3.1.4-1', `${r.left} byte${r.left === 1 ? '' : 's'} after the last field of CONNECT (offset ${offset})`);
}

/** How many length-prefixed fields exactly fill [start, end); 0 when they do not. */
function fieldCount(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  let at = start;
  while (at < end) {
    if (at + 2 > end) return 0;
    at += 2 + ((bytes[at]! << 8) | bytes[at + 1]!);
    count++;
  }
  return at === end ? count : 0;
}
