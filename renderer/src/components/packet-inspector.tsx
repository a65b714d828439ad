import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import type { MqttProtocolVersion } from '../../../shared/packet-anatomy';
import { clearCapturedPackets, exportPackets } from '../store/connection-actions';
import { useAppStore } from '../store/app-store';
import { showPackets } from '../store/packet-stream';
import { FilteredPackets, PACKET_TYPE_NAMES, packetsFor, packetTypeName, packetTypeNameAt, summaryOf, topicFromAlias, type PacketRows } from '../store/packet-log';
import { scrollRowIntoView, useFixedRows } from './fixed-rows';
import { indexOfSeq, nextIndex } from './list-keys';
import { PacketComparison } from './packet-comparison';
import { PacketDetail } from './packet-detail';

const ROW_HEIGHT = 26;

/**
 * Every control packet of a connection: a filterable timeline whose rows read like
 * Wireshark's Info column, and the selected packet's fields and bytes. `readOnly` is an
 * opened capture file: nothing to fetch, export or clear in the backend.
 */
export function PacketInspector({ connectionId, readOnly = false }: { connectionId: string; readOnly?: boolean }) {
  // Re-render once per batch; the log itself is read directly.
  useAppStore((s) => s.packetRevision[connectionId] ?? 0);
  const focus = useAppStore((s) => s.packetFocus[connectionId]);
  const log = packetsFor(connectionId);
  const [direction, setDirection] = useState<'all' | 'in' | 'out'>('all');
  const [type, setType] = useState<string>('all');
  const [selectedSeq, setSelectedSeq] = useState<number | undefined>(focus?.seq);
  const [pinnedSeq, setPinnedSeq] = useState<number | undefined>();
  const scrollRef = useRef<HTMLDivElement>(null);

  // Before the layout this first render forces (the list's window is read): the fetch's
  // first page is on its way while the page lays out and paints the empty inspector.
  useLayoutEffect(() => (readOnly ? undefined : showPackets(connectionId)), [connectionId, readOnly]);

  // Filtered incrementally: each batch looks at its new packets only, even with a million held.
  const filtered = useMemo(
    () => new FilteredPackets(log, (store, i) => (direction === 'all' || store.directionAt(i) === direction) && (type === 'all' || packetTypeNameAt(store, i) === type)),
    [log, direction, type],
  );
  const rows: PacketRows = direction === 'all' && type === 'all' ? log.buffer : filtered.update();

  // Rows are one height: the rows on screen are a division away, nothing measured per packet
  // (a measuring virtualizer spent over 100 ms on a million rows each time the count changed).
  const view = useFixedRows(scrollRef, rows.length, ROW_HEIGHT, 12);
  const selected = selectedSeq === undefined ? undefined : log.buffer.atSeq(selectedSeq);
  const pinned = pinnedSeq === undefined ? undefined : log.buffer.atSeq(pinnedSeq);

  // "Show in Packets" from the Flows view: select the packet and bring it to the middle of
  // the list, once the filters are cleared and the list is as tall as the whole log. Only a
  // new request (a new nonce) moves the selection.
  const focusDone = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    if (!focus || focus.nonce === focusDone.current) return;
    if (direction !== 'all' || type !== 'all') {
      setDirection('all');
      setType('all');
      return;
    }
    focusDone.current = focus.nonce;
    setSelectedSeq(focus.seq);
    const element = scrollRef.current;
    const index = indexOfSeq(log.buffer, focus.seq);
    if (!element || index === undefined) return;
    element.scrollTop = Math.max(0, index * ROW_HEIGHT - (element.clientHeight - ROW_HEIGHT) / 2);
    view.sync();
  });

  const slice: number[] = [];
  for (let i = view.first; i < view.end; i++) slice.push(i);

  return (
    <section className="packet-inspector" aria-label="Packet inspector">
      <div className="messages-toolbar">
        <label>
          Direction{' '}
          <select aria-label="Direction" value={direction} onChange={(e) => setDirection(e.target.value as typeof direction)}>
            <option value="all">both</option>
            <option value="out">{readOnly ? 'client → broker' : 'sent'}</option>
            <option value="in">{readOnly ? 'broker → client' : 'received'}</option>
          </select>
        </label>
        <label>
          Type{' '}
          <select aria-label="Packet type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="all">all</option>
            {PACKET_TYPE_NAMES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" aria-label="Packet count">
          {rows.length} of {log.buffer.length} packets{log.buffer.evicted ? ` · ${log.buffer.evicted} dropped by cap` : ''}
        </span>
        {readOnly ? null : (
          <>
            <button type="button" onClick={() => void exportPackets(connectionId)}>
              Export pcapng
            </button>
            <button type="button" onClick={() => void clearCapturedPackets(connectionId)}>
              Clear packets
            </button>
          </>
        )}
      </div>
      <div className="packet-body">
        <div
          ref={scrollRef}
          className="packet-timeline"
          role="listbox"
          aria-label="Packets"
          tabIndex={0}
          aria-activedescendant={selected ? `packet-${connectionId}-${selected.seq}` : undefined}
          onKeyDown={(e) => {
            const next = nextIndex(e.key, indexOfSeq(rows, selectedSeq), rows.length, Math.floor(e.currentTarget.clientHeight / ROW_HEIGHT) - 1);
            const packet = next === undefined ? undefined : rows.at(next);
            if (next === undefined || !packet) return;
            e.preventDefault();
            setSelectedSeq(packet.seq);
            scrollRowIntoView(e.currentTarget, next, ROW_HEIGHT);
            view.sync();
            // The focused row may scroll out and unmount; the list keeps focus instead.
            e.currentTarget.focus({ preventScroll: true });
          }}
        >
          {rows.length === 0 ? <p className="empty">No packets yet. Connect, and every packet in and out appears here.</p> : null}
          <div style={{ height: view.height, position: 'relative' }}>
            {slice.map((index) => {
              const packet = rows.at(index);
              if (!packet) return null;
              return (
                <PacketRow
                  key={packet.seq}
                  connectionId={connectionId}
                  domId={`packet-${connectionId}-${packet.seq}`}
                  packet={packet}
                  version={log.protocolVersion}
                  top={index * ROW_HEIGHT}
                  selected={packet.seq === selectedSeq}
                  pinned={packet.seq === pinnedSeq}
                  readOnly={readOnly}
                  onSelect={setSelectedSeq}
                />
              );
            })}
          </div>
        </div>
        <div className="packet-detail-pane">
          {selected && pinned && pinned !== selected ? <PacketComparison a={pinned} b={selected} version={log.protocolVersion} onUnpin={() => setPinnedSeq(undefined)} /> : null}
          {selected ? (
            <PacketDetail
              packet={selected}
              version={log.protocolVersion}
              pinned={pinned === selected}
              topicAlias={topicFromAlias(selected, log.protocolVersion, connectionId)}
              onPin={() => setPinnedSeq(pinned === selected ? undefined : selected.seq)}
            />
          ) : (
            <p className="empty">Select a packet to see its fields and bytes.</p>
          )}
        </div>
      </div>
    </section>
  );
}

interface RowProps {
  connectionId: string;
  domId: string;
  packet: PacketRecord;
  version: MqttProtocolVersion;
  top: number;
  selected: boolean;
  pinned: boolean;
  readOnly: boolean;
  /** Stable (the list's state setter), so a row re-renders only when its own props change. */
  onSelect: (seq: number) => void;
}

// One formatter for every row: `toLocaleTimeString` with options builds a new one per call,
// which was most of a row's render time (20 ArrowDown presses re-rendered every row on screen).
const CLOCK = new Intl.DateTimeFormat([], { hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });

/** A packet's time as the timeline shows it: the local clock to the millisecond. */
function clockOf(ms: number): string {
  const time = new Date(ms);
  return `${CLOCK.format(time)}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One timeline row: time, direction, Wireshark's Info, what else the packet says, its size.
 * Memoized: moving the selection, a new batch or a scroll re-renders only the rows whose
 * packet, position or selection changed, not every row on screen.
 */
const PacketRow = memo(function PacketRow({ connectionId, domId, packet, version, top, selected, pinned, readOnly, onSelect }: RowProps) {
  const summary = summaryOf(packet, version, connectionId);
  const incoming = packet.direction === 'in';
  const select = () => onSelect(packet.seq);
  return (
    <div
      id={domId}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      className={`packet-row${selected ? ' selected' : ''}${pinned ? ' pinned' : ''}`}
      style={{ position: 'absolute', top, left: 0, right: 0, height: ROW_HEIGHT }}
      onClick={select}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && select()}
    >
      {packet.frame !== undefined ? <span className="packet-frame muted">{packet.frame}</span> : null}
      <time>{clockOf(packet.time)}</time>
      <span aria-label={readOnly ? (incoming ? 'broker to client' : 'client to broker') : incoming ? 'received' : 'sent'}>{incoming ? '↓' : '↑'}</span>
      <span className="packet-type">{packetTypeName(packet)}</span>
      <span className="packet-info">{summary.info}</span>
      {summary.details ? <span className="packet-details muted">{summary.details}</span> : null}
      <span className="packet-size muted">
        {packet.length ?? packet.bytes.length} B{packet.length ? ` (first ${packet.bytes.length} B held)` : ''}
      </span>
    </div>
  );
});
