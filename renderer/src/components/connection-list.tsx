import { selectProfile, startNewProfile } from '../store/actions';
import { useAppStore } from '../store/app-store';

/** The sidebar: saved connections with a status dot each, and "New connection". */
export function ConnectionList() {
  const profiles = useAppStore((s) => s.profiles);
  const selected = useAppStore((s) => s.selectedProfileId);
  const connections = useAppStore((s) => s.connections);
  return (
    <nav className="sidebar" aria-label="Connections">
      <div className="sidebar-header">
        <h1>MQTT Desk</h1>
        <button type="button" className="primary" onClick={startNewProfile}>
          New connection
        </button>
      </div>
      {profiles.length === 0 ? <p className="empty">No connections yet. Create one to get started.</p> : null}
      <ul>
        {profiles.map((profile) => {
          const status = connections[profile.id]?.state.status ?? 'idle';
          return (
            <li key={profile.id}>
              <button
                type="button"
                className={profile.id === selected ? 'connection-item selected' : 'connection-item'}
                aria-current={profile.id === selected ? 'true' : undefined}
                onClick={() => selectProfile(profile.id)}
              >
                <span className={`status-dot status-${status}`} aria-label={`Status: ${status}`} role="img" />
                <span className="connection-name">{profile.name}</span>
                <span className="connection-host">
                  {profile.host}:{profile.port}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
