import { useEffect, useState } from 'react';
import { profileUrl } from '../../../shared/profile';
import { connectProfile, disconnectProfile } from '../store/connection-actions';
import { deleteProfile, duplicateProfile, editProfile } from '../store/profile-actions';
import { useAppStore } from '../store/app-store';
import { logFor, messageTotal } from '../store/message-log';
import { FlowView } from './flow-view';
import { MessageList } from './message-list';
import { PacketInspector } from './packet-inspector';
import { PublishPanel } from './publish-panel';
import { SchemasDialog } from './schemas-dialog';
import { SparkplugView } from './sparkplug-view';
import { SubscribePanel } from './subscribe-panel';
import { TopicTree } from './topic-tree';
import { ViewTabs } from './view-tabs';

/** One profile's workspace: connect/disconnect, subscriptions, publish, messages. */
export function ConnectionView({ profileId }: { profileId: string }) {
  const profile = useAppStore((s) => s.profiles.find((p) => p.id === profileId));
  const snapshot = useAppStore((s) => s.connections[profileId]);
  const tab = useAppStore((s) => s.viewTabs[profileId] ?? 'messages');
  const [schemasOpen, setSchemasOpen] = useState(false);
  if (!profile) return null;
  const state = snapshot?.state ?? { status: 'idle' as const };
  const connected = state.status === 'connected';
  const busy = state.status === 'connecting';
  const error = state.status === 'closed' ? state.error : state.status === 'reconnecting' ? state.lastError : undefined;
  // Clearly marked while on: this connection's session keys go to a file.
  const keylog = (profile.protocol === 'mqtts' || profile.protocol === 'wss') && profile.tls.keylogFile !== '';

  return (
    <main className="connection-view">
      <header className="connection-header">
        <div>
          <h2>{profile.name}</h2>
          <div className="muted">
            {profileUrl(profile)} · MQTT {profile.mqttVersion}
            {keylog ? (
              <span className="keylog-badge" role="note" aria-label="TLS key log">
                {' '}
                · TLS keys logged to {profile.tls.keylogFile}
              </span>
            ) : null}
          </div>
        </div>
        <div className="connection-status" role="status" aria-label="Connection status">
          <span className={`status-dot status-${state.status}`} aria-hidden="true" />
          {busy ? <span className="spinner" aria-hidden="true" /> : null}
          {state.status === 'reconnecting' ? <ReconnectCountdown nextAttemptAt={state.nextAttemptAt} attempt={state.attempt} /> : state.status}
          {error ? <span className="status-error">: {error.message}</span> : null}
        </div>
        <div className="header-actions">
          {connected || busy ? (
            <button type="button" onClick={() => void disconnectProfile(profileId)}>
              Disconnect
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => void connectProfile(profileId)}>
              Connect
            </button>
          )}
          <button type="button" onClick={() => editProfile(profileId)} disabled={connected || busy}>
            Edit
          </button>
          <button type="button" onClick={() => duplicateProfile(profileId)}>
            Duplicate
          </button>
          <button type="button" aria-haspopup="dialog" onClick={() => setSchemasOpen(true)}>
            Schemas
          </button>
          <button
            type="button"
            onClick={() => {
              if (window.confirm(`Delete the connection "${profile.name}"?`)) void deleteProfile(profileId);
            }}
            disabled={connected || busy}
          >
            Delete
          </button>
        </div>
      </header>
      <div className="workspace">
        <div className="side-panels">
          <SubscribePanel connectionId={profileId} connected={connected} subscriptions={snapshot?.subscriptions ?? []} mqtt5={profile.mqttVersion === '5.0'} />
          <PublishPanel connectionId={profileId} connected={connected} mqtt5={profile.mqttVersion === '5.0'} />
        </div>
        <div className="tabbed">
          <ViewTabs connectionId={profileId} tabs={['messages', 'topics', 'sparkplug', 'packets', 'flows']} current={tab}>
            <MessageTotals connectionId={profileId} />
          </ViewTabs>
          {tab === 'messages' ? (
            <MessageList connectionId={profileId} />
          ) : tab === 'topics' ? (
            <TopicTree connectionId={profileId} connected={connected} />
          ) : tab === 'sparkplug' ? (
            <SparkplugView connectionId={profileId} />
          ) : tab === 'packets' ? (
            <PacketInspector connectionId={profileId} />
          ) : (
            <FlowView connectionId={profileId} live />
          )}
        </div>
      </div>
      {schemasOpen ? <SchemasDialog profile={profile} onClose={() => setSchemasOpen(false)} /> : null}
    </main>
  );
}

/**
 * Every message the page has counted for the connection, whichever view is open: held in
 * the list, or dropped by a cap (the page's or the backend's) and counted.
 */
function MessageTotals({ connectionId }: { connectionId: string }) {
  useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const log = logFor(connectionId);
  const dropped = log.buffer.evicted + log.droppedUpstream;
  return (
    <span className="muted message-totals" aria-label="Message totals">
      {messageTotal(log)} messages{dropped > 0 ? ` · ${dropped} dropped by cap` : ''}
    </span>
  );
}

/** "reconnecting in 3 s" between attempts, "reconnecting (attempt 2)…" during one. */
function ReconnectCountdown({ nextAttemptAt, attempt }: { nextAttemptAt: number | undefined; attempt: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (nextAttemptAt === undefined) return <span>reconnecting (attempt {attempt})…</span>;
  return <span>reconnecting in {Math.max(0, Math.ceil((nextAttemptAt - now) / 1000))} s</span>;
}
