import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import { clearCapturedPackets, exportPackets, loadPackets } from '../store/connection-actions';
import { useAppStore } from '../store/app-store';
import { anatomyOf, findField, PACKET_TYPE_NAMES, packetsFor, packetTypeName } from '../store/packet-log';
import { PacketDetail } from './packet-detail';

const ROW_HEIGHT = 26;

/** Every control packet of a connection: a filterable timeline, and the selected packet's fields and bytes. */
export function PacketInspector({ connectionId }: { connectionId: string }) {
  const revision = useAppStore((s) => s.packetRevision[connectionId] ?? 0);
  const log = packetsFor(connectionId);
  const [direction, setDirection] = useState<'all' | 'in' | 'out'>('all');
  const [type, setType] = useState<string>('all');
  const [selectedSeq, setSelectedSeq] = useState<number | undefined>();
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void loadPackets(connectionId);
  }, [connectionId]);

  // Indexes of the packets that pass the filters; recomputed once per batch, not per row.
  const visible = useMemo(() => {
    const out: number[] = [];
    for (let i = 0; i < log.buffer.length; i++) {
      const p = log.buffer.at(i)!;
      if (direction !== 'all' && p.direction !== direction) continue;
      if (type !== 'all' && packetTypeName(p) !== type) continue;
      out.push(i);
    }
    return out;
    // The log is mutated in place; `revision` is what says it changed.
  }, [log, revision, direction, type]);

  const virtualizer = useVirtualizer({ count: visible.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  let selected: PacketRecord | undefined;
  for (let i = 0; i < log.buffer.length && selectedSeq !== undefined; i++) {
    const p = log.buffer.at(i)!;
    if (p.seq === selectedSeq) selected = p;
  }

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
          {visible.length} of {log.buffer.length} packets{log.buffer.evicted ? ` · ${log.buffer.evicted} dropped by cap` : ''}
        </span>
        <button type="button" onClick={() => void exportPackets(connectionId)}>
          Export pcapng
        </button>
        <button type="button" onClick={() => void clearCapturedPackets(connectionId)}>
          Clear packets
        </button>
      </div>
      <div className="packet-body">
        <div ref={scrollRef} className="packet-timeline" role="listbox" aria-label="Packets">
          {visible.length === 0 ? <p className="empty">No packets yet. Connect, and every packet in and out appears here.</p> : null}
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const packet = log.buffer.at(visible[item.index]!)!;
              return (
                <PacketRow
                  key={packet.seq}
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

function PacketRow({ packet, version, top, selected, onSelect }: { packet: PacketRecord; version: 3 | 4 | 5; top: number; selected: boolean; onSelect: () => void }) {
  const anatomy = anatomyOf(packet, version);
  const id = findField(anatomy.fields, ['Packet identifier'])?.value;
  const reason = findField(anatomy.fields, ['Reason code', 'Return code'])?.value;
  const time = new Date(packet.time);
  const clock = `${time.toLocaleTimeString([], { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={0}
      className={selected ? 'packet-row selected' : 'packet-row'}
      style={{ position: 'absolute', top, left: 0, right: 0, height: ROW_HEIGHT }}
      onClick={onSelect}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect()}
    >
      <time>{clock}</time>
      <span aria-label={packet.direction === 'in' ? 'received' : 'sent'}>{packet.direction === 'in' ? '↓' : '↑'}</span>
      <span className="packet-type">{anatomy.type ?? '?'}</span>
      <span className="muted">{packet.bytes.length} B</span>
      {id !== undefined ? <span className="muted">id {String(id)}</span> : null}
      {reason !== undefined ? <span className="muted">{String(reason)}</span> : null}
    </div>
  );
}
