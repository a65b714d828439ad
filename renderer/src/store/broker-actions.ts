/** The local broker panel: its state, start/stop, and connecting to it. */

import { describeError, showToast, useAppStore } from './app-store';
import { backend, refresh } from './backend-api';
import { brokerLog } from './broker-log';
import { brokerStatsSeries } from './broker-stats-series';
import { mayLeaveEditor } from './profile-actions';

/** Shows the local broker panel with its current state and log. */
export async function openBrokerPanel(): Promise<void> {
  if (!mayLeaveEditor()) return;
  useAppStore.setState({ brokerOpen: true, draft: undefined, selectedCaptureId: undefined });
  await refreshBroker(true);
}

/** Reloads the broker's state, counters and clients (the log too when `withLog`). */
export async function refreshBroker(withLog = false): Promise<void> {
  try {
    const status = await backend().call('broker.status', {});
    const running = status.state.status === 'running';
    const [clients, retained] = running ? await Promise.all([backend().call('broker.clients', {}), backend().call('broker.retained', {})]) : [[], []];
    if (withLog) {
      brokerLog.clear();
      for (const line of status.log) brokerLog.push(line);
    }
    if (status.stats) brokerStatsSeries.record(status.stats, Date.now());
    useAppStore.setState((s) => ({ broker: { state: status.state, stats: status.stats, clients, retained, logRevision: s.broker.logRevision + 1 } }));
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Starts or stops the local broker. */
export async function setBrokerRunning(run: boolean): Promise<void> {
  try {
    await (run ? backend().call('broker.start', {}) : backend().call('broker.stop', {}));
    await refreshBroker();
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Starts the local broker if needed and opens a connection to it. */
export async function connectLocalBroker(): Promise<void> {
  try {
    const snapshot = await backend().call('broker.connectLocal', {});
    await refresh();
    useAppStore.setState((s) => ({
      brokerOpen: false,
      selectedProfileId: snapshot.profileId,
      selectedCaptureId: undefined,
      connections: { ...s.connections, [snapshot.connectionId]: snapshot },
    }));
  } catch (error) {
    showToast(describeError(error));
  }
}
