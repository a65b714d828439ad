import { useState } from 'react';
import { messagePreview } from '../store/decoded-view';
import { deleteRetained } from '../store/connection-actions';
import { useAppStore } from '../store/app-store';
import { logFor } from '../store/message-log';
import { findNode, subtreeCount, treeFor, type TopicNode } from '../store/topic-tree';
import { TopicChart } from './topic-chart';

/** Every topic seen, as a tree with last values; the selected topic's history and chart. */
export function TopicTree({ connectionId, connected }: { connectionId: string; connected: boolean }) {
  const revision = useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const [selected, setSelected] = useState<string | undefined>();
  const root = treeFor(connectionId);
  const node = selected !== undefined ? findNode(root, selected) : undefined;

  return (
    <section className="topic-tree-panel" aria-label="Topics">
      <div className="topic-tree-scroll">
        {root.children.size === 0 ? <p className="empty">No topics yet. Subscribe to # to see the whole tree.</p> : null}
        <ul role="tree" aria-label="Topic tree" className="topic-tree">
          {[...root.children.values()].map((child) => (
            <TopicItem key={child.topic} node={child} selected={selected} onSelect={setSelected} />
          ))}
        </ul>
      </div>
      {node ? <TopicDetail key={node.topic} connectionId={connectionId} node={node} revision={revision} connected={connected} /> : null}
    </section>
  );
}

function TopicItem({ node, selected, onSelect }: { node: TopicNode; selected: string | undefined; onSelect: (topic: string) => void }) {
  const [open, setOpen] = useState(true);
  const hasChildren = node.children.size > 0;
  return (
    <li role="treeitem" aria-selected={selected === node.topic} aria-expanded={hasChildren ? open : undefined}>
      <div className={selected === node.topic ? 'topic-line selected' : 'topic-line'}>
        {hasChildren ? (
          <button type="button" className="twisty" aria-label={`${open ? 'Collapse' : 'Expand'} ${node.topic}`} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="twisty" />
        )}
        <button type="button" className="topic-name" onClick={() => onSelect(node.topic)}>
          {node.name === '' ? '(empty)' : node.name}
        </button>
        {node.retained ? <span className="badge badge-on" title="The broker holds a retained message here">retained</span> : null}
        <span className="muted">{hasChildren ? `${subtreeCount(node)} msgs` : `${node.count}`}</span>
        {node.last ? <span className="topic-value">{messagePreview(node.last, 80)}</span> : null}
      </div>
      {hasChildren && open ? (
        <ul role="group">
          {[...node.children.values()].map((child) => (
            <TopicItem key={child.topic} node={child} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function TopicDetail({ connectionId, node, revision, connected }: { connectionId: string; node: TopicNode; revision: number; connected: boolean }) {
  const log = logFor(connectionId).buffer;
  const history: string[] = [];
  for (let i = log.length - 1; i >= 0 && history.length < 50; i--) {
    const m = log.at(i)!;
    if (m.direction === 'in' && m.topic === node.topic) history.push(`${new Date(m.time).toLocaleTimeString()}  ${messagePreview(m, 200)}`);
  }
  return (
    <section className="topic-detail" aria-label="Topic detail">
      <div className="detail-header">
        <strong>{node.topic}</strong>
        <span className="muted">{node.count} messages</span>
        {node.retained ? (
          <button type="button" disabled={!connected} onClick={() => void deleteRetained(connectionId, node.topic)}>
            Delete retained
          </button>
        ) : null}
      </div>
      <TopicChart node={node} revision={revision} />
      <ol className="topic-history" aria-label="Topic history">
        {history.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ol>
    </section>
  );
}
