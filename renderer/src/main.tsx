/** Entry: pick the carrier (Electron preload or browser-mode WebSocket), attach, render. */

import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBridgeApi, findPreloadBridge } from './api/bridge-transport';
import { createWebSocketApi } from './api/websocket-transport';
import { App } from './components/app';
import { attachApi } from './store/actions';
import { whenIngested } from './store/ingest';
import { refresh } from './store/backend-api';
import { useAppStore } from './store/app-store';
import { catchUpShownPackets } from './store/packet-stream';
import './styles.css';
import { applyTheme } from './theme';

applyTheme();

const bridge = findPreloadBridge();
let seenLink = false;
const api = bridge
  ? createBridgeApi(bridge)
  : createWebSocketApi((up) => {
      useAppStore.setState({ backendUp: up });
      // After a lost link, reload state the page may have missed.
      if (up && seenLink) {
        void refresh();
        catchUpShownPackets();
      }
      if (up) seenLink = true;
    }, whenIngested);
if (bridge) useAppStore.setState({ backendUp: true });
void attachApi(api);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
