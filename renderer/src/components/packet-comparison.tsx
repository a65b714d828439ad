import { useMemo, useState } from 'react';
import type { PacketRecord } from '../../../shared/contract';
import type { MqttProtocolVersion } from '../../../shared/packet-anatomy';
import { comparePackets } from '../../../shared/packet-compare';
import { anatomyOf } from '../store/packet-log';

/** Two packets field by field: the pinned one (A) beside the selected one (B), differences marked. */
export function PacketComparison({ a, b, version, onUnpin }: { a: PacketRecord; b: PacketRecord; version: MqttProtocolVersion; onUnpin: () => void }) {
  const [onlyChanges, setOnlyChanges] = useState(true);
  const rows = useMemo(() => comparePackets(anatomyOf(a, version), a.bytes, anatomyOf(b, version), b.bytes), [a, b, version]);
  const shown = onlyChanges ? rows.filter((r) => r.changed) : rows;
  const changed = rows.filter((r) => r.changed).length;
  return (
    <section className="packet-comparison" aria-label="Packet comparison">
      <div className="detail-header">
        <h3>
          #{a.seq} compared with #{b.seq} · {changed} field{changed === 1 ? '' : 's'} differ
        </h3>
        <label className="checkbox">
          <input type="checkbox" checked={onlyChanges} onChange={(e) => setOnlyChanges(e.target.checked)} /> Only differences
        </label>
        <button type="button" className="link-button" onClick={onUnpin}>
          Unpin #{a.seq}
        </button>
      </div>
      <table className="clients-table comparison-table" aria-label="Fields compared">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">#{a.seq}</th>
            <th scope="col">#{b.seq}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={row.path.join('/')} className={row.changed ? 'changed' : undefined} aria-label={row.path.join(' › ')}>
              <th scope="row" style={{ paddingLeft: 6 + (row.path.length - 1) * 12 }}>
                {row.path[row.path.length - 1]}
              </th>
              <td>{row.a ?? <span className="muted">absent</span>}</td>
              <td>{row.b ?? <span className="muted">absent</span>}</td>
            </tr>
          ))}
          {shown.length === 0 ? (
            <tr>
              <td colSpan={3} className="empty">
                No field differs.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}
