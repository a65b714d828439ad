import { useEffect, useRef, useState } from 'react';
import type { Profile } from '../../../shared/profile';
import { openBrokerPanel } from '../store/broker-actions';
import { closeCaptureFile, openCaptureFile, selectCapture } from '../store/capture-files';
import { downloadJson, onImportRequest, onOpenCaptureRequest } from '../store/files';
import { exportProfiles, importProfiles, selectProfile, startNewProfile } from '../store/profile-actions';
import { useAppStore, type OpenedCapture, type SkippedCaptureStream } from '../store/app-store';
import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../theme';
import { CommandLineDialog } from './command-line-dialog';

/** The sidebar: saved connections with a status dot each, and "New connection". */
export function ConnectionList() {
  const profiles = useAppStore((s) => s.profiles);
  const selected = useAppStore((s) => s.selectedProfileId);
  const connections = useAppStore((s) => s.connections);
  const broker = useAppStore((s) => s.broker.state);
  const brokerOpen = useAppStore((s) => s.brokerOpen);
  const fileInput = useRef<HTMLInputElement>(null);
  const captureInput = useRef<HTMLInputElement>(null);
  const [importMenu, setImportMenu] = useState(false);
  const [commandLine, setCommandLine] = useState(false);
  const captures = useAppStore((s) => s.captures);
  const capturesSkipped = useAppStore((s) => s.capturesSkipped);
  const selectedCapture = useAppStore((s) => s.selectedCaptureId);
  const loading = useAppStore((s) => s.captureLoading);
  const themeChoice = useThemeChoice();
  useEffect(() => onImportRequest(() => fileInput.current?.click()), []);
  useEffect(() => onOpenCaptureRequest(() => captureInput.current?.click()), []);
  return (
    <nav className="sidebar" aria-label="Connections">
      <div className="sidebar-header">
        <h1>MQTT Desk</h1>
        <button type="button" className="primary" onClick={startNewProfile}>
          New connection
        </button>
        <div className="sidebar-actions">
          <button type="button" aria-haspopup="menu" aria-expanded={importMenu} onClick={() => setImportMenu(!importMenu)}>
            Import
          </button>
          {importMenu ? (
            <div role="menu" aria-label="Import" className="menu">
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setImportMenu(false);
                  fileInput.current?.click();
                }}
              >
                From file…
              </button>
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setImportMenu(false);
                  setCommandLine(true);
                }}
              >
                From command line
              </button>
            </div>
          ) : null}
          <button type="button" onClick={() => captureInput.current?.click()} disabled={loading !== undefined} title="Open a pcap or pcapng file from tcpdump or Wireshark">
            Open capture…
          </button>
          <button type="button" onClick={() => void exportProfiles(downloadJson)} disabled={profiles.length === 0}>
            Export
          </button>
          <input
            ref={captureInput}
            type="file"
            accept=".pcap,.pcapng,.cap,application/vnd.tcpdump.pcap"
            aria-label="Capture file"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void openCaptureFile(file);
            }}
          />
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json,.xml,text/xml"
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
                    className={profile.id === selected && !selectedCapture ? 'connection-item selected' : 'connection-item'}
                    aria-current={profile.id === selected && !selectedCapture ? 'true' : undefined}
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
      {captures.length > 0 || capturesSkipped.length > 0 || loading ? <h2 className="sidebar-heading">Captures</h2> : null}
      {loading ? (
        <p className="muted capture-loading" role="status" aria-label="Opening capture">
          Opening {loading.fileName}… {Math.round(loading.progress * 100)} %
        </p>
      ) : null}
      {groupCaptures(captures, capturesSkipped).map(([fileId, fileName, members, skipped]) => (
        <div key={fileId} className="connection-group">
          <div className="group-heading capture-heading">
            <span>{fileName}</span>
            <button type="button" className="link-button" aria-label={`Close ${fileName}`} onClick={() => closeCaptureFile(fileId)}>
              Close
            </button>
          </div>
          <ul aria-label={`Connections in ${fileName}`}>
            {members.map((capture) => (
              <li key={capture.id}>
                <button
                  type="button"
                  className={capture.id === selectedCapture ? 'connection-item selected' : 'connection-item'}
                  aria-current={capture.id === selectedCapture ? 'true' : undefined}
                  onClick={() => selectCapture(capture.id)}
                >
                  <span className="status-dot status-capture" aria-hidden="true" />
                  <span className="connection-name">{capture.clientId || capture.client}</span>
                  <span className="connection-host">
                    {capture.client} → {capture.server} · {capture.packets.toLocaleString('en')} packets
                  </span>
                </button>
              </li>
            ))}
            {skipped.map((stream) => (
              <li key={`skipped-${stream.tcpStream}`} className="capture-skipped" aria-label={`TCP stream ${stream.tcpStream} not shown`}>
                <span className="status-dot" aria-hidden="true" />
                <span className="connection-name">TCP stream {stream.tcpStream}</span>
                <span className="connection-host">
                  {stream.endpoints} · {stream.reason}
                </span>
              </li>
            ))}
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
      {commandLine ? <CommandLineDialog onClose={() => setCommandLine(false)} /> : null}
    </nav>
  );
}

/** Capture connections and the streams not shown, by the file opening they came from, in the order opened. */
function groupCaptures(captures: readonly OpenedCapture[], skipped: readonly SkippedCaptureStream[]): Array<[string, string, OpenedCapture[], SkippedCaptureStream[]]> {
  const groups = new Map<string, [string, string, OpenedCapture[], SkippedCaptureStream[]]>();
  const group = (fileId: string, fileName: string) => groups.get(fileId) ?? groups.set(fileId, [fileId, fileName, [], []]).get(fileId)!;
  for (const capture of captures) group(capture.fileId, capture.fileName)[2].push(capture);
  for (const stream of skipped) group(stream.fileId, stream.fileName)[3].push(stream);
  return [...groups.values()];
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
