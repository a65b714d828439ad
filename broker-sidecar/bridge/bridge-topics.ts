/**
 * A bridge's topic table: which local messages go out and under which remote topic, which
 * remote messages come in and under which local topic. mosquitto's rules: an outgoing
 * message matches a topic's local filter (prefix + pattern), loses the local prefix and
 * gains the remote one; incoming the other way round. With the pattern `""` the two
 * prefixes are whole topics mapped onto each other.
 */

import { topicMatches } from '../../shared/topic';
import type { BridgeTopic } from '../config/bridge-types';

/** The remote topic for a local message, or undefined when no out/both line matches it. */
export function remoteTopicFor(topics: readonly BridgeTopic[], localTopic: string): string | undefined {
  for (const t of topics) {
    if (t.direction === 'in') continue;
    const mapped = remap(t, localTopic, t.localPrefix, t.remotePrefix, t.localTopic);
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}

/** The local topic for a remote message, or undefined when no in/both line matches it. */
export function localTopicFor(topics: readonly BridgeTopic[], remoteTopic: string): string | undefined {
  for (const t of topics) {
    if (t.direction === 'out') continue;
    const mapped = remap(t, remoteTopic, t.remotePrefix, t.localPrefix, t.remoteTopic);
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}

function remap(t: BridgeTopic, topic: string, fromPrefix: string, toPrefix: string, filter: string): string | undefined {
  if (t.pattern === '') return topic === fromPrefix ? toPrefix : undefined;
  // "p/#" also matches "p" itself, which does not carry the whole prefix "p/": nothing to remap.
  if (!topicMatches(filter, topic) || !topic.startsWith(fromPrefix)) return undefined;
  return toPrefix + topic.slice(fromPrefix.length);
}
