import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import { BYTE_FORMAT_NAMES, formatBytes, type ByteFormat } from '../../../shared/byte-format';
import type { FieldNode, MqttProtocolVersion } from '../../../shared/packet-anatomy';
import { validatePacket } from '../../../shared/packet-rules/validate';
import { describeViolation } from '../../../shared/packet-rules/violation';
import { copyText } from '../store/clipboard';
import { showToast } from '../store/app-store';
import { anatomyOf, type TopicFromAlias } from '../store/packet-log';
import { useFixedRows } from './fixed-rows';
import { HexDumpRow, HEX_ROW_HEIGHT, BYTES_PER_ROW } from './hex-dump-row';

/** What is highlighted: a decoded field, or a byte range dragged in the dump. */
export type ByteSelection = { field: FieldNode; start: number; end: number } | { field?: undefined; start: number; end: number };

/** The deepest field whose byte range holds `offset` (bit fields share a byte: the first wins). */
function fieldAt(fields: readonly FieldNode[], offset: number): FieldNode | undefined {
  for (const field of fields) {
    if (offset >= field.start && offset < field.end) return (field.children && fieldAt(field.children, offset)) ?? field;
  }
  return undefined;
}

const FORMATS: ByteFormat[] = ['hex', 'text', 'c', 'js'];

/**
 * One packet: its decoded field tree beside its bytes, as hex and ASCII; selecting a field
 * highlights its bytes and back, dragging over bytes (or shift-clicking) selects a range,
 * and either can be copied as hex, text or a C/JS byte array. `onPin` offers comparing
 * this packet with the next one selected.
 */
export function PacketDetail({
  packet,
  version,
  pinned = false,
  onPin,
  topicAlias,
}: {
  packet: PacketRecord;
  version: MqttProtocolVersion;
  pinned?: boolean;
  onPin?: () => void;
  /** What the Topic Alias of an alias-only PUBLISH stands for, shown on its empty topic name. */
  topicAlias?: TopicFromAlias | undefined;
}) {
  const anatomy = anatomyOf(packet, version);
  // What a client sent is checked by the broker's own rule tables. Control characters are a
  // SHOULD NOT of the spec that only strict brokers refuse: the inspector names MUSTs only.
  const violation = useMemo(
    () => (packet.direction === 'out' ? validatePacket(packet.bytes, version, { allowControlCharacters: true }) : undefined),
    [packet, version],
  );
  const [selection, setSelection] = useState<ByteSelection | undefined>(undefined);
  const drag = useRef<{ anchor: number; moved: boolean } | undefined>(undefined);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowCount = Math.ceil(packet.bytes.length / BYTES_PER_ROW);
  // Rows are one height: the rows on screen are a division away, read from the scroll
  // events. The pane stays mounted from one packet to the next (a measuring virtualizer in
  // a pane made anew for each packet forced a layout and a second render per selection).
  const view = useFixedRows(scrollRef, rowCount, HEX_ROW_HEIGHT, 8);
  // Another packet: nothing of the last one selected or dragged, and its bytes from the top.
  const [shown, setShown] = useState(packet);
  if (shown !== packet) {
    setShown(packet);
    setSelection(undefined);
    drag.current = undefined;
  }
  // Whether the dump is scrolled, from its scroll events: reading it on each packet would force a layout.
  const scrolled = useRef(false);
  useLayoutEffect(() => {
    if (!scrolled.current || !scrollRef.current) return;
    scrolled.current = false;
    scrollRef.current.scrollTop = 0;
    view.sync();
  }, [packet, view.sync]);
  const rowIndexes: number[] = [];
  for (let i = view.first; i < view.end; i++) rowIndexes.push(i);

  const selectField = (field: FieldNode | undefined) => setSelection(field ? { field, start: field.start, end: field.end } : undefined);
  const range = (a: number, b: number): ByteSelection => ({ start: Math.min(a, b), end: Math.max(a, b) + 1 });
  const onCellDown = (offset: number, shift: boolean) => {
    if (shift && selection) {
      setSelection(range(selection.start, offset));
      return;
    }
    drag.current = { anchor: offset, moved: false };
  };
  const onCellEnter = (offset: number) => {
    const d = drag.current;
    if (!d) return;
    d.moved = d.moved || offset !== d.anchor;
    if (d.moved) setSelection(range(d.anchor, offset));
  };
  const onCellUp = (offset: number) => {
    const d = drag.current;
    drag.current = undefined;
    if (d && !d.moved) selectField(fieldAt(anatomy.fields, offset));
  };
  const copy = async (format: ByteFormat) => {
    const bytes = selection ? packet.bytes.subarray(selection.start, selection.end) : packet.bytes;
    const what = selection?.field ? selection.field.name : selection ? 'selected bytes' : `packet #${packet.seq}`;
    try {
      await copyText(formatBytes(bytes, format));
      showToast(`Copied ${bytes.length} byte${bytes.length === 1 ? '' : 's'} (${what}) as ${BYTE_FORMAT_NAMES[format]}`, 'info');
    } catch (error) {
      showToast(`Could not copy: ${(error as Error).message}`);
    }
  };
  const versionName = anatomy.protocolVersion === 5 ? '5.0' : anatomy.protocolVersion === 4 ? '3.1.1' : '3.1';

  return (
    <div className="packet-detail">
      <section aria-label="Decoded fields" className="field-tree-panel">
        <div className="detail-header">
          <h3>
            {anatomy.type ?? 'Unknown'} · {packet.length ? `${packet.length} B, of which the page holds the first ${packet.bytes.length} B (a packet reaches the page cut at 64 KiB; the pcapng export has all of it)` : `${packet.bytes.length} B`} · MQTT {versionName}
            {packet.frame !== undefined ? ` · frame ${packet.frame}` : ''}
          </h3>
          {onPin ? (
            <button type="button" className="link-button" aria-pressed={pinned} onClick={onPin}>
              {pinned ? 'Unpin' : 'Pin for comparison'}
            </button>
          ) : null}
        </div>
        {violation ? (
          <p className="field-error" role="note" aria-label="Protocol violation">
            Breaks {describeViolation(violation, anatomy.protocolVersion)}
          </p>
        ) : null}
        {anatomy.error ? (
          <p className="field-error" role="alert">
            {anatomy.error}
          </p>
        ) : null}
        <ul role="tree" aria-label="Packet fields" className="field-tree">
          {anatomy.fields.map((field, i) => (
            <FieldItem key={i} field={field} selected={selection?.field} onSelect={selectField} topicAlias={topicAlias} />
          ))}
        </ul>
      </section>
      <section aria-label="Raw bytes" className="hex-panel">
        <div className="detail-header">
          <h3 aria-label="Byte selection">
            {selection ? `Bytes ${selection.start}–${selection.end - 1}${selection.field ? ` · ${selection.field.name}${selection.field.filter ? ` (${selection.field.filter})` : ''}` : ` · ${selection.end - selection.start} selected`}` : 'Bytes'}
          </h3>
          <div className="copy-actions" role="group" aria-label="Copy bytes">
            {FORMATS.map((format) => (
              <button key={format} type="button" className="link-button" onClick={() => void copy(format)}>
                Copy as {BYTE_FORMAT_NAMES[format]}
              </button>
            ))}
          </div>
        </div>
        <div ref={scrollRef} className="hex-scroll" onScroll={(e) => (scrolled.current = e.currentTarget.scrollTop > 0)} onMouseLeave={() => (drag.current = undefined)}>
          <div className="hex-dump" role="grid" aria-label="Hex dump" aria-rowcount={rowCount} style={{ height: view.height, position: 'relative' }}>
            {rowIndexes.map((index) => (
              <HexDumpRow
                key={index}
                bytes={packet.bytes}
                start={index * BYTES_PER_ROW}
                top={index * HEX_ROW_HEIGHT}
                selection={selection}
                onCellDown={onCellDown}
                onCellEnter={onCellEnter}
                onCellUp={onCellUp}
              />
            ))}
          </div>
        </div>
      </section>
    </div>
  );
}

/** The value shown for a field; an alias-only PUBLISH's empty topic name says what the alias stands for. */
function shownValue(field: FieldNode, topicAlias: TopicFromAlias | undefined): string {
  if (topicAlias && field.name === 'Topic name' && field.value === '') {
    const { alias, resolved } = topicAlias;
    return resolved ? `: ${resolved.topic} (alias ${alias}, set by #${resolved.setBy})` : `: (empty; alias ${alias} not set earlier in this capture: topic unknown)`;
  }
  return field.value === null ? '' : `: ${String(field.value)}`;
}

function FieldItem({ field, selected, onSelect, topicAlias }: { field: FieldNode; selected: FieldNode | undefined; onSelect: (field: FieldNode) => void; topicAlias: TopicFromAlias | undefined }) {
  const isSelected = selected === field;
  const value = shownValue(field, topicAlias);
  const bytes = field.end > field.start ? `bytes ${field.start}–${field.end - 1}` : `no bytes (at ${field.start})`;
  return (
    <li role="treeitem" aria-selected={isSelected} aria-expanded={field.children ? true : undefined}>
      <button type="button" className={isSelected ? 'field-node selected' : 'field-node'} onClick={() => onSelect(field)} title={field.filter ? `${field.filter} · ${bytes}` : bytes}>
        <span className="field-name">{field.name}</span>
        <span className="field-value">{value}</span>
      </button>
      {field.children ? (
        <ul role="group">
          {field.children.map((child, i) => (
            <FieldItem key={i} field={child} selected={selected} onSelect={onSelect} topicAlias={topicAlias} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
