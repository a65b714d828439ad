import { useEffect } from 'react';
import type { BrokerClientInfo } from '../../../shared/broker-control';
import { brokerClientLog, pollBrokerPackets } from '../store/broker-debug';
import { PacketInspector } from './packet-inspector';

/** How often a shown client's new packets are fetched. */
const POLL_MS = 1000;

/**
 * One client of the local broker, packet by packet, in the inspector the connections use
 * (timeline, field tree, hex dump, highlight), fed from the broker's own tap. Directions are
 * the client's: "sent" is what the device sent to the broker.
 */
export function BrokerClientPackets({ running, clients, extra, client, onClient }: { running: boolean; clients: BrokerClientInfo[]; extra: string[]; client: string | undefined; onClient: (client: string | undefined) => void }) {
  useEffect(() => {
    if (!running || client === undefined) return;
    void pollBrokerPackets(client);
    const timer = setInterval(() => void pollBrokerPackets(client), POLL_MS);
    return () => clearInterval(timer);
  }, [running, client]);

  const names = [...new Set([...clients.map((c) => c.clientId), ...extra, ...(client === undefined ? [] : [client])])].sort();
  return (
    <section className="panel broker-client-packets" aria-label="Client packets">
      <h3>Client packets</h3>
      <label>
        Client{' '}
        <select aria-label="Client" value={client ?? ''} onChange={(e) => onClient(e.target.value === '' ? undefined : e.target.value)}>
          <option value="">choose a client…</option>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {client === undefined ? (
        <p className="empty">Every packet between the broker and a client, as the client saw it: choose one to read what it sent and what it got back.</p>
      ) : (
        <PacketInspector key={client} connectionId={brokerClientLog(client)} />
      )}
    </section>
  );
}
