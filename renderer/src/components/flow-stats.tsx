import type { ReactNode } from 'react';
import type { OpenedCapture } from '../store/app-store';
import type { KeepaliveSession, PacketAnalysis, ReasonCount, RttRow, TypeCount } from '../../../shared/packet-analysis/packet-analysis';
import { directionText, ms } from './flow-list';
import { showPacket } from './flow-view';

const clockOf = (time: number) => {
  const d = new Date(time);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** Keepalive per session: what was negotiated, the pings, and when a broker would have dropped the client. */
export function KeepalivePanel({ connectionId, analysis, now, live, closed }: { connectionId: string; analysis: PacketAnalysis; now: number; live: boolean; closed?: OpenedCapture['closed'] }) {
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
              <SessionRow key={session.connectSeq} connectionId={connectionId} session={session} pending={i === sessions.length - 1 && !session.end ? pending : undefined} live={live} closed={i === sessions.length - 1 && !session.end ? closed : undefined} />
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
  closed: OpenedCapture['closed'];
}

function SessionRow({ connectionId, session, pending, live, closed }: SessionRowProps) {
  const rtts = session.pings.map((p) => p.rtt).filter((r): r is number => r !== undefined);
  const unanswered = session.pings.length - rtts.length;
  const keepalive = session.keepalive === 0 ? 'off (0)' : `${session.keepalive} s`;
  const negotiated = session.serverKeepAlive !== undefined ? `${keepalive} (server; asked ${session.requested} s)` : keepalive;
  const drops = [...session.drops, ...(pending ? [pending] : [])];
  const limit = session.keepalive * 1500;
  // A session the connection's close ended was silent from the client's last packet until then.
  const longest = closed ? Math.max(session.longestSilence, closed.time - session.lastClientTime) : session.longestSilence;
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
        {ms(longest)}
        {session.keepalive > 0 ? <span className="muted"> of {ms(limit)} allowed</span> : null}
      </td>
      <td>
        {drops.length === 0
          ? session.keepalive === 0
            ? 'never (keepalive off)'
            : closed
              ? // mosquitto counts whole seconds: it may close a silent client before 1.5 × keepalive.
                `never; the ${closed.by === 'server' ? 'broker' : 'client'} ${closed.reset ? 'reset' : 'closed'} the connection at ${clockOf(closed.time)}, silent ${ms(closed.time - session.lastClientTime)} after #${session.lastClientSeq}`
              : 'never'
          : drops.map((d) => (
              <div key={d.at} className="keepalive-drop">
                at {clockOf(d.at)} (silent {ms(d.silence)} after #{d.afterSeq}){d === pending ? pendingText(d.at, live, closed) : ''}
              </div>
            ))}
      </td>
    </tr>
  );
}

/** What became of a drop still pending: the client is silent now, or the capture ends (with the connection closed, or not). */
function pendingText(at: number, live: boolean, closed: OpenedCapture['closed']): string {
  if (live) return ', still silent now';
  if (!closed) return ', at the end of the capture';
  return `; the ${closed.by === 'server' ? 'broker' : 'client'} ${closed.reset ? 'reset' : 'closed'} the connection ${ms(closed.time - at)} later`;
}

/** A figures table: a header row, then one row per entry whose first cell heads the row. */
function FiguresTable({ label, headers, rows, empty }: { label: string; headers: string[]; rows: Array<{ key: string; cells: ReactNode[]; total?: boolean }>; empty: string }) {
  return (
    <table className="clients-table" aria-label={label}>
      <thead>
        <tr>
          {headers.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={headers.length} className="empty">
              {empty}
            </td>
          </tr>
        ) : null}
        {rows.map(({ key, cells: [head, ...rest], total }) => (
          <tr key={key} className={total ? 'total-row' : undefined}>
            <th scope="row">{head}</th>
            {rest.map((cell, i) => (
              <td key={i}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const count = (n: number) => n.toLocaleString('en');

/** Packets and bytes by type each way, round trips, and reason codes of one connection. */
export function ConnectionStatsPanel({ stats }: { stats: { byType: TypeCount[]; out: { packets: number; bytes: number }; in: { packets: number; bytes: number }; rtts: RttRow[]; reasons: ReasonCount[] } }) {
  const byType = [
    ...stats.byType.map((r) => ({ key: `${r.type} ${r.direction}`, cells: [r.type, directionText(r.direction), count(r.packets), count(r.bytes)] })),
    ...(['out', 'in'] as const).map((d) => ({ key: d, total: true, cells: ['All', directionText(d), count(stats[d].packets), count(stats[d].bytes)] })),
  ];
  const rtts = stats.rtts.map((r) => ({ key: `${r.direction} ${r.step}`, cells: [r.step, directionText(r.direction), count(r.count), ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max)] }));
  const reasons = stats.reasons.map((r) => ({ key: `${r.direction} ${r.type} ${r.code}`, cells: [r.type, directionText(r.direction), `0x${r.code.toString(16).toUpperCase().padStart(2, '0')}`, r.name, count(r.count)] }));
  return (
    <section aria-label="Connection statistics" className="flow-section">
      <h3>Connection</h3>
      <div className="stats-grid">
        <FiguresTable label="Packets by type" headers={['Type', 'Direction', 'Packets', 'Bytes']} rows={byType} empty="No packets yet." />
        <FiguresTable label="Round-trip times" headers={['Step', 'First packet', 'Count', 'p50', 'p90', 'p99', 'Max']} rows={rtts} empty="No acknowledged packets yet." />
        <FiguresTable label="Reason codes" headers={['Packet', 'Direction', 'Code', 'Reason', 'Count']} rows={reasons} empty="No reason codes yet." />
      </div>
    </section>
  );
}
