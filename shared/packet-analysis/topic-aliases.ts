/**
 * Topic aliases [MQTT 5.0, 3.3.2.3.4]: a 5.0 PUBLISH may carry a Topic Alias with its topic
 * (setting the alias) or in place of it (an empty topic name, using the alias). Each
 * direction keeps its own aliases [MQTT-3.3.2-10, MQTT-3.3.2-11], and an alias may be set
 * again to another topic, so the index keeps each alias's history to resolve any packet to
 * the topic in force when it was sent, as Wireshark does.
 */

import type { PacketRecord } from '../contract';
import { PROPERTIES } from '../packet-anatomy/tables';
import { utf8Decode } from '../utf8';
import { bodyStart } from './packet-facts';

const TOPIC_ALIAS = 0x23;

/** The Topic Alias of a 5.0 PUBLISH (0 when it has none), read without decoding the packet. */
export function topicAliasOf(bytes: Uint8Array): number {
  if (bytes[0]! >> 4 !== 3) return 0;
  const body = bodyStart(bytes);
  if (body < 0 || body + 2 > bytes.length) return 0;
  let at = body + 2 + ((bytes[body]! << 8) | bytes[body + 1]!);
  if (((bytes[0]! >> 1) & 3) > 0) at += 2;
  const length = varint(bytes, at);
  if (!length || length[0] === 0) return 0;
  at += length[1];
  const end = Math.min(bytes.length, at + length[0]);
  while (at < end) {
    const id = bytes[at++]!;
    const info = PROPERTIES.get(id);
    if (!info) return 0;
    if (id === TOPIC_ALIAS) return at + 2 <= end ? (bytes[at]! << 8) | bytes[at + 1]! : 0;
    switch (info.encoding) {
      case 'byte':
        at += 1;
        break;
      case 'two-byte':
        at += 2;
        break;
      case 'four-byte':
        at += 4;
        break;
      case 'varint':
        at += varint(bytes, at)?.[1] ?? end;
        break;
      case 'utf8':
      case 'binary':
        at += 2 + ((bytes[at]! << 8) | bytes[at + 1]!);
        break;
      case 'utf8-pair':
        at += 2 + ((bytes[at]! << 8) | bytes[at + 1]!);
        at += 2 + ((bytes[at]! << 8) | bytes[at + 1]!);
        break;
    }
  }
  return 0;
}

function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4 && at + i < bytes.length; i++) {
    value += (bytes[at + i]! & 0x7f) * multiplier;
    if ((bytes[at + i]! & 0x80) === 0) return [value, i + 1];
    multiplier *= 128;
  }
  return undefined;
}

/** Alias → topic per direction, learned from packets fed in order. */
export class TopicAliases {
  /** Per direction ('out' 0, 'in' 1): each alias's settings, oldest first. */
  private readonly maps: [Map<number, Array<{ seq: number; topic: string }>>, Map<number, Array<{ seq: number; topic: string }>>] = [new Map(), new Map()];
  /** Sequence number of the last packet fed. */
  lastSeq = 0;

  /** Learns from one packet (a PUBLISH that sets an alias). */
  add(packet: PacketRecord): void {
    this.lastSeq = packet.seq;
    const bytes = packet.bytes;
    if (bytes[0]! >> 4 !== 3) return;
    const body = bodyStart(bytes);
    const topicLength = body > 0 && body + 2 <= bytes.length ? (bytes[body]! << 8) | bytes[body + 1]! : 0;
    if (topicLength === 0) return;
    const alias = topicAliasOf(bytes);
    if (alias === 0) return;
    const map = this.maps[packet.direction === 'out' ? 0 : 1];
    const topic = utf8Decode(bytes.subarray(body + 2, body + 2 + topicLength));
    const history = map.get(alias);
    if (history) history.push({ seq: packet.seq, topic });
    else map.set(alias, [{ seq: packet.seq, topic }]);
  }

  /** The topic `alias` stood for in `direction` when packet `seq` was sent, if it was set by then. */
  resolve(direction: 'in' | 'out', alias: number, seq: number): { topic: string; setBy: number } | undefined {
    const history = this.maps[direction === 'out' ? 0 : 1].get(alias);
    if (!history) return undefined;
    for (let i = history.length - 1; i >= 0; i--) if (history[i]!.seq < seq) return { topic: history[i]!.topic, setBy: history[i]!.seq };
    return undefined;
  }
}
