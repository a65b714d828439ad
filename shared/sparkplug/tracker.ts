/**
 * Sparkplug B as a host application reads it, one message at a time in arrival order:
 * decodes the payload, resolves metric aliases to the names of the latest birth
 * certificate, and flags `seq` gaps and `bdSeq` mismatches on the message. One tracker per
 * connection; the app's backend and the CLI use the same one.
 */

import type { DecodedPayload, SparkplugInfo, SparkplugMetric } from '../decoded';
import { decodeJsonBytes, toDecodeError } from '../decode-error';
import { utf8DecodeStrict } from '../utf8';
import { decodeSparkplug } from './codec';
import { parseSparkplugTopic, type SparkplugTopic } from './topic';

/** What the tracker remembers of one edge node (and its devices). */
interface EdgeNodeState {
  /** Alias → name, from NBIRTH and every DBIRTH since; aliases are unique per edge node. */
  aliases: Map<number, string>;
  /** The seq of the last message from the edge node (undefined before its NBIRTH). */
  seq?: number;
  /** The bdSeq of the current NBIRTH. */
  bdSeq?: number;
}

/** Decodes Sparkplug B messages in arrival order, keeping birth certificates per edge node. */
export class SparkplugTracker {
  /** By group, then edge node: two lookups, no key string built per message. */
  private readonly nodes = new Map<string, Map<string, EdgeNodeState>>();

  /** Decodes a message on a Sparkplug topic; undefined for any other topic. */
  decode(topic: string, payload: Uint8Array): DecodedPayload | undefined {
    const where = parseSparkplugTopic(topic);
    if (!where) return undefined;
    const type = `Sparkplug B ${where.messageType}`;
    if (where.messageType === 'STATE') return decodeState(where.host, payload, type);
    let decoded;
    try {
      decoded = decodeSparkplug(payload);
    } catch (error) {
      return { kind: 'sparkplug', type, error: toDecodeError(error) };
    }
    // Keys in this order (the JSON for the page is pinned by tests), assigned rather than
    // spread: at fleet rates the spread objects were a measurable share of the decode (#17).
    const info = { group: where.group, messageType: where.messageType, edgeNode: where.edgeNode } as SparkplugInfo;
    if (where.device !== undefined) info.device = where.device;
    if (decoded.timestamp !== undefined) info.timestamp = decoded.timestamp;
    if (decoded.seq !== undefined) info.seq = decoded.seq;
    if (decoded.uuid !== undefined) info.uuid = decoded.uuid;
    info.metrics = decoded.metrics;
    const warnings = this.track(where, info);
    const result: DecodedPayload = { kind: 'sparkplug', type, sparkplug: info };
    if (warnings.length > 0) result.warnings = warnings;
    return result;
  }

  /** Forgets every edge node (the message log was cleared or the connection is new). */
  reset(): void {
    this.nodes.clear();
  }

  private track(where: Exclude<SparkplugTopic, { messageType: 'STATE' }>, info: SparkplugInfo): string[] {
    const warnings: string[] = [];
    let group = this.nodes.get(where.group);
    let node = group?.get(where.edgeNode);
    const bdSeq = metricNumber(info.metrics, 'bdSeq');
    if (bdSeq !== undefined) info.bdSeq = bdSeq;

    if (where.messageType === 'NBIRTH') {
      // A birth starts a new session: the aliases of the old one no longer hold.
      node = { aliases: new Map() };
      if (!group) this.nodes.set(where.group, (group = new Map()));
      group.set(where.edgeNode, node);
      if (bdSeq !== undefined) node.bdSeq = bdSeq;
      else warnings.push('NBIRTH has no bdSeq metric'); // tck-id-payloads-nbirth-bdseq
    }
    if (where.messageType === 'NBIRTH' || where.messageType === 'DBIRTH') {
      for (const metric of info.metrics) if (metric.alias !== undefined && metric.name) node?.aliases.set(metric.alias, metric.name);
    }

    // Aliases in data and commands stand for the names of the birth [tck-id-payloads-alias-data-cmd-requirement].
    let unresolved = 0;
    for (const metric of info.metrics) {
      if (metric.name || metric.alias === undefined) continue;
      const name = node?.aliases.get(metric.alias);
      if (name !== undefined) metric.name = name;
      else {
        metric.name = `alias ${metric.alias}`;
        unresolved++;
      }
    }
    if (unresolved > 0) warnings.push(node ? `${unresolved} alias${unresolved > 1 ? 'es' : ''} not defined by the birth certificate` : `No NBIRTH seen for ${where.group}/${where.edgeNode}: aliases cannot be resolved`);

    if (where.messageType === 'NDEATH') {
      // The NDEATH's bdSeq must match the one of the NBIRTH it ends [tck-id-payloads-ndeath-bdseq].
      if (node?.bdSeq !== undefined && bdSeq !== undefined && bdSeq !== node.bdSeq) warnings.push(`bdSeq mismatch: NDEATH has bdSeq ${bdSeq}, the NBIRTH had ${node.bdSeq}`);
      if (node) delete node.seq;
      return warnings;
    }
    if (where.messageType === 'NCMD' || where.messageType === 'DCMD') return warnings; // commands come from hosts, without the edge node's seq

    // Every message of an edge node session carries seq, one more than the last, 255 wrapping to 0
    // [tck-id-payloads-sequence-num-incrementing].
    if (info.seq === undefined) warnings.push(`${where.messageType} has no seq`);
    else if (where.messageType !== 'NBIRTH' && node?.seq !== undefined) {
      const expected = (node.seq + 1) % 256;
      if (info.seq !== expected) warnings.push(`seq gap: expected ${expected}, got ${info.seq}`);
    }
    if (node && info.seq !== undefined) node.seq = info.seq;
    return warnings;
  }
}

/** A metric's value as a number, if the metric is there and numeric. */
function metricNumber(metrics: readonly SparkplugMetric[], name: string): number | undefined {
  let value: unknown;
  for (const m of metrics) {
    if (m.name === name) {
      value = m.value;
      break;
    }
  }
  return typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** STATE is JSON `{"online": true, "timestamp": …}` in 3.0; 2.x hosts sent the text ONLINE/OFFLINE. */
function decodeState(host: string, payload: Uint8Array, type: string): DecodedPayload {
  const text = utf8DecodeStrict(payload)?.trim();
  const base: SparkplugInfo = { group: '', messageType: 'STATE', edgeNode: '', host, metrics: [] };
  if (text === 'ONLINE' || text === 'OFFLINE') return { kind: 'sparkplug', type, value: text, sparkplug: { ...base, online: text === 'ONLINE' } };
  const expected = 'A STATE payload must be JSON {"online": true|false, "timestamp": …}';
  let value: { online?: unknown; timestamp?: unknown };
  try {
    value = decodeJsonBytes(payload) as typeof value;
  } catch (error) {
    const { message, offset } = toDecodeError(error);
    return { kind: 'sparkplug', type, error: { message: `${expected}: ${message}`, ...(offset === undefined ? {} : { offset }) } };
  }
  if (typeof value === 'object' && value !== null && typeof value.online === 'boolean') {
    return { kind: 'sparkplug', type, value, sparkplug: { ...base, online: value.online, ...(typeof value.timestamp === 'number' ? { timestamp: value.timestamp } : {}) } };
  }
  // The JSON is whole but says nothing usable: the value that starts at its first byte is wrong.
  return { kind: 'sparkplug', type, error: { message: `${expected}: it has no "online" true or false`, offset: payload.findIndex((b) => b > 0x20) } };
}
