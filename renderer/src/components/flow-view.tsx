import { useEffect, useMemo, useState } from 'react';
import { useAppStore, type OpenedCapture } from '../store/app-store';
import { advanceAnalysis, analysisFor, pendingPackets } from '../store/flow-analysis';
import { packetsFor } from '../store/packet-log';
import { showPackets } from '../store/packet-stream';
import { FlowList } from './flow-list';
import { ConnectionStatsPanel, KeepalivePanel } from './flow-stats';

/** Selects a packet in the Packets tab of a connection ("Show in Packets"). */
export function showPacket(connectionId: string, seq: number): void {
  useAppStore.setState((s) => ({
    viewTabs: { ...s.viewTabs, [connectionId]: 'packets' },
    packetFocus: { ...s.packetFocus, [connectionId]: { seq, nonce: (s.packetFocus[connectionId]?.nonce ?? 0) + 1 } },
  }));
}

/**
 * The Flows tab: every QoS 1/2 and SUBSCRIBE flow with the time of each step, keepalive per
 * session, and the connection's counters. The analysis runs in slices after each batch of
 * packets; `live` connections judge timeouts against the clock, captures against their last packet,
 * or the TCP close after it (`closed`): a broker that drops a silent client sends no packet, only a FIN.
 */
export function FlowView({ connectionId, live, closed }: { connectionId: string; live: boolean; closed?: OpenedCapture['closed'] }) {
  const revision = useAppStore((s) => s.packetRevision[connectionId] ?? 0);
  const [tick, setTick] = useState(0);
  const [done, setDone] = useState(false);
  const [clock, setClock] = useState(Date.now());

  // A live connection's packets stream in only while a view shows them.
  useEffect(() => (live ? showPackets(connectionId) : undefined), [connectionId, live]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const step = () => {
      const caughtUp = advanceAnalysis(connectionId);
      setDone(caughtUp);
      setTick((t) => t + 1);
      if (!caughtUp) timer = setTimeout(step, 0);
    };
    timer = setTimeout(step, 0);
    return () => clearTimeout(timer);
  }, [connectionId, revision]);

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setClock(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);

  const entry = analysisFor(connectionId);
  const { analysis } = entry;
  // The close counts once every packet is analysed: before that, later packets would look overdue.
  const now = live ? clock : done && closed ? Math.max(analysis.lastTime, closed.time) : analysis.lastTime;
  const pending = done ? 0 : pendingPackets(connectionId);
  const total = packetsFor(connectionId).buffer.length;
  // Percentiles sort every round trip: redo them about once a second (a tick is a slice of
  // analysis, or a batch of a live connection), and once more when the analysis catches up.
  const statsKey = `${done ? 'done' : 'busy'} ${Math.floor(tick / 20)}`;
  const stats = useMemo(
    () => ({ byType: analysis.stats.byType(), out: analysis.stats.totals('out'), in: analysis.stats.totals('in'), rtts: analysis.stats.roundTrips(), reasons: analysis.stats.reasonCodes() }),
    // `statsKey` says the analysis moved on; the analysis object itself is mutable.
    [analysis, statsKey],
  );

  return (
    <section className="flow-view" aria-label="Flows">
      <p className="muted flow-status" role="status" aria-label="Analysis status">
        {pending > 0 ? `Analysing… ${Math.round(((total - pending) / Math.max(1, total)) * 100)} % of ${total.toLocaleString('en')} packets` : `${total.toLocaleString('en')} packets analysed`}
        {entry.missed > 0 ? ` · the first ${entry.missed.toLocaleString('en')} were dropped by the cap before the analysis reached them` : ''}
      </p>
      <FlowList connectionId={connectionId} analysis={analysis} now={now} tick={tick} />
      <KeepalivePanel connectionId={connectionId} analysis={analysis} now={now} live={live} closed={done ? closed : undefined} />
      <ConnectionStatsPanel stats={stats} />
    </section>
  );
}
