/**
 * What the UI does: each action calls the backend through the contract and updates the
 * store. Components call these and never the API directly.
 */

import type { DeskApi, MessageProperties, MessageRecord, SubscribeOptions } from '../../../shared/contract';
import { DeskError } from '../../../shared/errors';
import { checkProfile, newProfileDraft, type ProfileValue } from '../../../shared/profile';
import { brokerLog } from './broker-log';
import { appendBatch, clearLog } from './message-log';
import { appendPackets, clearPackets, replacePackets } from './packet-log';
import { addToTree, clearTree } from './topic-tree';
import { setThemeChoice, type ThemeChoice } from '../theme';
import { describeError, showToast, useAppStore } from './app-store';

let api: DeskApi | undefined;

function backend(): DeskApi {
  if (!api) throw new Error('The backend API is not attached yet');
  return api;
}

/** Attaches the API, subscribes to its streams, and loads the initial state. */
export async function attachApi(deskApi: DeskApi): Promise<void> {
  api = deskApi;
  deskApi.on('connection.state', (snapshot) => {
    useAppStore.setState((s) => ({ connections: { ...s.connections, [snapshot.connectionId]: snapshot } }));
  });
  deskApi.on('messages.batch', (batch) => {
    const filters = useAppStore.getState().connections[batch.connectionId]?.subscriptions.map((s) => s.filter) ?? [];
    appendBatch(batch, filters);
    addToTree(batch.connectionId, batch.messages);
    useAppStore.setState((s) => ({
      messageRevision: { ...s.messageRevision, [batch.connectionId]: (s.messageRevision[batch.connectionId] ?? 0) + 1 },
    }));
  });
  deskApi.on('packets.batch', (batch) => {
    appendPackets(batch);
    bumpPackets(batch.connectionId);
  });
  deskApi.on('app.menu', ({ action }) => {
    switch (action) {
      case 'new-connection':
        return startNewProfile();
      case 'import':
        return requestImport();
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
    useAppStore.setState((s) => ({ broker: { ...s.broker, state, ...(state.status === 'running' ? {} : { clients: [], stats: null }) } }));
  });
  deskApi.on('broker.log', ({ lines }) => {
    for (const line of lines) brokerLog.push(line);
    useAppStore.setState((s) => ({ broker: { ...s.broker, logRevision: s.broker.logRevision + 1 } }));
  });
  await refresh();
}

/** Reloads profiles and connection snapshots (also after the backend link comes back). */
export async function refresh(): Promise<void> {
  try {
    const [profiles, connections] = await Promise.all([backend().call('profiles.list', {}), backend().call('connections.list', {})]);
    useAppStore.setState((s) => ({
      profiles,
      connections: Object.fromEntries(connections.map((c) => [c.connectionId, c])),
      selectedProfileId: s.selectedProfileId ?? profiles[0]?.id,
    }));
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Whether the open editor holds changes that were not saved. */
export function hasUnsavedChanges(): boolean {
  const draft = useAppStore.getState().draft;
  return draft !== undefined && JSON.stringify(draft.value) !== JSON.stringify(draft.original);
}

/** Asks before throwing away unsaved edits; true when it is fine to leave the editor. */
function mayLeaveEditor(): boolean {
  return !hasUnsavedChanges() || window.confirm('Discard the unsaved changes to this connection?');
}

/** Opens the editor on a new profile. */
export function startNewProfile(): void {
  if (!mayLeaveEditor()) return;
  const value = newProfileDraft();
  useAppStore.setState({ draft: { value, errors: {}, original: value }, brokerOpen: false });
}

/** Opens the editor on a copy of a saved profile (a new one once saved). */
export function duplicateProfile(id: string): void {
  const profile = useAppStore.getState().profiles.find((p) => p.id === id);
  if (!profile || !mayLeaveEditor()) return;
  const { id: _id, ...rest } = profile;
  const value = { ...rest, name: `${profile.name} (copy)` };
  useAppStore.setState({ draft: { value, errors: {}, original: value }, brokerOpen: false });
}

/** Opens the editor on a saved profile. */
export function editProfile(id: string): void {
  const profile = useAppStore.getState().profiles.find((p) => p.id === id);
  if (profile && mayLeaveEditor()) useAppStore.setState({ draft: { value: { ...profile }, errors: {}, original: { ...profile } } });
}

/**
 * Changes part of the draft and re-checks it: errors already shown update or clear as the
 * user types, and the section being edited shows its new errors; others wait for Save.
 */
export function updateDraft(patch: Partial<ProfileValue>): void {
  const draft = useAppStore.getState().draft;
  if (!draft) return;
  const value = { ...draft.value, ...patch };
  const check = checkProfile(value);
  const touched = (field: string) => field in draft.errors || (field.split('.')[0] ?? '') in patch;
  const errors = check.ok ? {} : Object.fromEntries(Object.entries(check.fields).filter(([field]) => touched(field)));
  useAppStore.setState({ draft: { ...draft, value, errors } });
}

/** Closes the editor without saving (after asking, when there are changes). */
export function cancelDraft(): void {
  if (mayLeaveEditor()) useAppStore.setState({ draft: undefined });
}

/** Validates and saves the draft; field errors stay in the form. */
export async function saveDraft(): Promise<void> {
  const draft = useAppStore.getState().draft;
  if (!draft) return;
  const check = checkProfile(draft.value);
  if (!check.ok) {
    useAppStore.setState({ draft: { ...draft, errors: check.fields } });
    return;
  }
  try {
    const saved = await backend().call('profiles.save', { profile: draft.value });
    useAppStore.setState((s) => {
      const exists = s.profiles.some((p) => p.id === saved.id);
      return {
        profiles: exists ? s.profiles.map((p) => (p.id === saved.id ? saved : p)) : [...s.profiles, saved],
        selectedProfileId: saved.id,
        draft: undefined,
      };
    });
  } catch (error) {
    if (error instanceof DeskError && error.fields) {
      useAppStore.setState({ draft: { ...draft, errors: error.fields } });
    } else {
      showToast(describeError(error));
    }
  }
}

/** Deletes a profile. */
export async function deleteProfile(id: string): Promise<void> {
  try {
    await backend().call('profiles.delete', { id });
    useAppStore.setState((s) => ({
      profiles: s.profiles.filter((p) => p.id !== id),
      selectedProfileId: s.selectedProfileId === id ? undefined : s.selectedProfileId,
    }));
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Selects a profile in the sidebar. */
export function selectProfile(id: string): void {
  if (mayLeaveEditor()) useAppStore.setState({ selectedProfileId: id, draft: undefined, brokerOpen: false });
}

/** Shows the local broker panel with its current state and log. */
export async function openBrokerPanel(): Promise<void> {
  if (!mayLeaveEditor()) return;
  useAppStore.setState({ brokerOpen: true, draft: undefined });
  await refreshBroker(true);
}

/** Reloads the broker's state, counters and clients (the log too when `withLog`). */
export async function refreshBroker(withLog = false): Promise<void> {
  try {
    const status = await backend().call('broker.status', {});
    const clients = status.state.status === 'running' ? await backend().call('broker.clients', {}) : [];
    if (withLog) {
      brokerLog.clear();
      for (const line of status.log) brokerLog.push(line);
    }
    useAppStore.setState((s) => ({ broker: { state: status.state, stats: status.stats, clients, logRevision: s.broker.logRevision + 1 } }));
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
      connections: { ...s.connections, [snapshot.connectionId]: snapshot },
    }));
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Connects a profile; the state stream drives the UI, errors become toasts. */
export async function connectProfile(profileId: string): Promise<void> {
  try {
    await backend().call('connections.connect', { profileId });
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Disconnects cleanly. */
export async function disconnectProfile(connectionId: string): Promise<void> {
  try {
    await backend().call('connections.disconnect', { connectionId });
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Subscribes; resolves to an error message for the filter field, or undefined on success. */
export async function subscribe(connectionId: string, filter: string, qos: 0 | 1 | 2, options?: SubscribeOptions): Promise<string | undefined> {
  try {
    await backend().call('subscriptions.subscribe', { connectionId, filter, qos, ...(options ? { options } : {}) });
    return undefined;
  } catch (error) {
    if (error instanceof DeskError && error.fields?.filter) return error.fields.filter;
    showToast(describeError(error));
    return describeError(error);
  }
}

/** Unsubscribes a filter. */
export async function unsubscribe(connectionId: string, filter: string): Promise<void> {
  try {
    await backend().call('subscriptions.unsubscribe', { connectionId, filter });
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Publishes; resolves to field messages when the backend refused a field, else undefined. */
export async function publish(
  connectionId: string,
  message: { topic: string; payload: Uint8Array; qos: 0 | 1 | 2; retain: boolean; properties?: MessageProperties | undefined },
): Promise<Record<string, string> | undefined> {
  try {
    await backend().call('messages.publish', { connectionId, ...message });
    return undefined;
  } catch (error) {
    if (error instanceof DeskError && error.fields) return error.fields;
    showToast(describeError(error));
    return { _: describeError(error) };
  }
}

/** Imports profiles from an MQTT Desk or MQTTX export file's text; reports what was skipped. */
export async function importProfiles(json: string): Promise<void> {
  try {
    const result = await backend().call('profiles.import', { json });
    const from = result.source === 'mqttx' ? 'MQTTX' : 'MQTT Desk';
    const skipped = result.skipped.map((s) => `${s.name} (${s.reason})`).join('; ');
    showToast(`Imported ${result.imported.length} connection(s) from ${from}.${skipped ? ` Skipped: ${skipped}` : ''}`, result.skipped.length ? 'error' : 'info');
    await refresh();
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Exports every profile (without secrets) and hands the JSON to `save`. */
export async function exportProfiles(save: (json: string) => void): Promise<void> {
  try {
    const { json } = await backend().call('profiles.export', {});
    save(json);
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Clears a connection's messages in the backend and in the page. */
export async function clearMessages(connectionId: string): Promise<void> {
  clearLog(connectionId);
  clearTree(connectionId);
  useAppStore.setState((s) => ({ messageRevision: { ...s.messageRevision, [connectionId]: (s.messageRevision[connectionId] ?? 0) + 1 } }));
  try {
    await backend().call('messages.clear', { connectionId });
  } catch (error) {
    showToast(describeError(error));
  }
}

function bumpPackets(connectionId: string): void {
  useAppStore.setState((s) => ({ packetRevision: { ...s.packetRevision, [connectionId]: (s.packetRevision[connectionId] ?? 0) + 1 } }));
}

/** Loads every packet the backend holds for a connection (the inspector may open late). */
export async function loadPackets(connectionId: string): Promise<void> {
  try {
    replacePackets(await backend().call('packets.list', { connectionId }));
    bumpPackets(connectionId);
  } catch (error) {
    // A profile never connected has no capture yet: nothing to show, nothing to report.
    if (!(error instanceof DeskError && error.code === 'NOT_FOUND')) showToast(describeError(error));
  }
}

/** Saves the capture as a pcapng file (Wireshark, tshark). */
export async function exportPackets(connectionId: string): Promise<void> {
  try {
    const { data, fileName } = await backend().call('packets.export', { connectionId, format: 'pcapng' });
    saveFile(data as Uint8Array<ArrayBuffer>, 'application/vnd.tcpdump.pcap', fileName);
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Forgets the captured packets of a connection, in the backend and the page. */
export async function clearCapturedPackets(connectionId: string): Promise<void> {
  clearPackets(connectionId);
  bumpPackets(connectionId);
  try {
    await backend().call('packets.clear', { connectionId });
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Fetches a message with its whole payload (the list holds previews of large ones). */
export async function loadFullMessage(connectionId: string, seq: number): Promise<MessageRecord | undefined> {
  try {
    return await backend().call('messages.get', { connectionId, seq });
  } catch (error) {
    showToast(describeError(error));
    return undefined;
  }
}

/** Hides or shows the messages of one subscription in the list (they are still received and counted). */
export function toggleMute(connectionId: string, filter: string): void {
  useAppStore.setState((s) => {
    const muted = new Set(s.mutedFilters[connectionId] ?? []);
    if (muted.has(filter)) muted.delete(filter);
    else muted.add(filter);
    return { mutedFilters: { ...s.mutedFilters, [connectionId]: [...muted] } };
  });
}

/** Clears the broker's retained message on a topic: an empty retained publish [MQTT-3.3.1-6]. */
export async function deleteRetained(connectionId: string, topic: string): Promise<void> {
  const refused = await publish(connectionId, { topic, payload: new Uint8Array(0), qos: 0, retain: true });
  if (!refused) showToast(`Retained message on ${topic} deleted`, 'info');
}

const importListeners = new Set<() => void>();

/** The sidebar registers how to open its file picker; the desktop menu's Import uses it. */
export function onImportRequest(listener: () => void): () => void {
  importListeners.add(listener);
  return () => importListeners.delete(listener);
}

function requestImport(): void {
  for (const listener of importListeners) listener();
}

/** Hands exported connections to the browser as a file download. */
export function downloadJson(json: string): void {
  saveFile(json, 'application/json', 'mqtt-desk-connections.json');
}

/** Saves data through the browser's download (also how the desktop app saves files). */
function saveFile(data: BlobPart, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Saves a connection's stored messages as JSON or CSV. */
export async function exportMessages(connectionId: string, format: 'json' | 'csv'): Promise<void> {
  try {
    const { text, mimeType } = await backend().call('messages.export', { connectionId, format });
    saveFile(text, mimeType, `mqtt-desk-messages.${format}`);
  } catch (error) {
    showToast(describeError(error));
  }
}
