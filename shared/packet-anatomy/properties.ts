/**
 * MQTT 5 property lists [MQTT 5.0, 2.2.2]: a Variable Byte Integer length, then properties,
 * each an identifier and a value whose encoding the identifier fixes. An unknown identifier
 * leaves no way to know its value's length, so it stops decoding; a known property in the
 * wrong packet, or repeated, is only reported.
 */

import { DecodeError, hexByte, type FieldNode, type FieldReader } from './field-reader';
import { PROPERTIES, type PropertyContext, type PropertyInfo } from './tables';

/** Properties whose byte value is a boolean or a QoS limited to 0 and 1. */
const ZERO_OR_ONE = new Set([0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a]);
/** Properties for which 0 is a protocol error. */
const NON_ZERO = new Set([0x0b, 0x21, 0x23, 0x27]);

/**
 * Reads a property list as a group `label` whose value is the number of properties read.
 * `context` is the packet (or 'WILL') whose allowed properties apply.
 */
export function readProperties(r: FieldReader, context: PropertyContext, label = 'Properties'): void {
  r.group(label, 0, (group) => {
    const { value: length, node } = r.varint('Property length');
    const seen = new Set<number>();
    const what = `${label === 'Properties' ? 'Property' : label} length ${length} at offset ${node.start}`;
    r.within(r.pos + length, `end of the ${label.toLowerCase()} (property length ${length})`, what, () => {
      let count = 0;
      while (r.remaining > 0) {
        readProperty(r, context, seen);
        group.value = ++count;
      }
    });
  });
}

function readProperty(r: FieldReader, context: PropertyContext, seen: Set<number>): void {
  r.group('Property', null, (node) => {
    const at = r.pos;
    // The identifier is a Variable Byte Integer, though every defined one fits in a byte.
    const { value: id } = r.varint('Identifier');
    const info = PROPERTIES.get(id);
    if (!info) {
      throw new DecodeError(`Unknown property identifier ${hexByte(id)} at offset ${at}; its length is unknown, so decoding stops`, at);
    }
    node.name = info.name;
    if (!info.allowedIn.includes(context)) {
      r.problem(`${info.name} (${hexByte(id)}) is not allowed in ${context === 'WILL' ? 'will properties' : context}`, at);
    }
    const repeatable = info.repeatable === true && (id !== 0x0b || context === 'PUBLISH');
    if (seen.has(id) && !repeatable) r.problem(`${info.name} (${hexByte(id)}) appears more than once [MQTT-2.2.2]`, at);
    seen.add(id);
    node.value = readValue(r, info);
    if (typeof node.value === 'number') {
      if (ZERO_OR_ONE.has(id) && node.value > 1) r.problem(`${info.name} must be 0 or 1, not ${node.value}`, at);
      if (NON_ZERO.has(id) && node.value === 0) r.problem(`${info.name} must not be 0`, at);
    }
  });
}

function readValue(r: FieldReader, info: PropertyInfo): FieldNode['value'] {
  switch (info.encoding) {
    case 'byte':
      return r.u8('Value').value;
    case 'two-byte':
      return r.u16('Value').value;
    case 'four-byte':
      return r.u32('Value').value;
    case 'varint':
      return r.varint('Value').value;
    case 'utf8':
      return r.utf8('Value').value;
    case 'binary':
      return r.binary('Value').node.value;
    case 'utf8-pair': {
      const name = r.utf8('Name').value;
      const value = r.utf8('Value').value;
      return `${name}: ${value}`;
    }
  }
}
