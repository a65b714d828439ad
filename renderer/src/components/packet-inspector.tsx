import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import { clearCapturedPackets, exportPackets, loadPackets } from '../store/connection-actions';
import { useAppStore } from '../store/app-store';
import { atSeq } from '../../../shared/ring-buffer';
import { anatomyOf, FilteredPackets, findField, PACKET_TYPE_NAMES, packetsFor, packetTypeName, type PacketRows } from '../store/packet-log';
import { indexOfSeq, nextIndex } from './list-keys';
import { PacketDetail } from './packet-detail';

const ROW_HEIGHT = 26;

/** Every control packet of a connection: a filterable timeline, and the selected packet's fields and bytes. */
export function PacketInspector({ connectionId }: { connectionId: string }) {
  // Re-render once per batch; the log itself is read directly.
  useAppStore((s) => s.packetRevision[connectionId] ?? 0);
  const log = packetsFor(connectionId);
  const [direction, setDirection] = useState<'all' | 'in' | 'out'>('all');
  const [type, setType] = useState<string>('all');
  const [selectedSeq, setSelectedSeq] = useState<number | undefined>();
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void loadPackets(connectionId);
  }, [connectionId]);

  // Filtered incrementally: each batch looks at its new packets only, even with a million held.
  const filtered = useMemo(
    () => new FilteredPackets(log, (p) => (direction === 'all' || p.direction === direction) && (type === 'all' || packetTypeName(p) === type)),
    [log, direction, type],
  );
  const rows: PacketRows = direction === 'all' && type === 'all' ? log.buffer : filtered.update();

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const selected = selectedSeq === undefined ? undefined : atSeq(log.buffer, selectedSeq);

  return (
    <section className="packet-inspector" aria-label="Packet inspector">
      <div className="messages-toolbar">
        <label>
          Direction{' '}
          <select aria-label="Direction" value={direction} onChange={(e) => setDirection(e.target.value as typeof direction)}>
            <option value="all">both</option>
            <option value="out">sent</option>
            <option value="in">received</option>
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
        <button type="button" onClick={() => void exportPackets(connectionId)}>
          Export pcapng
        </button>
        <button type="button" onClick={() => void clearCapturedPackets(connectionId)}>
          Clear packets
        </button>
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
            virtualizer.scrollToIndex(next, { align: 'auto' });
            // The focused row may scroll out and unmount; the list keeps focus instead.
            e.currentTarget.focus({ preventScroll: true });
          }}
        >
          {rows.length === 0 ? <p className="empty">No packets yet. Connect, and every packet in and out appears here.</p> : null}
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const packet = rows.at(item.index);
              if (!packet) return null;
              return (
                <PacketRow
                  key={packet.seq}
                  domId={`packet-${connectionId}-${packet.seq}`}
                  packet={packet}
                  version={log.protocolVersion}
                  top={item.start}
                  selected={packet.seq === selectedSeq}
                  onSelect={() => setSelectedSeq(packet.seq)}
                />
              );
            })}
          </div>
        </div>
        <div className="packet-detail-pane">{selected ? <PacketDetail key={selected.seq} packet={selected} version={log.protocolVersion} /> : <p className="empty">Select a packet to see its fields and bytes.</p>}</div>
      </div>
    </section>
  );
}

function PacketRow({ domId, packet, version, top, selected, onSelect }: { domId: string; packet: PacketRecord; version: 3 | 4 | 5; top: number; selected: boolean; onSelect: () => void }) {
  const anatomy = anatomyOf(packet, version);
  const id = findField(anatomy.fields, ['Packet identifier'])?.value;
  const reason = findField(anatomy.fields, ['Reason code', 'Return code'])?.value;
  const time = new Date(packet.time);
  const clock = `${time.toLocaleTimeString([], { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  return (
    <div
      id={domId}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      className={selected ? 'packet-row selected' : 'packet-row'}
      style={{ position: 'absolute', top, left: 0, right: 0, height: ROW_HEIGHT }}
      onClick={onSelect}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect()}
    >
      <time>{clock}</time>
      <span aria-label={packet.direction === 'in' ? 'received' : 'sent'}>{packet.direction === 'in' ? '↓' : '↑'}</span>
      <span className="packet-type">{anatomy.type ?? '?'}</span>
      <span className="muted">{packet.length ?? packet.bytes.length} B{packet.length ? ` (first ${packet.bytes.length} B held)` : ''}</span>
      {id !== undefined ? <span className="muted">id {String(id)}</span> : null}
      {reason !== undefined ? <span className="muted">{String(reason)}</span> : null}
    </div>
  );
}
