import type { KeepaliveSession, PacketAnalysis, ReasonCount, RttRow, TypeCount } from '../../../shared/packet-analysis/packet-analysis';
import { directionText, ms } from './flow-list';
import { showPacket } from './flow-view';

const clockOf = (time: number) => {
  const d = new Date(time);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** Keepalive per session: what was negotiated, the pings, and when a broker would have dropped the client. */
export function KeepalivePanel({ connectionId, analysis, now, live }: { connectionId: string; analysis: PacketAnalysis; now: number; live: boolean }) {
  const sessions = analysis.keepalive.sessions;
  const pending = analysis.keepalive.pendingDrop(now);
  return (
    <section aria-label="Keepalive" className="flow-section">
      <h3>Keepalive</h3>
      {sessions.length === 0 ? <p className="empty">No CONNECT among these packets, so no keepalive to follow.</p> : null}
      {sessions.length > 0 ? (
        <table className="clients-table" aria-label="Keepalive per session">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Keepalive</th>
              <th scope="col">Pings</th>
              <th scope="col">PINGREQ → PINGRESP</th>
              <th scope="col">Longest client silence</th>
              <th scope="col">Broker would have dropped the client</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session, i) => (
              <SessionRow key={session.connectSeq} connectionId={connectionId} session={session} pending={i === sessions.length - 1 && !session.end ? pending : undefined} live={live} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

interface SessionRowProps {
  connectionId: string;
  session: KeepaliveSession;
  pending: ReturnType<PacketAnalysis['keepalive']['pendingDrop']>;
  live: boolean;
}

function SessionRow({ connectionId, session, pending, live }: SessionRowProps) {
  const rtts = session.pings.map((p) => p.rtt).filter((r): r is number => r !== undefined);
  const unanswered = session.pings.length - rtts.length;
  const keepalive = session.keepalive === 0 ? 'off (0)' : `${session.keepalive} s`;
  const negotiated = session.serverKeepAlive !== undefined ? `${keepalive} (server; asked ${session.requested} s)` : keepalive;
  const drops = [...session.drops, ...(pending ? [pending] : [])];
  const limit = session.keepalive * 1500;
  return (
    <tr>
      <th scope="row">
        <button type="button" className="link-button" onClick={() => showPacket(connectionId, session.connectSeq)}>
          CONNECT #{session.connectSeq}
        </button>{' '}
        {clockOf(session.connectTime)}
        {session.end ? <span className="muted"> · ended by {session.end.by} #{session.end.seq}</span> : null}
      </th>
      <td>{negotiated}</td>
      <td>
        {session.pings.length}
        {unanswered ? <span className="muted"> ({unanswered} unanswered)</span> : null}
      </td>
      <td>{rtts.length ? `${ms(Math.min(...rtts))} – ${ms(Math.max(...rtts))}` : '–'}</td>
      <td>
        {ms(session.longestSilence)}
        {session.keepalive > 0 ? <span className="muted"> of {ms(limit)} allowed</span> : null}
      </td>
      <td>
        {drops.length === 0
          ? session.keepalive === 0
            ? 'never (keepalive off)'
            : 'never'
          : drops.map((d) => (
              <div key={d.at} className="keepalive-drop">
                at {clockOf(d.at)} (silent {ms(d.silence)} after #{d.afterSeq}){d === pending ? (live ? ', still silent now' : ', at the end of the capture') : ''}
              </div>
            ))}
      </td>
    </tr>
  );
}

/** Packets and bytes by type each way, round trips, and reason codes of one connection. */
export function ConnectionStatsPanel({ stats }: { stats: { byType: TypeCount[]; out: { packets: number; bytes: number }; in: { packets: number; bytes: number }; rtts: RttRow[]; reasons: ReasonCount[] } }) {
  return (
    <section aria-label="Connection statistics" className="flow-section">
      <h3>Connection</h3>
      <div className="stats-grid">
        <table className="clients-table" aria-label="Packets by type">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Direction</th>
              <th scope="col">Packets</th>
              <th scope="col">Bytes</th>
            </tr>
          </thead>
          <tbody>
            {stats.byType.map((row) => (
              <tr key={`${row.type} ${row.direction}`}>
                <th scope="row">{row.type}</th>
                <td>{directionText(row.direction)}</td>
                <td>{row.packets.toLocaleString('en')}</td>
                <td>{row.bytes.toLocaleString('en')}</td>
              </tr>
            ))}
            {(['out', 'in'] as const).map((d) => (
              <tr key={d} className="total-row">
                <th scope="row">All</th>
                <td>{directionText(d)}</td>
                <td>{stats[d].packets.toLocaleString('en')}</td>
                <td>{stats[d].bytes.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="clients-table" aria-label="Round-trip times">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">First packet</th>
              <th scope="col">Count</th>
              <th scope="col">p50</th>
              <th scope="col">p90</th>
              <th scope="col">p99</th>
              <th scope="col">Max</th>
            </tr>
          </thead>
          <tbody>
            {stats.rtts.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty">
                  No acknowledged packets yet.
                </td>
              </tr>
            ) : null}
            {stats.rtts.map((row) => (
              <tr key={`${row.direction} ${row.step}`}>
                <th scope="row">{row.step}</th>
                <td>{directionText(row.direction)}</td>
                <td>{row.count.toLocaleString('en')}</td>
                <td>{ms(row.p50)}</td>
                <td>{ms(row.p90)}</td>
                <td>{ms(row.p99)}</td>
                <td>{ms(row.max)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="clients-table" aria-label="Reason codes">
          <thead>
            <tr>
              <th scope="col">Packet</th>
              <th scope="col">Direction</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {stats.reasons.length === 0 ? (
              <tr>
                <td colSpan={5} className="empty">
                  No reason codes yet.
                </td>
              </tr>
            ) : null}
            {stats.reasons.map((row) => (
              <tr key={`${row.direction} ${row.type} ${row.code}`}>
                <th scope="row">{row.type}</th>
                <td>{directionText(row.direction)}</td>
                <td>0x{row.code.toString(16).toUpperCase().padStart(2, '0')}</td>
                <td>{row.name}</td>
                <td>{row.count.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
