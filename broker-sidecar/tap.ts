/**
 * The packet tap: every packet in and out of every client, for the UI's packet inspector
 * and for -v logging. Emitting is guarded by `active`, so with no listener the broker
 * builds no event objects at all.
 */

import type { Packet } from 'mqtt-packet';

/** One packet crossing the broker's edge. */
export interface TapEvent {
  direction: 'in' | 'out';
  /** Client ID once known (the CONNECT's own ID for the CONNECT itself; '' before). */
  clientId: string;
  /** "host:port" of the connection, for packets of clients without an ID. */
  remoteAddress: string;
  /** Exactly the bytes read or written. */
  bytes: Buffer;
  /** The decoded packet; undefined for a packet refused because it broke a rule (see `violation`). */
  packet: Packet | undefined;
  /** Set on a refused packet: the rule it broke, as the Reason String and the log name it. */
  violation?: string;
  /** The connection's protocol level when the packet crossed. */
  protocolVersion: 3 | 4 | 5;
  /** Epoch ms. */
  time: number;
}

/** Listener for tap events. */
export type TapListener = (event: TapEvent) => void;

/** A tiny synchronous event stream; listener errors are contained so a tap cannot kill the broker. */
export class PacketTap {
  private readonly listeners = new Set<TapListener>();

  /** True when anyone listens; callers check it before building an event. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: TapListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers one event to every listener. */
  emit(event: TapEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken inspector must not break MQTT traffic.
      }
    }
  }
}
