/**
 * The check of one MQTT 5.0 property list as a client sends it (§2.2.2): every identifier
 * known and allowed in its packet (else a Malformed Packet), single-valued ones at most once
 * (else a Protocol Error), each value whole and within its limits, strings strictly UTF-8.
 */

import { hexByte } from '../packet-anatomy/field-reader';
import { PROPERTIES, type PropertyContext } from '../packet-anatomy/tables';
import { refuse, type Cursor } from './cursor';
import { PROPERTY_VALUE_RULES, propertyAllowed, propertyRepeatable, SERVER_ONLY_PROPERTIES } from './tables';
import { RC } from './violation';

/** What later checks of the packet need from its properties. */
export interface PropertySummary {
  topicAlias: boolean;
  /** Payload Format Indicator 1: the payload is UTF-8 (§3.3.2.3.2). */
  utf8Payload: boolean;
  authenticationMethod: boolean;
  authenticationData: boolean;
}

/** The summary of an empty property list. */
const NONE: Readonly<PropertySummary> = Object.freeze({ topicAlias: false, utf8Payload: false, authenticationMethod: false, authenticationData: false });

/** Reads and checks the property list at the cursor; `context` is the packet, or 'WILL'. */
export function checkProperties(r: Cursor, context: PropertyContext): PropertySummary {
  const label = context === 'WILL' ? 'Will Properties' : 'Properties';
  const lengthAt = r.pos;
  const length = r.vbi(`${label} length`);
  if (length > r.left) r.malformed('§2.2.2.1', `${label} length ${length} at offset ${lengthAt} runs past the end of ${r.type.name} (${r.left} bytes left)`);
  if (length === 0) return NONE; // the usual case: nothing to allocate
  const outerEnd = r.end;
  r.end = r.pos + length;
  const summary: PropertySummary = { topicAlias: false, utf8Payload: false, authenticationMethod: false, authenticationData: false };
  const seen = new Uint8Array(64);
  const where = (): string => (context === 'WILL' ? 'the Will Properties' : context);
  while (r.left > 0) {
    const at = r.pos;
    const id = r.vbi('Property Identifier');
    const info = PROPERTIES.get(id);
    if (!info) r.malformed('§2.2.2.2', `unknown Property Identifier ${hexByte(id)} at offset ${at} in ${where()}`);
    // Names are built only for a refusal: this runs for every property of every slow-path packet.
    const name = (): string => `${info.name} (${hexByte(id)})`;
    if (!propertyAllowed(context, id)) r.malformed('§2.2.2.2', `${name()} at offset ${at} is not allowed in ${where()}`);
    if (seen[id] === 1 && !propertyRepeatable(id)) refuse('§2.2.2.2', `${name()} appears more than once in ${where()}`, RC.protocolError);
    seen[id] = 1;
    const serverOnly = SERVER_ONLY_PROPERTIES.get(id);
    if (serverOnly !== undefined) refuse(serverOnly, `${name()} at offset ${at} is sent by servers only`, RC.protocolError);
    if (id === 0x0b && context === 'PUBLISH') refuse('MQTT-3.3.4-6', `a PUBLISH from a client carries a ${name()}`, RC.protocolError);
    let value = 0;
    switch (info.encoding) {
      case 'byte':
        value = r.u8(info.name);
        break;
      case 'two-byte':
        value = r.u16(info.name);
        break;
      case 'four-byte':
        value = r.u32(info.name);
        break;
      case 'varint':
        value = r.vbi(info.name);
        break;
      case 'utf8': {
        const start = r.string(info.name);
        if (id === 0x08) checkResponseTopic(r, start);
        break;
      }
      case 'binary':
        r.binary(info.name);
        break;
      case 'utf8-pair':
        r.string(`${info.name} name`); // both strings are UTF-8 Encoded Strings [MQTT-1.5.7-1]
        r.string(`${info.name} value`);
        break;
    }
    const limit = PROPERTY_VALUE_RULES.get(id);
    if (limit && !limit.ok(value)) refuse(limit.rule, `${name()} ${limit.says}, not ${value}`, limit.reasonCode);
    if (id === 0x23) summary.topicAlias = true;
    else if (id === 0x01) summary.utf8Payload = value === 1;
    else if (id === 0x15) summary.authenticationMethod = true;
    else if (id === 0x16) summary.authenticationData = true;
  }
  r.end = outerEnd;
  return summary;
}

/** A Response Topic is a topic name: at least one character, no wildcards [MQTT-3.3.2-14]. */
function checkResponseTopic(r: Cursor, start: number): void {
  if (r.pos === start) refuse('MQTT-4.7.3-1', 'the Response Topic is empty', RC.protocolError);
  if (r.contains(start, 0x2b, 0x23)) refuse('MQTT-3.3.2-14', 'the Response Topic contains a wildcard (+ or #)', RC.protocolError);
}
