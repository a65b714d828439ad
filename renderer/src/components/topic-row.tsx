import { memo } from 'react';
import { messagePreview } from '../store/decoded-view';
import { NODE_FLAG, NONE, type TopicIndex } from '../store/topic-index';
import { cutForDisplay } from './cut-text';

/** Height of one tree row in pixels (rows are virtualized by this). */
export const TOPIC_ROW_HEIGHT = 24;
/** Indentation per level, and the level past which rows stop moving right. */
const INDENT = 14;
const MAX_INDENT_LEVELS = 40;
const SPARK_POINTS = 32;
const SPARK_WIDTH = 64;
const SPARK_HEIGHT = 14;
/** Payload bytes a row's value is made from. */
const VALUE_BYTES = 80;

/** Props of one row: `stamp` changes whenever the node's figures do, which re-renders it. */
export interface TopicRowProps {
  index: TopicIndex;
  id: number;
  stamp: number;
  /** Children the node has: its twisty appears with the first. */
  children: number;
  top: number;
  selected: boolean;
  open: boolean;
  onSelect: (id: number) => void;
  onToggle: (id: number) => void;
}

const spark = new Float64Array(SPARK_POINTS);

/**
 * One node of the topic tree. Memoized: a frame re-renders only the rows on screen whose
 * node changed since they were drawn (or that moved, or changed selection).
 */
export const TopicRow = memo(function TopicRow({ index, id, children, top, selected, open, onSelect, onToggle }: TopicRowProps) {
  const depth = index.depth[id]!;
  const flags = index.flags[id]!;
  const topic = index.topics[id]!;
  const name = cutForDisplay(index.names[id]!);
  const label = cutForDisplay(topic).shown;
  const last = index.lastMessage(id);
  const depthCut = (flags & NODE_FLAG.depthCut) !== 0;
  return (
    <div
      role="treeitem"
      aria-level={depth}
      aria-selected={selected}
      aria-expanded={children > 0 ? open : undefined}
      className={selected ? 'topic-line selected' : 'topic-line'}
      style={{ top, height: TOPIC_ROW_HEIGHT, paddingLeft: 8 + Math.min(depth - 1, MAX_INDENT_LEVELS) * INDENT }}
      data-topic-id={id}
    >
      {children > 0 ? (
        <button type="button" tabIndex={-1} className="twisty" aria-label={`${open ? 'Collapse' : 'Expand'} ${label}`} onClick={() => onToggle(id)}>
          {open ? '▾' : '▸'}
        </button>
      ) : (
        <span className="twisty" />
      )}
      <button type="button" tabIndex={-1} className="topic-name" onClick={() => onSelect(id)}>
        <bdi>{name.shown === '' ? '(empty)' : name.shown}</bdi>
      </button>
      {name.cut ? (
        <span className="badge badge-cut" title={`This level has ${name.cut}`}>
          cut
        </span>
      ) : null}
      {depthCut ? (
        <span className="badge badge-cut" title={`Levels ${depth} to ${(depth - 1 + (index.cutLevels.get(id) ?? 1)).toLocaleString('en-US')} of this topic shown as one row: the tree shows ${depth} levels at most`}>
          levels cut
        </span>
      ) : null}
      {flags & NODE_FLAG.retained ? (
        <span className="badge badge-on" title="The broker holds a retained message here">
          retained
        </span>
      ) : null}
      <span className="muted topic-count">{children > 0 ? `${index.total[id]} msgs` : `${index.count[id]}`}</span>
      {last ? <span className="topic-value">{messagePreview(last, VALUE_BYTES)}</span> : null}
      <Sparkline index={index} id={id} />
    </div>
  );
});

/** The newest numbers of a topic as a small line (its first numeric series). */
function Sparkline({ index, id }: { index: TopicIndex; id: number }) {
  const series = index.series[id];
  const first = series?.values().next().value;
  if (!first || first.length < 2) return null;
  const n = first.newest(SPARK_POINTS, spark);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, spark[i]!);
    max = Math.max(max, spark[i]!);
  }
  const span = max - min || 1;
  let points = '';
  for (let i = 0; i < n; i++) points += `${((i / (n - 1)) * SPARK_WIDTH).toFixed(1)},${(SPARK_HEIGHT - 1 - ((spark[i]! - min) / span) * (SPARK_HEIGHT - 2)).toFixed(1)} `;
  return (
    <svg className="sparkline" width={SPARK_WIDTH} height={SPARK_HEIGHT} aria-hidden="true">
      <polyline points={points} />
    </svg>
  );
}

/** The node a keyboard key moves the selection to in the tree's rows, or undefined. */
export function nextTreeNode(index: TopicIndex, rows: Int32Array, current: number, key: string, pageRows: number): number | undefined {
  const at = current === NONE ? -1 : rows.indexOf(current);
  switch (key) {
    case 'ArrowDown':
      return rows[Math.min(rows.length - 1, at + 1)];
    case 'ArrowUp':
      return rows[at < 0 ? rows.length - 1 : Math.max(0, at - 1)];
    case 'PageDown':
      return rows[Math.min(rows.length - 1, Math.max(0, at) + pageRows)];
    case 'PageUp':
      return rows[Math.max(0, (at < 0 ? rows.length : at) - pageRows)];
    case 'Home':
      return rows[0];
    case 'End':
      return rows[rows.length - 1];
    case 'ArrowLeft': {
      // To the parent, as in a file tree (collapsing is handled by the caller).
      const parent = current === NONE ? NONE : index.parent[current]!;
      return parent > 0 ? parent : undefined;
    }
    case 'ArrowRight': {
      const child = current === NONE ? NONE : index.firstChild[current]!;
      return child !== NONE && rows.includes(child) ? child : undefined;
    }
    default:
      return undefined;
  }
}
