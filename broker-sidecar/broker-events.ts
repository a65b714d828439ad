/**
 * The broker's event stream for the app's broker panel: clients coming and going,
 * subscriptions, and every log line as structured data. Like the packet tap, emitters
 * check `has(name)` first, so with nobody listening no event object is ever built.
 */

import type { LogLevel } from './logger';
import type { ProtocolVersion } from './types';

/** A client's CONNECT was accepted. */
export interface ClientConnectedEvent {
  time: number;
  clientId: string;
  protocolVersion: ProtocolVersion;
  remoteAddress: string;
  cleanStart: boolean;
  keepalive: number;
  /** Whether an existing session was resumed (CONNACK Session Present). */
  sessionPresent: boolean;
}

/** An accepted connection ended. */
export interface ClientDisconnectedEvent {
  time: number;
  clientId: string;
  /** Why, in words: "disconnected", "keepalive timeout", "protocol error: …". */
  reason: string;
}

/** A subscription was added or replaced. */
export interface SubscribedEvent {
  time: number;
  clientId: string;
  filter: string;
  qos: number;
}

/** A subscription was removed by UNSUBSCRIBE. */
export interface UnsubscribedEvent {
  time: number;
  clientId: string;
  filter: string;
}

/** One log line, as the broker's Logger received it. */
export interface LogEvent {
  time: number;
  level: LogLevel;
  clientId: string | undefined;
  message: string;
}

/** A packet was refused because it broke a rule (see shared/packet-rules). */
export type ViolationEvent = import('./violation-log').ViolationRecord;

/** Event names and their payloads. */
export interface BrokerEventMap {
  violation: ViolationEvent;
  'client-connected': ClientConnectedEvent;
  'client-disconnected': ClientDisconnectedEvent;
  subscribed: SubscribedEvent;
  unsubscribed: UnsubscribedEvent;
  log: LogEvent;
}

/** Name of a broker event. */
export type BrokerEventName = keyof BrokerEventMap;

type Listener<K extends BrokerEventName> = (event: BrokerEventMap[K]) => void;
type ListenerSets = { [K in BrokerEventName]: Set<Listener<K>> };

/** A typed, synchronous emitter; listener errors are contained so the panel cannot break MQTT traffic. */
export class BrokerEvents {
  private readonly listeners: ListenerSets = {
    violation: new Set(),
    'client-connected': new Set(),
    'client-disconnected': new Set(),
    subscribed: new Set(),
    unsubscribed: new Set(),
    log: new Set(),
  };

  /** True when someone listens to `name`; emitters check it before building the event. */
  has(name: BrokerEventName): boolean {
    return this.listeners[name].size > 0;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends BrokerEventName>(name: K, listener: Listener<K>): () => void {
    const set = this.listeners[name] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Delivers one event to every listener of its name. */
  emit<K extends BrokerEventName>(name: K, event: BrokerEventMap[K]): void {
    for (const listener of this.listeners[name] as Set<Listener<K>>) {
      try {
        listener(event);
      } catch {
        // A broken panel must not break the broker.
      }
    }
  }
}
