/**
 * Live MQTT connections, one per profile, driven by MQTT.js. This class turns MQTT.js
 * events into {@link transition} events and contract events; MQTT.js does the protocol.
 */

import { connect, type IClientPublishOptions, type MqttClient, type StreamBuilder } from 'mqtt';
import { MESSAGE_LOAD_MAX_BYTES, PACKET_PAGE_MAX, packetForPage, type ConnectionSnapshot, type MessageProperties, type MessageRecord, type PacketBatch, type PacketRecord, type SubscribeOptions, type SubscriptionInfo } from '../shared/contract';
import { transition, type ConnectionEvent, type ConnectionState } from '../shared/connection-state';
import { DeskError, type ErrorInfo } from '../shared/errors';
import { reasonCodeName } from '../shared/packet-anatomy';
import { PayloadDecoder } from '../shared/payload-decoder';
import { profileUrl, type Profile } from '../shared/profile';
import { checkTopicFilter, checkTopicName } from '../shared/topic';
import type { EventHub } from './event-hub';
import type { RingBufferLimits } from '../shared/ring-buffer';
import { Batcher, DEFAULT_BATCHER_OPTIONS, type BatcherOptions } from './message-batcher';
import { PacketCapture } from './packet-capture';
import { MessageStore } from './message-store';
import { InboundPublishes } from './inbound-publishes';
import { clientOptions, PROTOCOL_LEVEL, publishProperties, receivedProperties } from './mqtt-options';
import { TlsKeyLog } from './tls-keylog';
import { loadTlsMaterial } from './tls-material';

interface LiveConnection {
  profile: Profile;
  client: MqttClient;
  state: ConnectionState;
  subscriptions: Map<string, SubscriptionInfo>;
  batcher: Batcher<MessageRecord>;
  messages: MessageStore;
  capture: PacketCapture;
  packetBatcher: Batcher<PacketRecord>;
  seq: number;
  /** Decodes payloads (Sparkplug B, the profile's schemas) in arrival order. */
  decoder: PayloadDecoder;
  /** When the broker first accepted this connection; auto-reconnect only follows a success. */
  connectedAt?: number;
}

/** Options for {@link ConnectionManager}. */
export interface ConnectionManagerOptions {
  batcher?: BatcherOptions;
  /** Caps of each connection's message store. */
  messageLimits?: RingBufferLimits;
  /** Caps of each connection's packet capture. */
  captureLimits?: RingBufferLimits;
}

/** Owns every live connection of the app. */
export class ConnectionManager {
  private readonly connections = new Map<string, LiveConnection>();

  constructor(
    private readonly events: EventHub,
    private readonly options: ConnectionManagerOptions = {},
  ) {}

  /** Snapshots of every connection that was opened in this run. */
  list(): ConnectionSnapshot[] {
    return [...this.connections.keys()].map((id) => this.snapshot(id));
  }

  /**
   * Opens a connection for a profile and resolves once the broker accepted it.
   * @throws DeskError CONNECT_FAILED with the broker's or the socket's reason.
   */
  async connect(profile: Profile): Promise<ConnectionSnapshot> {
    const existing = this.connections.get(profile.id);
    if (existing && (existing.state.status === 'connected' || existing.state.status === 'connecting')) {
      throw new DeskError('ALREADY_CONNECTED', `${profile.name} is already ${existing.state.status}`);
    }
    existing?.client.end(true);

    const secure = profile.protocol === 'mqtts' || profile.protocol === 'wss';
    const tls = secure ? await loadTlsMaterial(profile.tls) : {};
    // Messages and the capture survive reconnects: stores and sequences carry over.
    const messages = existing?.messages ?? new MessageStore(this.options.messageLimits);
    const batcherOptions = this.options.batcher ?? DEFAULT_BATCHER_OPTIONS;
    const protocolVersion = PROTOCOL_LEVEL[profile.mqttVersion];
    const packetBatcher =
      existing?.packetBatcher ??
      new Batcher<PacketRecord>(
        (packets) => this.events.emit('packets.batch', { connectionId: profile.id, protocolVersion, packets: packets.map(packetForPage), evicted: capture.evicted }),
        batcherOptions,
      );
    const capture: PacketCapture = existing?.capture ?? new PacketCapture((packet) => packetBatcher.add(packet), this.options.captureLimits);
    // Off unless the profile names a file; checked here so an unwritable path fails the connect.
    const keylog = secure && profile.tls.keylogFile ? TlsKeyLog.open(profile.tls.keylogFile) : undefined;
    const options = { ...clientOptions(profile, tls), manualConnect: true };
    if (keylog && profile.protocol === 'wss') options.wsOptions = { ...options.wsOptions, createConnection: keylog.connect as never };
    const client = connect(profileUrl(profile), options);
    // QoS 0 PUBLISHes of the simple shape skip MQTT.js (inbound-publishes.ts says why and when).
    const maximumPacketSize = protocolVersion === 5 ? options.properties?.maximumPacketSize : undefined;
    const inbound = new InboundPublishes(protocolVersion, maximumPacketSize, (topic, payload, retain) => this.received(live, topic, payload, 0, retain, false));
    // MQTT.js has no hook for its transport's bytes; wrapping the (TS-private) stream
    // builder taps every stream it builds, reconnects included. A test guards this.
    const internals = client as unknown as { streamBuilder: StreamBuilder };
    const build = internals.streamBuilder;
    internals.streamBuilder = (c, o) => {
      const stream = build(c, o);
      keylog?.watch(stream);
      inbound.reset();
      return capture.attach(stream, (frame) => inbound.take(frame));
    };
    const live: LiveConnection = {
      profile,
      client,
      state: existing?.state ?? { status: 'idle' },
      subscriptions: new Map(),
      batcher: new Batcher<MessageRecord>(
        (batch, dropped) => this.events.emit('messages.batch', { connectionId: profile.id, messages: batch, dropped, evicted: messages.evicted }),
        batcherOptions,
      ),
      messages,
      capture,
      packetBatcher,
      seq: existing?.seq ?? 0,
      decoder: existing?.decoder ?? new PayloadDecoder(profile.schemas),
    };
    if (existing) live.decoder.setSchemas(profile.schemas);
    this.connections.set(profile.id, live);
    this.apply(live, { type: 'connect-requested', at: Date.now() });
    client.connect();

    client.on('connect', (connack) => {
      live.connectedAt ??= Date.now();
      this.apply(live, { type: 'connack', at: Date.now(), sessionPresent: connack.sessionPresent });
    });
    // MQTT.js drops a refusing CONNACK's reason string; the packet event still has it.
    let connackReason: string | undefined;
    client.on('packetreceive', (packet) => {
      inbound.handled();
      if (packet.cmd === 'connack') connackReason = packet.properties?.reasonString;
    });
    client.on('error', (error) => this.apply(live, { type: 'error', at: Date.now(), error: mqttErrorInfo(error, connackReason) }));
    // MQTT 5: the broker says why it closes the connection; keep its words for the user.
    client.on('disconnect', (packet) => {
      const code = packet.reasonCode ?? 0;
      const name = reasonCodeName(code, 'DISCONNECT') ?? 'Unknown reason';
      const reasonString = packet.properties?.reasonString;
      const message = `The broker disconnected: ${name} (0x${code.toString(16).padStart(2, '0').toUpperCase()})${reasonString ? ` — ${reasonString}` : ''}`;
      this.apply(live, { type: 'error', at: Date.now(), error: { name: 'MqttDisconnect', message, code: 'MQTT_ERROR' } });
    });
    client.on('reconnect', () => this.apply(live, { type: 'reconnecting', at: Date.now() }));
    client.on('close', () => {
      live.batcher.flush();
      live.packetBatcher.flush();
      const now = Date.now();
      // MQTT.js retries after reconnectPeriod unless the user ended the connection.
      const retrying = profile.autoReconnect && live.connectedAt !== undefined && !client.disconnecting;
      this.apply(live, { type: 'closed', at: now, ...(retrying ? { retryAt: now + profile.reconnectPeriod } : {}) });
    });
    client.on('message', (topic, payload, packet) => {
      const properties = packet.properties ? receivedProperties(packet) : undefined;
      this.received(live, topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), packet.qos, packet.retain, packet.dup, properties);
    });

    await new Promise<void>((resolve, reject) => {
      const done = () => {
        client.off('connect', onConnect);
        client.off('close', onClose);
      };
      const onConnect = () => {
        done();
        resolve();
      };
      const onClose = () => {
        done();
        const error = live.state.status === 'closed' ? live.state.error : undefined;
        // Auto-reconnect is for connections that once worked; a first attempt that fails
        // is reported, not retried behind the user's back.
        client.end(true);
        reject(new DeskError('CONNECT_FAILED', `Could not connect to ${profileUrl(profile)}: ${error?.message ?? 'connection closed'}`));
      };
      client.on('connect', onConnect);
      client.on('close', onClose);
    });
    // The profile's own subscriptions (imported ones); a refused one is left out of the list.
    for (const { filter, qos, ...options } of profile.subscriptions) {
      const v5Options = Object.values(options).some((v) => v !== undefined) && profile.mqttVersion === '5.0' ? options : undefined;
      await this.subscribe(profile.id, filter, qos, v5Options).catch(() => undefined);
    }
    return this.snapshot(profile.id);
  }

  /** Closes a connection cleanly (DISCONNECT sent), keeping its record for the UI. */
  async disconnect(connectionId: string): Promise<ConnectionSnapshot> {
    const live = this.get(connectionId);
    this.apply(live, { type: 'disconnect-requested', at: Date.now() });
    await live.client.endAsync();
    live.batcher.flush();
    return this.snapshot(connectionId);
  }

  /**
   * Subscribes; resolves with the QoS the broker granted.
   * @throws DeskError INVALID_ARGUMENTS for a bad filter, MQTT_ERROR when the broker refuses.
   */
  async subscribe(connectionId: string, filter: string, qos: 0 | 1 | 2, options?: SubscribeOptions): Promise<SubscriptionInfo> {
    const check = checkTopicFilter(filter);
    if (!check.ok) throw new DeskError('INVALID_ARGUMENTS', check.reason, { filter: check.reason });
    const live = this.connected(connectionId);
    const v5 = live.profile.mqttVersion === '5.0';
    if (options && !v5 && Object.values(options).some((v) => v !== undefined)) {
      throw new DeskError('INVALID_ARGUMENTS', 'Subscription options need MQTT 5.0', { options: 'Subscription options need MQTT 5.0' });
    }
    const { subscriptionIdentifier, ...flags } = options ?? {};
    const granted = await live.client.subscribeAsync(filter, {
      qos,
      ...(v5 ? { nl: flags.noLocal ?? false, rap: flags.retainAsPublished ?? false, rh: flags.retainHandling ?? 0 } : {}),
      ...(subscriptionIdentifier !== undefined ? { properties: { subscriptionIdentifier } } : {}),
    });
    const grantedQos = granted[0]?.qos ?? 0x80;
    if (grantedQos !== 0 && grantedQos !== 1 && grantedQos !== 2) {
      throw new DeskError('MQTT_ERROR', `The broker refused the subscription to ${filter} (reason code 0x${grantedQos.toString(16)})`);
    }
    const info: SubscriptionInfo = { filter, qos: grantedQos, ...(options ? { options } : {}) };
    live.subscriptions.set(filter, info);
    this.emitState(live);
    return info;
  }

  /** Unsubscribes a filter. */
  async unsubscribe(connectionId: string, filter: string): Promise<{ filter: string }> {
    const live = this.connected(connectionId);
    await live.client.unsubscribeAsync(filter);
    live.subscriptions.delete(filter);
    this.emitState(live);
    return { filter };
  }

  /**
   * Publishes and records the message as outgoing; resolves when MQTT.js has sent it (for
   * QoS 1/2, once acknowledged).
   * @throws DeskError INVALID_ARGUMENTS for a bad topic.
   */
  async publish(
    connectionId: string,
    message: { topic: string; payload: Uint8Array; qos: 0 | 1 | 2; retain: boolean; properties?: MessageProperties | undefined },
  ): Promise<{ bytes: number }> {
    const { topic, payload, qos, retain, properties } = message;
    // An empty topic is allowed only when a topic alias stands in for it [MQTT-3.3.2-8].
    const check = topic === '' && properties?.topicAlias !== undefined ? { ok: true as const } : checkTopicName(topic);
    if (!check.ok) throw new DeskError('INVALID_ARGUMENTS', check.reason, { topic: check.reason });
    const live = this.connected(connectionId);
    if (properties && live.profile.mqttVersion !== '5.0') {
      throw new DeskError('INVALID_ARGUMENTS', 'Message properties need MQTT 5.0', { properties: 'Message properties need MQTT 5.0' });
    }
    const options: IClientPublishOptions = { qos, retain };
    if (properties) options.properties = publishProperties(properties);
    // Logged as it goes on the wire, so the log order is the wire order (a QoS 1 echo can
    // arrive before our PUBACK).
    this.record(live, { direction: 'out', topic, payload, qos, retain, dup: false, ...(properties ? { properties } : {}) });
    await live.client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), options);
    return { bytes: payload.byteLength };
  }

  /** Closes every connection at once (app shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.connections.values()].map((live) => live.client.endAsync(true).catch(() => undefined)));
  }

  /**
   * One stored message, its payload cut at `maxBytes` (`payloadSize` keeps the full length).
   * @throws DeskError NOT_FOUND when evicted or cleared.
   */
  message(connectionId: string, seq: number, maxBytes = MESSAGE_LOAD_MAX_BYTES): MessageRecord {
    const message = this.get(connectionId).messages.get(seq);
    if (!message) throw new DeskError('NOT_FOUND', `Message #${seq} is no longer held (evicted by the cap or cleared)`);
    return message.payload.byteLength <= maxBytes ? message : { ...message, payload: message.payload.subarray(0, maxBytes) };
  }

  /** Every stored message of a connection, oldest first. */
  messages(connectionId: string): MessageRecord[] {
    return this.get(connectionId).messages.all();
  }

  /** Every captured packet still held, oldest first (for export). */
  allPackets(connectionId: string): PacketRecord[] {
    return this.get(connectionId).capture.all();
  }

  /** Captured packets still held after `afterSeq`, a page at a time, for an inspector opened late. */
  packets(connectionId: string, afterSeq = 0, limit = PACKET_PAGE_MAX): PacketBatch & { more: boolean } {
    const live = this.get(connectionId);
    const { packets, more } = live.capture.page(afterSeq, limit);
    return { connectionId, protocolVersion: PROTOCOL_LEVEL[live.profile.mqttVersion], packets: packets.map(packetForPage), evicted: live.capture.evicted, more };
  }

  /** Forgets a connection's captured packets. */
  clearPackets(connectionId: string): { cleared: number } {
    const capture = this.get(connectionId).capture;
    const cleared = capture.length;
    capture.clear();
    return { cleared };
  }

  /** Empties a connection's message store. */
  clearMessages(connectionId: string): { cleared: number } {
    const store = this.get(connectionId).messages;
    const cleared = store.length;
    store.clear();
    return { cleared };
  }

  /** The payload decoder of a connection opened in this run, if any. */
  decoder(connectionId: string): PayloadDecoder | undefined {
    return this.connections.get(connectionId)?.decoder;
  }

  /** A message from the broker, from MQTT.js or the fast path, into the store and the next batch. */
  private received(live: LiveConnection, topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, dup: boolean, properties?: MessageProperties): void {
    // The hot path at fleet rates: one record of a fixed shape, no spreads.
    const message: MessageRecord = { seq: ++live.seq, direction: 'in', topic, payload, qos, retain, dup, time: Date.now(), payloadSize: payload.byteLength };
    if (properties) message.properties = properties;
    // Sparkplug topics and topics with a mapped schema (a prefix test and a filter match for the rest).
    const decoded = live.decoder.decode(topic, payload);
    if (decoded) message.decoded = decoded;
    live.batcher.add(live.messages.add(message));
  }

  private record(live: LiveConnection, message: Omit<MessageRecord, 'seq' | 'time' | 'payloadSize'>): void {
    const full: MessageRecord = { ...message, seq: ++live.seq, time: Date.now(), payloadSize: message.payload.byteLength };
    const decoded = live.decoder.decode(message.topic, message.payload);
    if (decoded) full.decoded = decoded;
    live.batcher.add(live.messages.add(full));
  }

  private get(connectionId: string): LiveConnection {
    const live = this.connections.get(connectionId);
    if (!live) throw new DeskError('NOT_FOUND', `No connection ${connectionId}`);
    return live;
  }

  private connected(connectionId: string): LiveConnection {
    const live = this.get(connectionId);
    if (live.state.status !== 'connected') {
      throw new DeskError('NOT_CONNECTED', `${live.profile.name} is not connected (${live.state.status})`);
    }
    return live;
  }

  private apply(live: LiveConnection, event: ConnectionEvent): void {
    // Events from a client that was replaced by a newer connect must not touch the new one.
    if (this.connections.get(live.profile.id) !== live) return;
    const next = transition(live.state, event);
    if (next === live.state) return;
    live.state = next;
    this.emitState(live);
  }

  private emitState(live: LiveConnection): void {
    this.events.emit('connection.state', this.snapshot(live.profile.id));
  }

  private snapshot(connectionId: string): ConnectionSnapshot {
    const live = this.get(connectionId);
    return {
      connectionId,
      profileId: live.profile.id,
      state: live.state,
      subscriptions: [...live.subscriptions.values()],
    };
  }
}

/** MQTT.js errors carry the CONNACK/DISCONNECT reason code in `code` when there is one. */
function mqttErrorInfo(error: Error & { code?: unknown }, reasonString?: string): ErrorInfo {
  const code = error.code;
  const suffix = typeof code === 'number' ? ` (reason code ${code})` : typeof code === 'string' ? ` (${code})` : '';
  const said = typeof code === 'number' && reasonString ? ` — ${reasonString}` : '';
  return { name: error.name, message: `${error.message}${suffix}${said}`, code: 'MQTT_ERROR' };
}
