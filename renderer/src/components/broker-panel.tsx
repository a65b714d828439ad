import { useEffect } from 'react';
import type { BrokerStats } from '../../../shared/broker-control';
import { connectLocalBroker, refreshBroker, setBrokerRunning } from '../store/broker-actions';
import { useAppStore } from '../store/app-store';
import { brokerLog } from '../store/broker-log';
import { brokerStatsSeries } from '../store/broker-stats-series';
import { BrokerBridges } from './broker-bridges';
import { BrokerCharts } from './broker-charts';
import { BrokerDebugging } from './broker-debugging';

/** How often the clients table refreshes while the panel is open. */
const CLIENTS_REFRESH_MS = 2000;

/** The local (sidecar) broker: start/stop, its address, clients, counters and live log. */
export function BrokerPanel() {
  const { state, clients, retained, stats } = useAppStore((s) => s.broker);
  useAppStore((s) => s.broker.logRevision);
  const running = state.status === 'running';

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void refreshBroker(), CLIENTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [running]);

  const lines = brokerLog.toArray().slice(-300);
  return (
    <main className="broker-panel" aria-label="Local broker">
      <header className="connection-header">
        <div>
          <h2>Local broker</h2>
          <div className="muted">MQTT 3.1, 3.1.1 and 5.0, running as its own process on this machine.</div>
        </div>
        <div className="connection-status" role="status" aria-label="Broker status">
          <span className={`status-dot status-${running ? 'connected' : state.status === 'crashed' ? 'closed' : state.status === 'starting' ? 'connecting' : 'idle'}`} aria-hidden="true" />
          {running ? `running on mqtt://${state.host}:${state.port}${state.wsPort ? ` and ws://${state.host}:${state.wsPort}/mqtt` : ''}` : state.status}
          {state.status === 'crashed' ? <span className="status-error">: {state.reason}</span> : null}
        </div>
        <div className="header-actions">
          {running ? (
            <button type="button" onClick={() => void setBrokerRunning(false)}>
              Stop broker
            </button>
          ) : (
            <button type="button" className={state.status === 'crashed' ? 'primary' : undefined} onClick={() => void setBrokerRunning(true)} disabled={state.status === 'starting' || state.status === 'stopping'}>
              {state.status === 'crashed' ? 'Restart broker' : 'Start broker'}
            </button>
          )}
          <button type="button" className="primary" onClick={() => void connectLocalBroker()}>
            Connect to local broker
          </button>
        </div>
      </header>
      {running && state.port !== state.requestedPort ? (
        <p className="notice" role="note">
          Port {state.requestedPort} was taken, so the broker listens on {state.port}.
        </p>
      ) : null}
      {running ? (
        <section className="panel broker-figures" aria-label="Broker figures">
          <BrokerCharts revision={brokerStatsSeries.get().times.at(-1) ?? 0} />
        </section>
      ) : null}
      <BrokerBridges running={running} />
      <div className="broker-grid">
        <section className="panel" aria-label="Broker clients">
          <h3>Clients</h3>
          {stats ? (
            <p className="muted">
              {stats.clientsConnected} connected · {stats.subscriptions} subscriptions · {stats.retained} retained · {stats.messagesReceived} in / {stats.messagesSent} out
              {droppedOf(stats) > 0 ? <span className="status-error"> · {droppedOf(stats)} dropped</span> : null}
            </p>
          ) : null}
          {clients.length === 0 ? (
            <p className="empty">{running ? 'No clients yet. Connect to it with “Connect to local broker” or any MQTT client.' : 'Start the broker to see its clients.'}</p>
          ) : (
            <table className="clients-table" aria-label="Broker clients">
              <thead>
                <tr>
                  <th>Client ID</th>
                  <th>State</th>
                  <th>Address</th>
                  <th>Subscriptions</th>
                  <th>In flight / queued</th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={c.clientId}>
                    <td>{c.clientId}</td>
                    <td>{c.connected ? 'connected' : 'offline session'}</td>
                    <td>{c.remoteAddress ?? ''}</td>
                    <td>{c.subscriptions.map((s) => `${s.filter} (QoS ${s.qos})`).join(', ')}</td>
                    <td>
                      {c.inflight} / {c.queued}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Retained messages</h3>
          {retained.length === 0 ? (
            <p className="empty">{running ? 'No retained messages.' : ''}</p>
          ) : (
            <table className="clients-table" aria-label="Retained messages">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th>QoS</th>
                  <th>Size</th>
                  <th>From</th>
                </tr>
              </thead>
              <tbody>
                {retained.map((r) => (
                  <tr key={r.topic}>
                    <td>{r.topic}</td>
                    <td>{r.qos}</td>
                    <td>{r.payloadSize} B</td>
                    <td>{r.senderId ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel broker-log-panel" aria-label="Broker log">
          <h3>Log</h3>
          <ol className="broker-log" aria-label="Broker log lines">
            {lines.map((line, i) => (
              <li key={`${line.time}-${i}`} className={`log-${line.level}`}>
                <time dateTime={new Date(line.time).toISOString()}>{new Date(line.time).toLocaleTimeString()}</time> {line.level.toUpperCase()}
                {line.clientId ? ` [${line.clientId}]` : ''} {line.message}
              </li>
            ))}
          </ol>
        </section>
      </div>
      <BrokerDebugging running={running} clients={clients} />
    </main>
  );
}

/** PUBLISHes the broker meant to deliver but dropped: too large for the receiver, a full session queue, a full socket (QoS 0). */
function droppedOf(stats: BrokerStats): number {
  return stats.droppedTooLarge + stats.droppedQueueFull + stats.droppedQos0;
}
