/**
 * Start-up wiring: attach the backend API and turn its event streams into store updates.
 * The actions users trigger live beside this file, one module per area.
 */

import type { DeskApi } from '../../../shared/contract';
import { setThemeChoice, type ThemeChoice } from '../theme';
import { useAppStore } from './app-store';
import { refresh, setApi } from './backend-api';
import { brokerLog } from './broker-log';
import { downloadJson, requestImport, requestOpenCapture } from './files';
import { ingestBatch } from './ingest';
import { receivePackets } from './packet-stream';
import { exportProfiles, startNewProfile } from './profile-actions';

/** Attaches the API, subscribes to its streams, and loads the initial state. */
export async function attachApi(deskApi: DeskApi): Promise<void> {
  setApi(deskApi);
  deskApi.on('connection.state', (snapshot) => {
    useAppStore.setState((s) => ({ connections: { ...s.connections, [snapshot.connectionId]: snapshot } }));
  });
  deskApi.on('messages.batch', (batch) => {
    const filters = useAppStore.getState().connections[batch.connectionId]?.subscriptions.map((s) => s.filter) ?? [];
    ingestBatch(batch, filters);
  });
  deskApi.on('packets.batch', receivePackets);
  deskApi.on('app.menu', ({ action }) => {
    switch (action) {
      case 'new-connection':
        return startNewProfile();
      case 'import':
        return requestImport();
      case 'open-capture':
        return requestOpenCapture();
      case 'export':
        return void exportProfiles(downloadJson);
      case 'theme-system':
      case 'theme-light':
      case 'theme-dark':
        return setThemeChoice(action.slice('theme-'.length) as ThemeChoice);
      default: {
        const never: never = action;
        return never;
      }
    }
  });
  deskApi.on('broker.state', (state) => {
    useAppStore.setState((s) => ({ broker: { ...s.broker, state, ...(state.status === 'running' ? {} : { clients: [], retained: [], stats: null }) } }));
  });
  deskApi.on('broker.log', ({ lines }) => {
    for (const line of lines) brokerLog.push(line);
    useAppStore.setState((s) => ({ broker: { ...s.broker, logRevision: s.broker.logRevision + 1 } }));
  });
  await refresh();
}
