/** The broker's bridges: started after the listeners, listed for the panel, closed before the broker. */

import type { Broker } from '../broker';
import type { BridgeConfig } from '../config/bridge-types';
import type { BrokerBridgeInfo } from '../../shared/broker-control';
import { Bridge } from './bridge';

/** Every bridge of one broker. */
export class BridgeManager {
  private readonly bridges: Bridge[];

  constructor(broker: Broker, configs: readonly BridgeConfig[]) {
    this.bridges = configs.map((config) => new Bridge(config, broker));
  }

  /** Starts every bridge: each opens its local session, then connects as its start_type says. */
  async start(): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.start()));
  }

  /** The panel's view of every bridge, in file order. */
  list(): BrokerBridgeInfo[] {
    return this.bridges.map((b) => b.info());
  }

  /** Stops every bridge. */
  async close(): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.close()));
  }
}
