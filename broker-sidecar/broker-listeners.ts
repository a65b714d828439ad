/**
 * The broker's listening sockets: each opened with its listener profile (the broker's
 * options with the listener's overrides, its connection limit) and remembered by port with
 * its authenticator, so a retained message can be checked against the listener it came in
 * on (check_retain_source). Closed together when the broker stops.
 */

import type { Authenticator } from './authenticator';
import { startListener, type ListenerSpec, type ListenerTarget, type RunningListener } from './listeners';
import type { ListenerProfile, ResolvedOptions } from './options';

/** The listeners of one broker. */
export class BrokerListeners {
  private readonly running = new Set<RunningListener>();
  private readonly authenticatorsByPort = new Map<number, Authenticator>();
  private closed = false;

  constructor(
    private readonly target: ListenerTarget,
    private readonly options: ResolvedOptions,
  ) {}

  /** Opens a listener; rejects once `closeAll` has run (also when it ran while this one was binding). */
  async open(spec: ListenerSpec): Promise<RunningListener> {
    if (this.closed) throw new Error('the broker is closing');
    const { overrides } = spec;
    const profile: ListenerProfile = { options: overrides ? { ...this.options, ...overrides } : this.options, maxConnections: spec.maxConnections ?? -1, open: 0, port: spec.port };
    const listener = await startListener(this.target, { ...spec, access: { ...spec.access, profile } });
    if (this.closed) {
      // closeAll() ran while this one was binding and could not see it.
      await listener.close();
      throw new Error('the broker is closing');
    }
    profile.port = listener.port;
    if (spec.access?.authenticator) this.authenticatorsByPort.set(listener.port, spec.access.authenticator);
    this.running.add(listener);
    return listener;
  }

  /** The authenticator of the listener on a port, if one was given. */
  authenticatorOn(port: number): Authenticator | undefined {
    return this.authenticatorsByPort.get(port);
  }

  /** Stops accepting on every listener; resolves once all are closed. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running].map((listener) => listener.close()));
    this.running.clear();
  }
}
