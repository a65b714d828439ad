import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { MessageRecord } from '../../../shared/contract';
import { useAppStore } from '../store/app-store';
import { clearMessages, exportMessages } from '../store/connection-actions';
import { MessageDetail } from './message-detail';
import { DecodedBadges } from './decoded-detail';
import { messagePreview } from '../store/decoded-view';
import { compileMessageFilter, subscriptionColor } from '../store/message-filter';
import { logFor, sharedFilterTarget } from '../store/message-log';
import { topicMatches } from '../../../shared/topic';
import { Field } from './field';
import { indexOfSeq, nextIndex } from './list-keys';

const ROW_HEIGHT = 56;

/** The live message list: virtualized, newest at the bottom, following new messages while scrolled to the end. */
export function MessageList({ connectionId }: { connectionId: string }) {
  // Re-render once per batch: the revision changes, the log is read directly.
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
  // The rows to show: recomputed once per batch (or frozen while paused), never per row.
  const filtering = pausedAt !== undefined || topicFilter !== '' || payloadFilter !== '' || (muted?.length ?? 0) > 0;
  const rows = useMemo((): Rows => {
    // The common case reads the log in place: no copy of 100,000 rows per batch.
    if (!filtering) return { length: log.buffer.length, at: (i) => log.buffer.at(i) };
    const out: MessageRecord[] = [];
    const hidden = new Set(muted ?? []);
    const test = compiled.ok ? compiled.test : () => true;
    for (let i = 0; i < log.buffer.length; i++) {
      const message = log.buffer.at(i)!;
      if (pausedAt !== undefined && message.seq > pausedAt) break;
      if (hidden.size > 0 && message.direction === 'in' && isOnlyMuted(message.topic, filters, hidden)) continue;
      if (!test(message)) continue;
      out.push(message);
    }
    return { length: out.length, at: (i) => out[i] };
    // `revision` says the mutable log changed.
  }, [log, revision, compiled, muted, filters, pausedAt, filtering]);
  const count = rows.length;
  const newest = log.buffer.at(log.buffer.length - 1)?.seq ?? 0;
  const waiting = pausedAt === undefined ? 0 : Math.max(0, newest - pausedAt);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });

  useEffect(() => {
    if (followRef.current && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [count, rows, virtualizer]);

  const dropped = log.buffer.evicted + log.droppedUpstream;
  const { selected, previous } = findWithPrevious(log.buffer, selectedSeq);
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
          virtualizer.scrollToIndex(next, { align: 'auto' });
          e.currentTarget.focus({ preventScroll: true });
        }}
        onScroll={(e) => {
          const el = e.currentTarget;
          followRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
        }}
      >
        {log.buffer.length === 0 ? <p className="empty">No messages yet. Subscribe to a filter, or publish one.</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const message = rows.at(item.index);
            if (!message) return null;
            return (
              <MessageRow
                key={message.seq}
                message={message}
                color={colorOf(message, filters)}
                top={item.start}
                selected={message.seq === selectedSeq}
                onSelect={() => setSelectedSeq(message.seq)}
              />
            );
          })}
        </div>
      </div>
      {selected ? <MessageDetail key={selected.seq} connectionId={connectionId} message={selected} previous={previous} /> : null}
    </section>
  );
}

/** The rows the list shows, by position. */
interface Rows {
  length: number;
  at(index: number): MessageRecord | undefined;
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

/** The selected message and the one before it on the same topic, searching back from the newest. */
function findWithPrevious(buffer: { length: number; at(i: number): MessageRecord | undefined }, seq: number | undefined): { selected?: MessageRecord; previous?: MessageRecord } {
  if (seq === undefined) return {};
  for (let i = buffer.length - 1; i >= 0; i--) {
    const message = buffer.at(i)!;
    if (message.seq !== seq) continue;
    for (let j = i - 1; j >= 0; j--) {
      const before = buffer.at(j)!;
      if (before.topic === message.topic && before.direction === message.direction) return { selected: message, previous: before };
    }
    return { selected: message };
  }
  return {};
}

function MessageRow({ message, color, top, selected, onSelect }: { message: MessageRecord; color: string | undefined; top: number; selected: boolean; onSelect: () => void }) {
  const preview = messagePreview(message);
  return (
    <div
      role="listitem"
      tabIndex={-1}
      aria-current={selected ? 'true' : undefined}
      onClick={onSelect}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect()}
      className={`message-row message-${message.direction}${selected ? ' selected' : ''}`}
      style={{ position: 'absolute', top, left: 0, right: 0, height: ROW_HEIGHT, ...(color ? { borderLeftColor: color } : {}) }}
      data-topic={message.topic}
      data-qos={message.qos}
      data-retain={message.retain}
    >
      <div className="message-meta">
        <span className="direction" aria-label={message.direction === 'in' ? 'received' : 'sent'}>
          {message.direction === 'in' ? '↓' : '↑'}
        </span>
        <span className="topic">{message.topic}</span>
        <span className="badge">QoS {message.qos}</span>
        <span className={message.retain ? 'badge badge-on' : 'badge badge-off'}>{message.retain ? 'retained' : 'not retained'}</span>
        {message.dup ? <span className="badge">dup</span> : null}
        <time dateTime={new Date(message.time).toISOString()}>{formatTime(message.time)}</time>
        <span className="muted">{message.payloadSize} B</span>
        {message.decoded ? <DecodedBadges decoded={message.decoded} /> : null}
      </div>
      <div className="payload-preview">{preview}</div>
    </div>
  );
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
