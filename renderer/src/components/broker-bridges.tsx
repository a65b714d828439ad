import { useEffect, useState } from 'react';
import type { BrokerBridgeInfo } from '../../../shared/broker-control';
import { backend } from '../store/backend-api';

/** How often the bridges table refreshes while the panel is open (as the clients table). */
const BRIDGES_REFRESH_MS = 2000;

const STATE_TEXT: Record<BrokerBridgeInfo['state'], string> = {
  connecting: 'connecting',
  connected: 'connected',
  waiting: 'waiting to reconnect',
  idle: 'idle (lazy)',
  stopped: 'stopped',
};

/**
 * The local broker's bridges (mosquitto.conf `connection` blocks): where each goes, its
 * state, messages each way, what waits, and why the last connection failed. Shown only
 * when the broker runs with bridges.
 */
export function BrokerBridges({ running }: { running: boolean }) {
  const [bridges, setBridges] = useState<BrokerBridgeInfo[]>([]);
  useEffect(() => {
    if (!running) {
      setBridges([]);
      return;
    }
    let live = true;
    const load = (): void => {
      // A failed poll keeps the last table; the next one tries again.
      backend()
        .call('broker.bridges', {})
        .then((list) => live && setBridges(list), () => undefined);
    };
    load();
    const timer = setInterval(load, BRIDGES_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [running]);
  if (bridges.length === 0) return null;
  return (
    <section className="panel" aria-label="Broker bridges">
      <h3>Bridges</h3>
      <table className="clients-table" aria-label="Bridges">
        <thead>
          <tr>
            <th>Bridge</th>
            <th>Address</th>
            <th>State</th>
            <th>Messages out / in</th>
            <th>Queued</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {bridges.map((b) => (
            <tr key={b.name}>
              <td title={`remote client ID ${b.remoteClientId}, local ${b.localClientId}`}>{b.name}</td>
              <td title={b.addresses.join(', ')}>
                {b.tls ? 'mqtts://' : 'mqtt://'}
                {b.address}
              </td>
              <td>
                <span className={`status-dot status-${b.state === 'connected' ? 'connected' : b.state === 'connecting' ? 'connecting' : b.lastError ? 'closed' : 'idle'}`} aria-hidden="true" /> {STATE_TEXT[b.state]}
              </td>
              <td>
                {b.messagesOut} / {b.messagesIn}
                {b.dropped > 0 ? <span className="status-error"> · {b.dropped} dropped</span> : null}
              </td>
              <td>{b.queued}</td>
              <td className={b.lastError ? 'status-error' : undefined}>{b.lastError ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
