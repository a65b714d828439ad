/**
 * The Sparkplug B topic namespace (Eclipse Sparkplug 3.0, section 4.1):
 * `spBv1.0/<group>/<type>/<edge node>[/<device>]` and `spBv1.0/STATE/<host>`.
 */

/** The namespace element of every Sparkplug B topic. */
export const SPARKPLUG_NAMESPACE = 'spBv1.0';

/** Message types sent on an edge node's topic (no device level). */
export const NODE_MESSAGE_TYPES = ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const;
/** Message types sent on a device's topic. */
export const DEVICE_MESSAGE_TYPES = ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const;

/** A Sparkplug message type, or STATE. */
export type SparkplugMessageType = (typeof NODE_MESSAGE_TYPES)[number] | (typeof DEVICE_MESSAGE_TYPES)[number] | 'STATE';

/** Where a Sparkplug message belongs, read from its topic. */
export type SparkplugTopic =
  | { messageType: 'STATE'; host: string }
  | { messageType: Exclude<SparkplugMessageType, 'STATE'>; group: string; edgeNode: string; device?: string };

const NODE = new Set<string>(NODE_MESSAGE_TYPES);
const DEVICE = new Set<string>(DEVICE_MESSAGE_TYPES);

/** Reads a Sparkplug B topic; undefined for any other topic (decoded as plain payload instead). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | undefined {
  if (!topic.startsWith('spBv1.0/')) return undefined;
  const levels = topic.split('/');
  if (levels.some((level) => level === '')) return undefined;
  // STATE: spBv1.0/STATE/<host_id> (3.0, section 4.1.1).
  if (levels[1] === 'STATE') return levels.length === 3 ? { messageType: 'STATE', host: levels[2]! } : undefined;
  const [, group, type, edgeNode, device] = levels;
  if (levels.length === 4 && NODE.has(type!)) return { messageType: type as (typeof NODE_MESSAGE_TYPES)[number], group: group!, edgeNode: edgeNode! };
  if (levels.length === 5 && DEVICE.has(type!)) return { messageType: type as (typeof DEVICE_MESSAGE_TYPES)[number], group: group!, edgeNode: edgeNode!, device: device! };
  return undefined;
}
