import { useCallback, useMemo, useRef, useState } from 'react';
import { useAppStore } from '../store/app-store';
import { NODE_FLAG, NONE, ROOT, TOPIC_LIMITS, type TopicIndex } from '../store/topic-index';
import { SERIES_BUDGET_BYTES } from '../store/topic-series';
import { treeFor } from '../store/topic-tree';
import { buildRows, TreeFilter } from '../store/tree-rows';
import { Field } from './field';
import { scrollRowIntoView, useFixedRows } from './fixed-rows';
import { TopicDetail } from './topic-detail';
import { nextTreeNode, TOPIC_ROW_HEIGHT, TopicRow } from './topic-row';

/**
 * Every topic seen, as a virtualized tree (only the rows on screen are in the page) with
 * counts, last values and sparklines; a filter by text or wildcard; the selected topic's
 * history and chart. Drawn at most once per frame, from the connection's topic index.
 */
export function TopicTree({ connectionId, connected }: { connectionId: string; connected: boolean }) {
  // Bumped at most once a frame while messages arrive (ingest.ts).
  useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const index = treeFor(connectionId);
  const [selectedTopic, setSelectedTopic] = useState<string | undefined>();
  const [filterText, setFilterText] = useState('');
  const [, setLayout] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const filter = useTreeFilter(index, filterText.trim());
  const rows = useMemo(
    () => buildRows(index, filter.ok ? filter.filter : undefined),
    // The index is mutable: its counters say when nodes were added or folded.
    [index, index.structure, index.layout, filter],
  );
  const view = useFixedRows(scrollRef, rows.length, TOPIC_ROW_HEIGHT);
  const selected = selectedTopic === undefined ? NONE : index.find(selectedTopic);
  const isOpen = (id: number) => (filter.ok && filter.filter ? filter.filter.open(id) : (index.flags[id]! & NODE_FLAG.collapsed) === 0);

  const select = useCallback((id: number) => setSelectedTopic(index.topics[id]), [index]);
  const toggle = useCallback(
    (id: number) => {
      index.setCollapsed(id, (index.flags[id]! & NODE_FLAG.collapsed) === 0);
      setLayout(index.layout);
    },
    [index],
  );
  const foldAll = (collapsed: boolean) => {
    index.setCollapsedBelow(selected === NONE ? ROOT : selected, collapsed);
    setLayout(index.layout);
  };

  const slice: number[] = [];
  for (let i = view.first; i < view.end; i++) slice.push(rows[i]!);
  return (
    <section className="topic-tree-panel" aria-label="Topics">
      <div className="topic-tree-toolbar">
        <Field label="Filter topics" error={filter.ok ? undefined : filter.reason}>
          {(p) => <input {...p} value={filterText} placeholder="text, or sensors/+/temp" onChange={(e) => setFilterText(e.target.value)} />}
        </Field>
        <button type="button" title="Expand every level under the selected topic (the whole tree when none is selected)" onClick={() => foldAll(false)}>
          Expand all
        </button>
        <button type="button" title="Collapse every level under the selected topic (the whole tree when none is selected)" onClick={() => foldAll(true)}>
          Collapse all
        </button>
        <span className="muted" aria-label="Topic count">
          {index.topicCount} topics{filter.ok && filter.filter ? ` · ${filter.filter.matches} match` : ''}
        </span>
      </div>
      <TreeNotes index={index} />
      <div
        ref={scrollRef}
        className="topic-tree-scroll"
        role="tree"
        aria-label="Topic tree"
        tabIndex={0}
        onKeyDown={(e) => {
          const current = selected !== NONE && rows.includes(selected) ? selected : NONE;
          if (e.key === '*' && current !== NONE) {
            foldAll(false);
            return e.preventDefault();
          }
          const hasChildren = current !== NONE && index.firstChild[current] !== NONE;
          if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && hasChildren && isOpen(current) === (e.key === 'ArrowLeft') && !(filter.ok && filter.filter)) {
            toggle(current);
            return e.preventDefault();
          }
          const next = nextTreeNode(index, rows, current, e.key, Math.max(1, Math.floor(e.currentTarget.clientHeight / TOPIC_ROW_HEIGHT) - 1));
          if (next === undefined) return;
          e.preventDefault();
          select(next);
          scrollRowIntoView(scrollRef.current, rows.indexOf(next), TOPIC_ROW_HEIGHT);
        }}
      >
        {rows.length === 0 ? <p className="empty">{filterText ? 'No topic matches the filter.' : 'No topics yet. Subscribe to # to see the whole tree.'}</p> : null}
        <div className="topic-tree-rows" style={{ height: view.height }}>
          {slice.map((id, i) => (
            <TopicRow
              key={id}
              index={index}
              id={id}
              stamp={index.stamp[id]!}
              children={index.childCount[id]!}
              top={(view.first + i) * TOPIC_ROW_HEIGHT}
              selected={id === selected}
              open={isOpen(id)}
              onSelect={select}
              onToggle={toggle}
            />
          ))}
        </div>
      </div>
      {selected !== NONE ? <TopicDetail key={selected} connectionId={connectionId} index={index} id={selected} stamp={index.stamp[selected]!} connected={connected} /> : null}
    </section>
  );
}

const NO_FILTER = { ok: true, filter: undefined } as const;

/** The compiled filter for the current text, compiled again when the index outgrew it. */
function useTreeFilter(index: TopicIndex, text: string): { ok: true; filter: TreeFilter | undefined } | { ok: false; reason: string } {
  const cache = useRef<{ text: string; result: ReturnType<typeof TreeFilter.compile> } | undefined>(undefined);
  if (text === '') return NO_FILTER;
  const held = cache.current;
  if (!held || held.text !== text || (held.result.ok && !held.result.filter.fits(index))) cache.current = { text, result: TreeFilter.compile(index, text) };
  return cache.current!.result;
}

/** What the tree had to leave out, and why. */
function TreeNotes({ index }: { index: TopicIndex }) {
  if (index.overflowMessages === 0 && index.cutTopics === 0 && index.seriesBudget.refused === 0) return null;
  return (
    <div className="tree-notes" role="note" aria-label="Topic tree limits">
      {index.overflowMessages > 0 ? (
        <p>
          {index.overflowMessages} messages on topics not shown: the tree holds {TOPIC_LIMITS.maxNodes.toLocaleString('en-US')} nodes at most. They are in the message list.
        </p>
      ) : null}
      {index.seriesBudget.refused > 0 ? (
        <p>Numeric history is not kept for some topics: the sparklines and charts of this connection hold {SERIES_BUDGET_BYTES / 1024 / 1024} MB at most.</p>
      ) : null}
      {index.cutTopics > 0 ? <p>{index.cutTopics} topics are deeper than the tree shows: their deepest levels are shown as one row, marked “levels cut”.</p> : null}
    </div>
  );
}
