/** Protobuf decoding that reports where it stopped, for every protobuf decode path (schemas and Sparkplug). */

import protobuf from 'protobufjs';
import { DecodeFailure } from '../decode-error';

/**
 * The reader methods protobufjs' generated decoders call (tag, int32, stringVerify, bytes,
 * skipType, packed reads…), each reading one tag, number or length-prefixed value; taken
 * from the Reader itself so a new protobufjs method is traced too.
 */
const READS: readonly string[] = (() => {
  const names = new Set<string>();
  for (let proto = protobuf.Reader.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && name !== 'raw' && typeof (proto as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
})();

/**
 * Decodes a message of a protobufjs type, all of the bytes.
 * @throws DecodeFailure with the byte offset of the tag or value that is wrong or cut short.
 */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): protobuf.Message {
  try {
    return type.decode(bytes);
  } catch {
    throw locateProtobufError(type, bytes);
  }
}

/**
 * Decodes again through a reader that notes where each of its reads starts: protobufjs
 * says how far it got (or, for a varint cut short, only the payload's length), not where
 * the value it was reading began.
 */
function locateProtobufError(type: protobuf.Type, bytes: Uint8Array): DecodeFailure {
  const reader = protobuf.Reader.create(bytes);
  const methods = reader as unknown as Record<string, (...args: unknown[]) => unknown>;
  let depth = 0;
  let start = 0;
  let before = 0;
  for (const method of READS) {
    const read = methods[method]!.bind(reader);
    methods[method] = (...args: unknown[]) => {
      if (depth === 0) {
        before = start;
        start = reader.pos;
      }
      depth++;
      try {
        return read(...args);
      } finally {
        depth--;
      }
    };
  }
  try {
    type.decode(reader);
  } catch (error) {
    const text = (error as Error).message;
    // protobufjs says "index out of range: POS + NEED > LEN" when the bytes end early.
    const short = /index out of range: (\d+) \+ (\d+) > (\d+)/.exec(text);
    if (short || text.startsWith('index out of range')) return new DecodeFailure(`Not a ${type.name}: the payload ends inside the value that starts here`, start);
    // The wire type is in the tag, read just before the skip that refused it.
    const wire = /invalid wire type (\d+)/.exec(text);
    if (wire) return new DecodeFailure(`Not a ${type.name}: invalid wire type ${wire[1]} in the tag`, before);
    return new DecodeFailure(`Not a ${type.name}: ${text}`, start);
  }
  return new DecodeFailure(`Not a ${type.name}`, 0);
}
