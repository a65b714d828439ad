/**
 * The page's handle on the backend contract, set once at start, and the reload of the
 * state every view starts from.
 */

import type { DeskApi } from '../../../shared/contract';
import { describeError, showToast, useAppStore } from './app-store';

let api: DeskApi | undefined;

/** The attached API. @throws Error before start-up attached one. */
export function backend(): DeskApi {
  if (!api) throw new Error('The backend API is not attached yet');
  return api;
}

/** Sets the API the actions use (once, at start). */
export function setApi(deskApi: DeskApi): void {
  api = deskApi;
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
