/**
 * The topic tree of each connection (topic-index.ts), outside React state like the message
 * log: ingest.ts adds every received message, the Topics view reads it once a frame.
 */

import { TopicIndex } from './topic-index';

const trees = new Map<string, TopicIndex>();

/** The tree of a connection, created empty on first use. */
export function treeFor(connectionId: string): TopicIndex {
  let tree = trees.get(connectionId);
  if (!tree) trees.set(connectionId, (tree = new TopicIndex()));
  return tree;
}

/** Forgets a connection's tree (its messages were cleared). */
export function clearTree(connectionId: string): void {
  trees.delete(connectionId);
}
