/**
 * UI state in one zustand store: profiles, connection snapshots, the editor draft, and a
 * message revision per connection (the messages themselves are in message-log.ts).
 */

import { create } from 'zustand';
import type { CaptureStream } from '../../../shared/capture-file/mqtt-capture';
import type { BrokerClientInfo, BrokerRetainedInfo, BrokerStats, SidecarState } from '../../../shared/broker-control';
import type { ConnectionSnapshot } from '../../../shared/contract';
import type { ErrorInfo } from '../../../shared/errors';
import type { Profile, ProfileValue } from '../../../shared/profile';

/** The profile editor's state while it is open. */
export interface ProfileDraft {
  value: ProfileValue;
  /** Field → message, shown next to the field. */
  errors: Record<string, string>;
  /** The value the editor opened with, to tell unsaved changes. */
  original: ProfileValue;
}

/** One MQTT connection of an opened capture file, shown read-only. */
export interface OpenedCapture {
  /** The packet log's id: `capture-FILE-STREAM`. */
  id: string;
  /** Which opening of a file it came from (several streams share it). */
  fileId: string;
  fileName: string;
  client: string;
  server: string;
  transport: 'tcp' | 'websocket';
  protocolVersion: 3 | 4 | 5;
  clientId: string | undefined;
  packets: number;
  /** What could not be read in this connection. */
  problems: string[];
  /** Who first closed the connection and when, if the capture holds it. */
  closed: CaptureStream['closed'];
}

/** A TCP stream of an opened capture file that is not shown as a connection, and why (TLS: not decrypted). */
export interface SkippedCaptureStream {
  fileId: string;
  fileName: string;
  tcpStream: number;
  endpoints: string;
  reason: string;
}

/** The tabs of a connection's workspace. */
export type ViewTab = 'messages' | 'topics' | 'sparkplug' | 'packets' | 'flows';

/** A message shown briefly at the bottom of the window. */
export interface Toast {
  id: number;
  text: string;
  kind: 'error' | 'info';
}

/** Everything the UI draws from. */
export interface AppState {
  backendUp: boolean;
  profiles: Profile[];
  selectedProfileId: string | undefined;
  draft: ProfileDraft | undefined;
  connections: Record<string, ConnectionSnapshot>;
  messageRevision: Record<string, number>;
  packetRevision: Record<string, number>;
  /** Subscriptions whose messages the list hides, per connection. */
  mutedFilters: Record<string, string[]>;
  toasts: Toast[];
  /** The local broker panel is shown instead of a connection. */
  brokerOpen: boolean;
  broker: { state: SidecarState; logRevision: number; clients: BrokerClientInfo[]; retained: BrokerRetainedInfo[]; stats: BrokerStats | null };
  /** Connections read from capture files, in the order opened. */
  captures: OpenedCapture[];
  /** Streams of those files not shown as connections, listed under their file with the reason. */
  capturesSkipped: SkippedCaptureStream[];
  /** The capture connection shown, when one is. */
  selectedCaptureId: string | undefined;
  /** A capture file being read, with how far it has got (0–1). */
  captureLoading: { fileName: string; progress: number } | undefined;
  /** The tab shown per connection (live or capture). */
  viewTabs: Record<string, ViewTab>;
  /** A packet another view asked the inspector to select ("Show in Packets"); the nonce repeats a request. */
  packetFocus: Record<string, { seq: number; nonce: number }>;
}

/** The store; actions live in actions.ts and call `useAppStore.setState`. */
export const useAppStore = create<AppState>(() => ({
  backendUp: false,
  profiles: [],
  selectedProfileId: undefined,
  draft: undefined,
  connections: {},
  messageRevision: {},
  packetRevision: {},
  mutedFilters: {},
  toasts: [],
  brokerOpen: false,
  broker: { state: { status: 'stopped' }, logRevision: 0, clients: [], retained: [], stats: null },
  captures: [],
  capturesSkipped: [],
  selectedCaptureId: undefined,
  captureLoading: undefined,
  viewTabs: {},
  packetFocus: {},
}));

let nextToast = 1;

/** Shows an error (with its code) or a note for a few seconds. */
export function showToast(text: string, kind: Toast['kind'] = 'error'): void {
  const id = nextToast++;
  useAppStore.setState((s) => ({ toasts: [...s.toasts, { id, text, kind }] }));
  setTimeout(() => useAppStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 6000);
}

/** Formats a contract error for a toast: message plus code. */
export function describeError(error: unknown): string {
  const info = error as Partial<ErrorInfo>;
  return info.code ? `${info.message ?? 'Error'} [${info.code}]` : String((error as Error)?.message ?? error);
}
