/**
 * 5.0 Topic Aliases, one pair of maps per connection: aliases never outlive the network
 * connection they were set up on [MQTT-3.3.2-7].
 */

import type { IPublishPacket } from 'mqtt-packet';

/** Resolution of an incoming PUBLISH's topic. */
export type AliasResolution = { ok: true; topic: string } | { ok: false; code: 'alias-invalid' | 'alias-unknown'; reason: string };

/** Client → broker aliases, up to the Topic Alias Maximum the broker announced. */
export class InboundAliases {
  private readonly topics = new Map<number, string>();

  /** @param maximum the Topic Alias Maximum sent in CONNACK */
  constructor(private readonly maximum: number) {}

  /** Resolves (and, with a topic, sets) the alias of an incoming PUBLISH. */
  resolve(topic: string, alias: number | undefined): AliasResolution {
    if (alias === undefined) return { ok: true, topic };
    // 0 is never valid [MQTT-3.3.2-8]; above our maximum is not either [MQTT-3.2.2-17] [MQTT-3.3.2-9].
    if (alias === 0 || alias > this.maximum) return { ok: false, code: 'alias-invalid', reason: `topic alias ${alias} outside 1..${this.maximum}` };
    if (topic.length > 0) {
      this.topics.set(alias, topic); // a non-empty topic (re)defines the alias (5.0 §3.3.2.3.4)
      return { ok: true, topic };
    }
    const known = this.topics.get(alias);
    // An empty topic with an alias we never saw is a Protocol Error (5.0 §3.3.4).
    if (known === undefined) return { ok: false, code: 'alias-unknown', reason: `topic alias ${alias} used before it was set` };
    return { ok: true, topic: known };
  }
}

/**
 * Broker → client aliases: the first PUBLISH on a topic carries topic and alias, later
 * ones the alias and an empty topic. New topics get aliases until the client's maximum
 * is used up; after that they go out with their full topic.
 */
export class OutboundAliases {
  private readonly aliases = new Map<string, number>();

  /** @param maximum the client's Topic Alias Maximum from CONNECT; 0 means none [MQTT-3.1.2-27] */
  constructor(private readonly maximum: number) {}

  /** Whether aliases are in use at all. */
  get enabled(): boolean {
    return this.maximum > 0;
  }

  /**
   * The packet to send for `packet`, and a commit function to call once it really was
   * written: an alias the client never received must not be relied on.
   */
  apply(packet: IPublishPacket): { packet: IPublishPacket; commit: () => void } {
    const known = this.aliases.get(packet.topic);
    if (known !== undefined) return { packet: withAlias(packet, '', known), commit: noop };
    if (this.aliases.size >= this.maximum) return { packet, commit: noop };
    const alias = this.aliases.size + 1; // 1..maximum, never above it [MQTT-3.1.2-26] [MQTT-3.3.2-11]
    return { packet: withAlias(packet, packet.topic, alias), commit: () => this.aliases.set(packet.topic, alias) };
  }
}

function noop(): void {}

function withAlias(packet: IPublishPacket, topic: string, alias: number): IPublishPacket {
  return { ...packet, topic, properties: { ...packet.properties, topicAlias: alias } };
}
