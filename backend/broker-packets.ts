/**
 * The local broker's packets of one client, as the packet inspector takes a connection's:
 * pages of PacketRecords from the sidecar's capture (see broker-sidecar/client-capture.ts),
 * all of them for a pcapng export, and clearing them.
 */

import type { BrokerPacketsPage } from '../shared/broker-control';
import type { PacketBatch, PacketRecord } from '../shared/contract';
import { BROKER_CLIENT_PREFIX, PACKET_PAGE_MAX } from '../shared/contract';
import type { SidecarSupervisor } from './sidecar-supervisor';

/** The broker client a connection id names, or undefined for an ordinary connection id. */
export function brokerClientOf(connectionId: string): string | undefined {
  return connectionId.startsWith(BROKER_CLIENT_PREFIX) ? connectionId.slice(BROKER_CLIENT_PREFIX.length) : undefined;
}

/** One page of a broker client's packets after `afterSeq`. */
export async function brokerPacketsPage(sidecar: SidecarSupervisor, connectionId: string, afterSeq = 0, limit = PACKET_PAGE_MAX): Promise<PacketBatch & { more: boolean }> {
  const client = brokerClientOf(connectionId)!;
  const page = (await sidecar.query({ type: 'packets', client, afterSeq, limit })) as BrokerPacketsPage;
  const packets: PacketRecord[] = page.packets.map((p) => ({ seq: p.seq, time: p.time, direction: p.direction, bytes: new Uint8Array(Buffer.from(p.hex, 'hex')) }));
  return { connectionId, protocolVersion: page.protocolVersion, packets, evicted: page.evicted, more: page.more };
}

/** Every packet the broker holds of a client, oldest first. */
export async function allBrokerPackets(sidecar: SidecarSupervisor, connectionId: string): Promise<PacketRecord[]> {
  const all: PacketRecord[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await brokerPacketsPage(sidecar, connectionId, afterSeq);
    all.push(...page.packets);
    const last = page.packets.at(-1)?.seq;
    if (!page.more || last === undefined) return all;
    afterSeq = last;
  }
}

/** Forgets a broker client's packets; returns how many were held. */
export async function clearBrokerPackets(sidecar: SidecarSupervisor, connectionId: string): Promise<{ cleared: number }> {
  return (await sidecar.query({ type: 'packets-clear', client: brokerClientOf(connectionId)! })) as { cleared: number };
}
