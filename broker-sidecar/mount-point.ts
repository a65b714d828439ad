/**
 * mosquitto's `mount_point`: a listener's clients live under a topic prefix. Everything they
 * publish (wills included) and subscribe to gets the prefix, and what they receive comes
 * without it, so they see only the tree below it. The broker itself (ACLs, retained
 * messages, $SYS) works on the full topics, as mosquitto does.
 */

import { parseSharedFilter } from '../shared/topic';

/** A topic a client sent, as the broker sees it. */
export function mountTopic(mountPoint: string, topic: string): string {
  return mountPoint === '' ? topic : mountPoint + topic;
}

/** A filter a client subscribed to; a shared subscription keeps its `$share/{group}/` in front. */
export function mountFilter(mountPoint: string, filter: string): string {
  if (mountPoint === '') return filter;
  const shared = parseSharedFilter(filter);
  return shared ? `$share/${shared.group}/${mountPoint}${shared.filter}` : mountPoint + filter;
}

/** A topic on its way to a client, without the prefix; undefined when it is not below it (not sent, as in mosquitto). */
export function unmountTopic(mountPoint: string, topic: string): string | undefined {
  if (mountPoint === '') return topic;
  return topic.length > mountPoint.length && topic.startsWith(mountPoint) ? topic.slice(mountPoint.length) : undefined;
}
