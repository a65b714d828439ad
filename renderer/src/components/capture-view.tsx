import { closeCaptureFile } from '../store/capture-files';
import { useAppStore } from '../store/app-store';
import { FlowView } from './flow-view';
import { PacketInspector } from './packet-inspector';
import { ViewTabs } from './view-tabs';

/** One MQTT connection of an opened capture file: read-only, its packets and its flows. */
export function CaptureView({ captureId }: { captureId: string }) {
  const capture = useAppStore((s) => s.captures.find((c) => c.id === captureId));
  const tab = useAppStore((s) => s.viewTabs[captureId] ?? 'packets');
  if (!capture) return null;
  const version = capture.protocolVersion === 5 ? '5.0' : capture.protocolVersion === 4 ? '3.1.1' : '3.1';
  return (
    <main className="connection-view" aria-label={`Capture ${capture.fileName}`}>
      <header className="connection-header">
        <div>
          <h2>
            {capture.clientId !== undefined ? `${capture.clientId || '(empty client ID)'} · ` : ''}
            {capture.client} → {capture.server}
          </h2>
          <div className="muted">
            {capture.fileName} · {capture.transport === 'websocket' ? 'MQTT over WebSocket' : 'MQTT over TCP'} · MQTT {version} · {capture.packets.toLocaleString('en')} packets · read-only
          </div>
        </div>
        <div className="header-actions">
          <button type="button" onClick={() => closeCaptureFile(capture.fileId)}>
            Close capture
          </button>
        </div>
      </header>
      {capture.problems.length ? (
        <div className="notice" role="note" aria-label="Capture problems">
          {capture.problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </div>
      ) : null}
      <div className="tabbed capture-tabs">
        <ViewTabs connectionId={captureId} tabs={['packets', 'flows']} current={tab} />
        {tab === 'flows' ? <FlowView connectionId={captureId} live={false} closed={capture.closed} /> : <PacketInspector connectionId={captureId} readOnly />}
      </div>
    </main>
  );
}
