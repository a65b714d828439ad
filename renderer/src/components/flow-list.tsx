import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { Flow, PacketAnalysis } from '../../../shared/packet-analysis/packet-analysis';
import { packetsFor, summaryOf } from '../store/packet-log';
import { showPacket } from './flow-view';

const ROW_HEIGHT = 28;
type Filter = 'all' | 'open' | 'timed out' | 'complete' | 'refused' | 'abandoned' | 'retransmitted';
const FILTERS: Filter[] = ['all', 'open', 'timed out', 'complete', 'refused', 'abandoned', 'retransmitted'];

/** Milliseconds as the flow view shows them. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

/** Where a packet went: the client is the app in a live connection, the connecting side in a capture. */
export function directionText(direction: 'in' | 'out'): string {
  return direction === 'out' ? 'client → broker' : 'broker → client';
}

/** The virtualized list of flows, filtered by state. */
export function FlowList({ connectionId, analysis, now, tick }: { connectionId: string; analysis: PacketAnalysis; now: number; tick: number }) {
  const flows = analysis.flows;
  const [filter, setFilter] = useState<Filter>('all');
  const [timeoutSeconds, setTimeoutSeconds] = useState(10);
  const scrollRef = useRef<HTMLDivElement>(null);
  const timeoutMs = timeoutSeconds * 1000;
  const timedOut = (i: number) => flows.statusOf(i) === 'open' && now - flows.lastTime(i) > timeoutMs;

  // Indices of the flows shown; 'all' reads the table in place, open states walk open flows only.
  const rows = useMemo(() => {
    if (filter === 'all') return undefined;
    if (filter === 'open') return flows.openIndices().filter((i) => !timedOut(i));
    if (filter === 'timed out') return flows.openIndices().filter(timedOut);
    const out: number[] = [];
    for (let i = 0; i < flows.length; i++) {
      if (filter === 'retransmitted' ? flows.retransmittedAt(i) : flows.statusOf(i) === filter) out.push(i);
    }
    return out;
    // `tick` says the (mutable) table grew; `now` moves flows into "timed out".
  }, [flows, filter, tick, now, timeoutMs]);
  const count = rows ? rows.length : flows.length;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const late = flows.openIndices().filter(timedOut).length;
  const open = flows.openCount - late;

  return (
    <section aria-label="QoS flows" className="flow-section">
      <div className="messages-toolbar">
        <h3>Flows</h3>
        <label>
          Show{' '}
          <select aria-label="Flow state" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            {FILTERS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          Flag open flows after{' '}
          <input aria-label="Flow timeout in seconds" type="number" min={1} value={timeoutSeconds} onChange={(e) => setTimeoutSeconds(Math.max(1, Number(e.target.value) || 1))} className="narrow" /> s
        </label>
        <span className="muted" aria-label="Flow count">
          {flows.length.toLocaleString('en')} flows · {open} open · {late} timed out
          {flows.orphans ? ` · ${flows.orphans} acks without their packet` : ''}
        </span>
      </div>
      <div ref={scrollRef} className="flow-scroll" role="list" aria-label="Flow list">
        {count === 0 ? <p className="empty">{flows.length === 0 ? 'No QoS 1/2, SUBSCRIBE or UNSUBSCRIBE flows yet.' : 'No flow in this state.'}</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const index = rows ? rows[item.index]! : item.index;
            return <FlowRow key={index} connectionId={connectionId} flow={flows.flow(index)} late={timedOut(index)} now={now} top={item.start} />;
          })}
        </div>
      </div>
    </section>
  );
}

function FlowRow({ connectionId, flow, late, now, top }: { connectionId: string; flow: Flow; late: boolean; now: number; top: number }) {
  const log = packetsFor(connectionId);
  const opener = log.buffer.atSeq(flow.steps[0]!.seq);
  const status = late ? `timed out (open ${ms(now - flow.steps[flow.steps.length - 1]!.time)})` : flow.status;
  return (
    <div role="listitem" className={`flow-row flow-${late ? 'late' : flow.status}`} style={{ position: 'absolute', top, left: 0, right: 0, height: ROW_HEIGHT }}>
      <span className="badge">{flow.kind}</span>
      <span aria-label={directionText(flow.direction)}>{flow.direction === 'out' ? '↑' : '↓'}</span>
      <span className="flow-id">id {flow.packetId}</span>
      <span className="flow-steps">
        {flow.steps.map((step, i) => (
          <span key={i}>
            {i > 0 ? <span className="muted"> → {ms(step.time - flow.steps[i - 1]!.time)} → </span> : null}
            {step.type}
          </span>
        ))}
      </span>
      {flow.retransmissions.length ? <span className="badge badge-warn">{flow.retransmissions.length} retransmitted</span> : null}
      {flow.startedAsDuplicate ? <span className="badge badge-warn">DUP, original not captured</span> : null}
      <span className="flow-state">{status}</span>
      {flow.reason ? <span className="muted">{flow.reason}</span> : null}
      {opener ? <span className="muted flow-topic">{summaryOf(opener, log.protocolVersion, connectionId).info}</span> : null}
      <button type="button" className="link-button" onClick={() => showPacket(connectionId, flow.steps[0]!.seq)} aria-label={`Show packet #${flow.steps[0]!.seq} in Packets`}>
        #{flow.steps[0]!.seq}
      </button>
    </div>
  );
}
