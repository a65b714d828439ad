import { useAppStore } from '../store/app-store';
import { BrokerPanel } from './broker-panel';
import { CaptureView } from './capture-view';
import { ConnectionList } from './connection-list';
import { ConnectionView } from './connection-view';
import { ProfileForm } from './profile-form';

/** The whole window: sidebar, then the editor or the selected connection. */
export function App() {
  const draft = useAppStore((s) => s.draft);
  const selected = useAppStore((s) => s.selectedProfileId);
  const backendUp = useAppStore((s) => s.backendUp);
  const toasts = useAppStore((s) => s.toasts);
  const brokerOpen = useAppStore((s) => s.brokerOpen);
  const capture = useAppStore((s) => s.selectedCaptureId);
  return (
    <div className="app">
      <ConnectionList />
      <div className="main">
        {!backendUp ? (
          <div className="banner" role="alert">
            Not connected to the MQTT Desk backend. Retrying…
          </div>
        ) : null}
        {draft ? (
          <ProfileForm />
        ) : brokerOpen ? (
          <BrokerPanel />
        ) : capture ? (
          <CaptureView captureId={capture} />
        ) : selected ? (
          <ConnectionView profileId={selected} />
        ) : (
          <div className="empty-main">
            <p>Create a connection with “New connection”, then connect, subscribe and publish.</p>
          </div>
        )}
      </div>
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
            {t.text}
          </div>
        ))}
      </div>
    </div>
  );
}
