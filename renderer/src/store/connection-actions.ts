/** What the user does on a live connection: connect, subscribe, publish, messages, packets. */

import type { MessageProperties, MessageRecord, PacketBatch, PacketRecord, SubscribeOptions } from '../../../shared/contract';
import { DeskError } from '../../../shared/errors';
import { describeError, showToast, useAppStore } from './app-store';
import { backend } from './backend-api';
import { saveFile } from './files';
import { forgetConnection } from './ingest';
import { clearLog } from './message-log';
import { clearPackets, oldestSeq, packetsFor, prependPackets } from './packet-log';
import { recordsOf } from '../../../shared/wire-packets';
import { fetchPacketPages } from './packet-pages';
import { clearSparkplug } from './sparkplug-state';
import { clearTree } from './topic-tree';

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

/** Encodes JSON as Sparkplug B or the schema mapped to the topic (in the backend); the error is for the payload field. */
export async function encodePayload(connectionId: string, topic: string, json: string, as: 'sparkplug' | 'schema'): Promise<{ payload: Uint8Array } | { error: string }> {
  try {
    return { payload: (await backend().call('payloads.encode', { connectionId, topic, json, as })).payload };
  } catch (error) {
    if (error instanceof DeskError && error.fields?.payload) return { error: error.fields.payload };
    return { error: describeError(error) };
  }
}

/** Clears a connection's messages in the backend and in the page. */
export async function clearMessages(connectionId: string): Promise<void> {
  clearLog(connectionId);
  clearTree(connectionId);
  forgetConnection(connectionId);
  clearSparkplug(connectionId);
  useAppStore.setState((s) => ({ messageRevision: { ...s.messageRevision, [connectionId]: (s.messageRevision[connectionId] ?? 0) + 1 } }));
  try {
    await backend().call('messages.clear', { connectionId });
  } catch (error) {
    showToast(describeError(error));
  }
}

export function bumpPackets(connectionId: string): void {
  useAppStore.setState((s) => ({ packetRevision: { ...s.packetRevision, [connectionId]: (s.packetRevision[connectionId] ?? 0) + 1 } }));
}

/**
 * Fetches the packets the backend captured before the oldest the page holds (the page began
 * receiving them after connecting), a binary page at a time (packet-pages.ts), and puts them
 * in front at once. Packets keep streaming in meanwhile.
 */
export async function loadPackets(connectionId: string): Promise<void> {
  try {
    // The page has held this capture from its first packet (or since its own cap evicted, as the backend's did).
    const held = packetsFor(connectionId).buffer;
    if (oldestSeq(connectionId) === 1 || held.evicted > 0) return;
    const older: PacketRecord[] = [];
    let protocolVersion: PacketBatch['protocolVersion'] = 4;
    await fetchPacketPages(connectionId, 0, (page) => {
      const oldest = oldestSeq(connectionId) ?? Infinity;
      const packets = recordsOf(page.columns);
      for (const packet of packets) if (packet.seq < oldest) older.push(packet);
      protocolVersion = page.protocolVersion;
      const last = packets.at(-1)?.seq;
      return last !== undefined && last + 1 < oldest;
    });
    prependPackets(connectionId, older, protocolVersion);
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

/** Saves a connection's stored messages as JSON or CSV. */
export async function exportMessages(connectionId: string, format: 'json' | 'csv'): Promise<void> {
  try {
    const { text, mimeType } = await backend().call('messages.export', { connectionId, format });
    saveFile(text, mimeType, `mqtt-desk-messages.${format}`);
  } catch (error) {
    showToast(describeError(error));
  }
}
