/** Fan-out of contract events from the backend to every attached UI (window or socket). */

import type { EventStreams, StreamName } from '../shared/contract';

/** Receives every event; carriers forward it to their UI. */
export type EventListener = <S extends StreamName>(stream: S, data: EventStreams[S]) => void;

/** A typed broadcaster for the contract's event streams. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends one event to every listener. A throwing listener does not stop the others. */
  emit<S extends StreamName>(stream: S, data: EventStreams[S]): void {
    for (const listener of this.listeners) {
      try {
        listener(stream, data);
      } catch (error) {
        console.error(`[backend] event listener failed on ${stream}:`, error);
      }
    }
  }
}
