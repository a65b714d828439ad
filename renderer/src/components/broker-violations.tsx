import { useEffect, useState } from 'react';
import type { BrokerViolation } from '../../../shared/broker-control';
import type { PacketRecord } from '../../../shared/contract';
import { hexToBytes, loadViolations } from '../store/broker-debug';
import { PacketDetail } from './packet-detail';

/** How often the list asks the broker for new violations while it is shown. */
const REFRESH_MS = 1000;
/** Bytes shown in a row; the detail below has them all. */
const ROW_BYTES = 24;

/**
 * The local broker's "Protocol violations": every packet it refused because it broke a rule
 * of the spec, with the client, the time, the rule and the packet's bytes; selecting one
 * opens the packet in the inspector's field tree and hex dump.
 */
export function BrokerViolations({ running, onShowClient }: { running: boolean; onShowClient: (client: string) => void }) {
  const [violations, setViolations] = useState<BrokerViolation[]>([]);
  const [selected, setSelected] = useState<number | undefined>();

  useEffect(() => {
    if (!running) return;
    let stopped = false;
    const load = async (): Promise<void> => {
      const list = await loadViolations();
      if (!stopped) setViolations(list);
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running]);

  const chosen = selected === undefined ? undefined : violations[selected];
  const record: PacketRecord | undefined = chosen && { seq: selected! + 1, time: chosen.time, direction: 'out', bytes: hexToBytes(chosen.hex) };
  return (
    <section className="panel broker-violations" aria-label="Protocol violations">
      <h3>Protocol violations</h3>
      {violations.length === 0 ? (
        <p className="empty">{running ? 'No protocol violations. Packets that break a rule of the MQTT spec are refused and listed here.' : 'Start the broker to see what its clients get wrong.'}</p>
      ) : (
        <table className="clients-table violations-table" aria-label="Protocol violations">
          <thead>
            <tr>
              <th>Time</th>
              <th>Client</th>
              <th>Rule</th>
              <th>Problem</th>
              <th>Answer</th>
              <th>Bytes</th>
            </tr>
          </thead>
          <tbody>
            {violations.map((v, i) => (
              <tr key={`${v.time}-${i}`} aria-selected={selected === i} className={selected === i ? 'selected' : undefined} onClick={() => setSelected(i)}>
                <td>
                  <time dateTime={new Date(v.time).toISOString()}>{new Date(v.time).toLocaleTimeString()}</time>
                </td>
                <td>
                  <button type="button" className="link-button" title="Show this client's packets" onClick={() => onShowClient(v.client)}>
                    {v.clientId || v.remoteAddress}
                  </button>
                </td>
                <td className="violation-rule">{v.rule}</td>
                <td>{v.message}</td>
                <td>{v.reasonCode === undefined ? `closed (MQTT ${v.protocolVersion === 3 ? '3.1' : '3.1.1'})` : `0x${v.reasonCode.toString(16).toUpperCase()}`}</td>
                <td className="hex-preview">
                  <button type="button" className="link-button" onClick={() => setSelected(i)}>
                    {previewHex(v.hex)}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {record && chosen ? (
        <div className="violation-detail" aria-label="Refused packet">
          <p className="field-error" role="note">
            {chosen.rule} {chosen.message}
            {chosen.size * 2 > chosen.hex.length ? ` (the first ${chosen.hex.length / 2} of ${chosen.size} bytes)` : ''}
          </p>
          <PacketDetail key={`${chosen.time}-${selected}`} packet={record} version={chosen.protocolVersion} />
        </div>
      ) : null}
    </section>
  );
}

function previewHex(hex: string): string {
  const bytes = hex.slice(0, ROW_BYTES * 2).replace(/(..)(?!$)/g, '$1 ');
  return hex.length > ROW_BYTES * 2 ? `${bytes} …` : bytes;
}
