import { useMemo, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import type { FieldNode, MqttProtocolVersion } from '../../../shared/packet-anatomy';
import { anatomyOf } from '../store/packet-log';

const BYTES_PER_ROW = 16;

/** The deepest field whose byte range holds `offset` (bit fields share a byte: the first wins). */
function fieldAt(fields: readonly FieldNode[], offset: number): FieldNode | undefined {
  for (const field of fields) {
    if (offset >= field.start && offset < field.end) return (field.children && fieldAt(field.children, offset)) ?? field;
  }
  return undefined;
}

/** One packet: its decoded field tree beside its bytes; selecting either highlights the other. */
export function PacketDetail({ packet, version }: { packet: PacketRecord; version: MqttProtocolVersion }) {
  const anatomy = anatomyOf(packet, version);
  const [selected, setSelected] = useState<FieldNode | undefined>(undefined);
  const rows = useMemo(() => {
    const out: number[] = [];
    for (let i = 0; i < packet.bytes.length; i += BYTES_PER_ROW) out.push(i);
    return out;
  }, [packet]);
  const inRange = (i: number) => selected !== undefined && i >= selected.start && i < selected.end;

  return (
    <div className="packet-detail">
      <section aria-label="Decoded fields" className="field-tree-panel">
        <h3>
          {anatomy.type ?? 'Unknown'} · {packet.length ? `${packet.length} B, of which the page holds the first ${packet.bytes.length} B (a packet reaches the page cut at 64 KiB; the pcapng export has all of it)` : `${packet.bytes.length} B`} · MQTT {anatomy.protocolVersion === 5 ? '5.0' : anatomy.protocolVersion === 4 ? '3.1.1' : '3.1'}
        </h3>
        {anatomy.error ? (
          <p className="field-error" role="alert">
            {anatomy.error}
          </p>
        ) : null}
        <ul role="tree" aria-label="Packet fields" className="field-tree">
          {anatomy.fields.map((field, i) => (
            <FieldItem key={i} field={field} selected={selected} onSelect={setSelected} />
          ))}
        </ul>
      </section>
      <section aria-label="Raw bytes" className="hex-panel">
        <h3>Bytes{selected ? ` ${selected.start}–${selected.end - 1} (${selected.name})` : ''}</h3>
        <div className="hex-dump" role="grid" aria-label="Hex dump">
          {rows.map((start) => (
            <div role="row" key={start} className="hex-row">
              <span className="hex-offset">{start.toString(16).padStart(4, '0')}</span>
              {[...packet.bytes.subarray(start, start + BYTES_PER_ROW)].map((byte, j) => {
                const offset = start + j;
                return (
                  <span
                    role="gridcell"
                    key={offset}
                    data-offset={offset}
                    aria-selected={inRange(offset)}
                    className={inRange(offset) ? 'hex-byte highlighted' : 'hex-byte'}
                    onClick={() => setSelected(fieldAt(anatomy.fields, offset))}
                  >
                    {byte.toString(16).padStart(2, '0')}
                  </span>
                );
              })}
            </div>
          ))}
        </div>
      </section>
    </div>
  );
}

function FieldItem({ field, selected, onSelect }: { field: FieldNode; selected: FieldNode | undefined; onSelect: (field: FieldNode) => void }) {
  const isSelected = selected === field;
  const value = field.value === null ? '' : `: ${String(field.value)}`;
  return (
    <li role="treeitem" aria-selected={isSelected} aria-expanded={field.children ? true : undefined}>
      <button type="button" className={isSelected ? 'field-node selected' : 'field-node'} onClick={() => onSelect(field)} title={`bytes ${field.start}–${field.end - 1}`}>
        <span className="field-name">{field.name}</span>
        <span className="field-value">{value}</span>
      </button>
      {field.children ? (
        <ul role="group">
          {field.children.map((child, i) => (
            <FieldItem key={i} field={child} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
