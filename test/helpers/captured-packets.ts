/**
 * What the backend captured on the desk's connection, asked of the backend directly (not
 * through the page), for e2e tests of the packet inspector.
 */

import type { PacketBatch } from '../../shared/contract';
import { subscribeInPage, type Desk } from './desk';

/** The id of the desk's one saved profile (its connection id). */
export async function deskConnectionId(desk: Desk): Promise<string> {
  const profiles = await desk.app.backend.dispatch('profiles.list', {});
  if (!profiles.ok) throw new Error(profiles.error.message);
  return (profiles.value as Array<{ id: string }>)[0]!.id;
}

/** The sequence number of the newest packet the backend holds of a connection (0: none), paging through at most 100 pages. */
export async function newestCapturedSeq(desk: Desk, connectionId: string): Promise<number> {
  let after = 0;
  for (let i = 0; i < 100; i++) {
    const r = await desk.app.backend.dispatch('packets.list', { connectionId, afterSeq: after });
    if (!r.ok) throw new Error(r.error.message);
    const page = r.value as PacketBatch & { more: boolean };
    after = page.packets.at(-1)?.seq ?? after;
    if (!page.more) break;
  }
  return after;
}

/** Reloads the page (so a test sees its socket from the first frame), connects it and subscribes to `filter`; returns the connection id. */
export async function reloadConnectSubscribe(desk: Desk, filter: string): Promise<string> {
  await desk.page.reload();
  await desk.page.getByRole('button', { name: 'Connect', exact: true }).click();
  await desk.page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
  const connectionId = await deskConnectionId(desk);
  await subscribeInPage(desk.page, filter);
  return connectionId;
}
