/** Protobuf decoding that reports where it stopped, for every protobuf decode path. */

import protobuf from 'protobufjs';
import { DecodeFailure } from './decode-failure';

/**
 * Decodes a message of a protobufjs type, all of the bytes.
 * @throws DecodeFailure with the byte offset where the reader stopped.
 */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): protobuf.Message {
  const reader = protobuf.Reader.create(bytes);
  try {
    return type.decode(reader);
  } catch (error) {
    const text = (error as Error).message;
    // protobufjs says "index out of range: POS + NEED > LEN" when the bytes end early.
    const short = /index out of range: (\d+) \+ (\d+) > (\d+)/.exec(text);
    if (short) throw new DecodeFailure(`Not a ${type.name}: the payload ends early (${short[2]} more bytes needed, ${Number(short[3]) - Number(short[1])} left)`, Number(short[1]));
    if (text.startsWith('index out of range')) throw new DecodeFailure(`Not a ${type.name}: the payload ends early`, reader.pos);
    const wire = /invalid wire type (\d+) at offset (\d+)/.exec(text);
    if (wire) throw new DecodeFailure(`Not a ${type.name}: invalid wire type ${wire[1]}`, Number(wire[2]));
    throw new DecodeFailure(`Not a ${type.name}: ${text}`, reader.pos);
  }
}
