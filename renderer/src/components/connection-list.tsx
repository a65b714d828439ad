import { useEffect, useRef } from 'react';
import type { Profile } from '../../../shared/profile';
import { openBrokerPanel } from '../store/broker-actions';
import { downloadJson, onImportRequest } from '../store/files';
import { exportProfiles, importProfiles, selectProfile, startNewProfile } from '../store/profile-actions';
import { useAppStore } from '../store/app-store';
import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../theme';

/** The sidebar: saved connections with a status dot each, and "New connection". */
export function ConnectionList() {
  const profiles = useAppStore((s) => s.profiles);
  const selected = useAppStore((s) => s.selectedProfileId);
  const connections = useAppStore((s) => s.connections);
  const broker = useAppStore((s) => s.broker.state);
  const brokerOpen = useAppStore((s) => s.brokerOpen);
  const fileInput = useRef<HTMLInputElement>(null);
  const themeChoice = useThemeChoice();
  useEffect(() => onImportRequest(() => fileInput.current?.click()), []);
  return (
    <nav className="sidebar" aria-label="Connections">
      <div className="sidebar-header">
        <h1>MQTT Desk</h1>
        <button type="button" className="primary" onClick={startNewProfile}>
          New connection
        </button>
        <div className="sidebar-actions">
          <button type="button" onClick={() => fileInput.current?.click()}>
            Import
          </button>
          <button type="button" onClick={() => void exportProfiles(downloadJson)} disabled={profiles.length === 0}>
            Export
          </button>
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            aria-label="Import connections file"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void file.text().then(importProfiles);
            }}
          />
        </div>
      </div>
      <h2 className="sidebar-heading">Broker</h2>
      <button
        type="button"
        aria-label="Local broker"
        className={brokerOpen ? 'connection-item selected' : 'connection-item'}
        aria-current={brokerOpen ? 'true' : undefined}
        onClick={() => void openBrokerPanel()}
      >
        <span className={`status-dot status-${broker.status === 'running' ? 'connected' : broker.status === 'crashed' ? 'closed' : 'idle'}`} aria-hidden="true" />
        <span className="connection-name">Local broker</span>
        <span className="connection-host">{broker.status === 'running' ? `${broker.host}:${broker.port}` : broker.status}</span>
      </button>
      <h2 className="sidebar-heading">Connections</h2>
      {profiles.length === 0 ? <p className="empty">No connections yet. Create one to get started.</p> : null}
      {groupProfiles(profiles).map(([group, members]) => (
        <div key={group} className="connection-group">
          {group ? <h3 className="group-heading">{group}</h3> : null}
          <ul aria-label={group ? `Connections in ${group}` : 'Saved connections'}>
            {members.map((profile) => {
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
        </div>
      ))}
      <div className="sidebar-footer">
        <label>
          Theme{' '}
          <select aria-label="Theme" value={themeChoice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
            <option value="system">system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
      </div>
    </nav>
  );
}

/** Profiles by group, ungrouped first, groups in name order. */
function groupProfiles(profiles: readonly Profile[]): Array<[string, Profile[]]> {
  const groups = new Map<string, Profile[]>();
  for (const profile of profiles) {
    const list = groups.get(profile.group) ?? [];
    list.push(profile);
    groups.set(profile.group, list);
  }
  return [...groups].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
}
