import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MessageRecord } from '../../../shared/contract';
import type { MessageColumns } from '../../../shared/message-columns';
import { topicMatches } from '../../../shared/topic';
import { useAppStore } from '../store/app-store';
import { clearMessages, exportMessages } from '../store/connection-actions';
import { compileMessageFilter, subscriptionColor } from '../store/message-filter';
import { logFor, sharedFilterTarget } from '../store/message-log';
import { FilteredRows, firstAfter, logRows, type MessageRows } from '../store/message-rows';
import { Field } from './field';
import { MAX_LIST_PIXELS, scrollRowIntoView, useFixedRows } from './fixed-rows';
import { indexOfSeq, nextIndex } from './list-keys';
import { MessageDetail } from './message-detail';
import { MESSAGE_ROW_HEIGHT as ROW_HEIGHT, MessageRow } from './message-row';

/** The live message list: virtualized, newest at the bottom, following new messages while scrolled to the end. */
export function MessageList({ connectionId }: { connectionId: string }) {
  // Re-render at most once per frame: the revision changes, the log is read directly.
  const revision = useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const subscriptions = useAppStore((s) => s.connections[connectionId]?.subscriptions);
  const muted = useAppStore((s) => s.mutedFilters[connectionId]);
  const log = logFor(connectionId);
  const scrollRef = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);
  const [selectedSeq, setSelectedSeq] = useState<number | undefined>();
  const [topicFilter, setTopicFilter] = useState('');
  const [payloadFilter, setPayloadFilter] = useState('');
  const [pausedAt, setPausedAt] = useState<number | undefined>();

  const filters = useMemo(() => (subscriptions ?? []).map((s) => s.filter), [subscriptions]);
  const compiled = useMemo(() => compileMessageFilter(topicFilter, payloadFilter), [topicFilter, payloadFilter]);
  // Filtered rows are kept up to date batch by batch; a change of filter starts them over.
  const filtering = pausedAt !== undefined || topicFilter !== '' || payloadFilter !== '' || (muted?.length ?? 0) > 0;
  const filtered = useMemo(() => {
    if (!filtering) return undefined;
    const hidden = new Set(muted ?? []);
    // Topics and mutes are judged once per topic from the log's columns; only a payload filter reads records.
    const topicTest = compiled.ok ? compiled.topicTest : () => true;
    return new FilteredRows(compiled.ok ? compiled.payloadTest : undefined, pausedAt, (topic, direction) => !(hidden.size > 0 && direction === 'in' && isOnlyMuted(topic, filters, hidden)) && topicTest(topic));
  }, [filtering, compiled, muted, filters, pausedAt]);
  filtered?.update(log.buffer);
  // `revision` says the mutable log changed.
  const rows: MessageRows = useMemo(() => filtered ?? logRows(log.buffer), [filtered, log, revision]);
  const count = rows.length;
  const newest = log.buffer.length > 0 ? log.buffer.seqAt(log.buffer.length - 1) : 0;
  const waiting = pausedAt === undefined ? 0 : Math.max(0, newest - pausedAt);
  // Rows that left the front while scrolled up stay counted as empty space above the rest
  // (`lead`), so the rows in view keep their place with no scroll write, no layout read and
  // no second render: rows unchanged are not drawn again at all. Following, there is none.
  const anchor = useRef({ rows, origin: rows.shifted });
  const continued = anchor.current.rows === rows || !filtered;
  const lead = followRef.current || !continued ? 0 : Math.max(0, rows.shifted - anchor.current.origin);
  const view = useFixedRows(scrollRef, count, ROW_HEIGHT, 8, followRef.current, lead);

  // Following reads no layout and renders once: at a flood (a full log, so the count stays
  // the same) the scroll position does not even move. Scrolled up, the scroll position moves
  // only when the space left by gone rows reaches the view or grows past the list's own
  // length: then the rows are drawn from the top again, once.
  const rebase = useCallback(
    (element: HTMLElement, current: MessageRows, space: number) => {
      anchor.current = { rows: current, origin: current.shifted };
      if (space > 0) element.scrollTop = Math.max(0, element.scrollTop - space * ROW_HEIGHT);
      view.sync();
    },
    [view],
  );
  useLayoutEffect(() => {
    const element = scrollRef.current;
    const before = anchor.current;
    if (!element) return;
    if (followRef.current) {
      anchor.current = { rows, origin: rows.shifted };
      view.stickToEnd();
      return;
    }
    if (!continued) return rebase(element, rows, 0);
    anchor.current = { rows, origin: before.origin };
    const space = rows.shifted - before.origin;
    if (space > 0 && (space > Math.max(count, 1000) || (space + count) * ROW_HEIGHT > MAX_LIST_PIXELS || view.scrolled() < space * ROW_HEIGHT)) rebase(element, rows, space);
  }, [rows, count, revision]);

  const select = useCallback((seq: number) => setSelectedSeq(seq), []);
  const dropped = log.buffer.evicted + log.droppedUpstream;
  const { selected, previous } = findWithPrevious(log.buffer, selectedSeq);
  const slice: MessageRecord[] = [];
  for (let i = view.first; i < view.end; i++) slice.push(rows.at(i)!);
  return (
    <section className="messages-panel" aria-label="Message log">
      <div className="messages-toolbar">
        <h3>Messages</h3>
        <span className="muted" aria-label="Message count">
          {count} shown{count !== log.buffer.length ? ` of ${log.buffer.length}` : ''}
          {dropped > 0 ? ` · ${dropped} dropped by cap` : ''}
        </span>
        {pausedAt !== undefined ? (
          <span className="paused" role="status">
            Paused · {waiting} new
          </span>
        ) : null}
        <button type="button" aria-pressed={pausedAt !== undefined} onClick={() => setPausedAt(pausedAt === undefined ? newest : undefined)}>
          {pausedAt === undefined ? 'Pause' : 'Resume'}
        </button>
        <button type="button" onClick={() => void exportMessages(connectionId, 'json')}>
          Export JSON
        </button>
        <button type="button" onClick={() => void exportMessages(connectionId, 'csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => void clearMessages(connectionId)}>
          Clear
        </button>
      </div>
      <div className="message-filters">
        <Field label="Filter topic" error={!compiled.ok && compiled.field === 'topic' ? compiled.reason : undefined}>
          {(p) => <input {...p} value={topicFilter} placeholder="text, or sensors/+/temp" onChange={(e) => setTopicFilter(e.target.value)} />}
        </Field>
        <Field label="Filter payload" error={!compiled.ok && compiled.field === 'payload' ? compiled.reason : undefined}>
          {(p) => <input {...p} value={payloadFilter} placeholder="text, or /regex/i" onChange={(e) => setPayloadFilter(e.target.value)} />}
        </Field>
      </div>
      <div
        ref={scrollRef}
        className="message-scroll"
        role="list"
        aria-label="Messages"
        tabIndex={0}
        onKeyDown={(e) => {
          const next = nextIndex(e.key, indexOfSeq(rows, selectedSeq), rows.length, Math.floor(e.currentTarget.clientHeight / ROW_HEIGHT) - 1);
          const message = next === undefined ? undefined : rows.at(next);
          if (next === undefined || !message) return;
          e.preventDefault();
          // Moving off the newest row stops following new messages, as scrolling up does.
          followRef.current = next === rows.length - 1;
          setSelectedSeq(message.seq);
          scrollRowIntoView(e.currentTarget, lead + next, ROW_HEIGHT);
          e.currentTarget.focus({ preventScroll: true });
        }}
        onScroll={(e) => {
          const el = e.currentTarget;
          followRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
          // Scrolled into the space gone rows left: the rows are drawn from the top again.
          if (!followRef.current && lead > 0 && el.scrollTop < lead * ROW_HEIGHT) rebase(el, rows, lead);
        }}
      >
        {log.buffer.length === 0 ? <p className="empty">No messages yet. Subscribe to a filter, or publish one.</p> : null}
        <div style={{ height: view.height, position: 'relative' }}>
          {slice.map((message, i) => (
            <MessageRow
              key={message.seq}
              message={message}
              color={colorOf(message, filters)}
              top={view.top + (view.first + i) * ROW_HEIGHT}
              selected={message.seq === selectedSeq}
              onSelect={select}
            />
          ))}
        </div>
      </div>
      {selected ? <MessageDetail key={selected.seq} connectionId={connectionId} message={selected} previous={previous} /> : null}
    </section>
  );
}

/** Whether every subscription a received topic matches is muted (unmatched topics stay visible). */
function isOnlyMuted(topic: string, filters: readonly string[], muted: ReadonlySet<string>): boolean {
  let matched = false;
  for (const filter of filters) {
    if (!topicMatches(sharedFilterTarget(filter), topic)) continue;
    if (!muted.has(filter)) return false;
    matched = true;
  }
  return matched;
}

/** The color of the first subscription a received message matches. */
function colorOf(message: MessageRecord, filters: readonly string[]): string | undefined {
  if (message.direction !== 'in') return undefined;
  const filter = filters.find((f) => topicMatches(sharedFilterTarget(f), message.topic));
  return filter ? subscriptionColor(filter) : undefined;
}

/** The selected message and the one before it on the same topic and direction, found by the log's topic ids (no record made per message passed). */
function findWithPrevious(buffer: MessageColumns, seq: number | undefined): { selected?: MessageRecord; previous?: MessageRecord } {
  if (seq === undefined) return {};
  const i = firstAfter(buffer, seq - 1);
  if (i >= buffer.length || buffer.seqAt(i) !== seq) return {};
  const message = buffer.at(i)!;
  const topic = buffer.topicIdAt(i);
  for (let j = i - 1; j >= 0; j--) {
    if (buffer.topicIdAt(j) === topic && buffer.directionAt(j) === message.direction) return { selected: message, previous: buffer.at(j) };
  }
  return { selected: message };
}
