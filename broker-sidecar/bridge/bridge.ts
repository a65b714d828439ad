/**
 * One bridge, as mosquitto runs it: a session on our broker (the local side, an MQTT
 * connection over an in-process pipe, subscribed to the out/both topics with No Local so
 * nothing that came in over the bridge goes back over it) and a client connection to the
 * remote broker (subscribed to the in/both topics). The relay carries messages between
 * them; this file owns the lifecycle: start_type automatic / lazy / once, restart_timeout,
 * idle_timeout and threshold, several addresses with round_robin or failover back to the
 * first, try_private, and the 1/0 notifications with a will on the remote.
 */

import type { IConnackPacket, IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import type { Broker } from '../broker';
import type { BridgeConfig } from '../config/bridge-types';
import type { LogLevel } from '../logger';
import { makeMessage } from '../messages';
import { SESSION_NEVER_EXPIRES } from '../types';
import { localTopicFor, remoteTopicFor } from './bridge-topics';
import { BridgeRelay } from './bridge-relay';
import { duplexPair } from './duplex-pair';
import { MqttLink } from './mqtt-link';
import { dialRemote } from './remote-dial';
import { refusal, remoteConnect, remoteLimits, remoteSubscriptions } from './remote-handshake';
import type { BrokerBridgeInfo } from '../../shared/broker-control';

/** How often a lazy bridge checks its queue and a connected one its idle time (mosquitto checks about once a second). */
const CHECK_MS = 1000;
/** How often a bridge on a secondary address tries the first one again (round_robin false). */
const PRIMARY_RETRY_MS = 5000;
/** A remote that has not answered the CONNECT by then is given up on. */
const CONNACK_TIMEOUT_MS = 10_000;

/** Where a bridge is, as the broker panel shows it. */
export type BridgeState = BrokerBridgeInfo['state'];

/** A configured bridge; `start()` once, `close()` at shutdown. */
export class Bridge {
  private stateValue: BridgeState = 'stopped';
  private since = Date.now();
  private lastError: string | undefined;
  private addressIndex = 0;
  private local: MqttLink | undefined;
  private remote: MqttLink | undefined;
  private readonly relay: BridgeRelay;
  /** Set when the remote refused the 0x80 bridge bit: later CONNECTs go without it, as mosquitto does. */
  private privateRefused = false;
  private backoff: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private primaryTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    readonly config: BridgeConfig,
    private readonly broker: Broker,
  ) {
    this.backoff = config.restartTimeout.kind === 'backoff' ? config.restartTimeout.base : 0;
    this.relay = new BridgeRelay({
      toRemote: (topic) => remoteTopicFor(config.topics, topic),
      toLocal: (topic) => localTopicFor(config.topics, topic),
      outgoingRetain: config.outgoingRetain,
      maxPacketSize: config.maxPacketSize,
      maxWriteBufferBytes: broker.options.maxWriteBufferBytes,
      warn: (message) => this.log('warning', message),
    });
  }

  /** Opens the local session, then connects to the remote unless the bridge is lazy. */
  async start(): Promise<void> {
    for (const note of this.config.notes) this.log('notice', note);
    await this.openLocal();
    if (this.closing) return;
    if (this.config.notifications) this.notifyLocal('0'); // "not connected" until the remote accepts us
    this.checkTimer = setInterval(() => this.check(), CHECK_MS);
    this.checkTimer.unref();
    if (this.config.startType === 'lazy') this.setState('idle');
    else this.connectRemote();
  }

  /** Stops for good: the remote socket is dropped (its will tells the remote 0), the local session ends or stays as configured. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.checkTimer);
    clearInterval(this.primaryTimer);
    this.remote?.fail('broker shutting down');
    this.local?.end({ cmd: 'disconnect' });
    this.setState('stopped');
  }

  /** The panel's view of this bridge. */
  info(): BrokerBridgeInfo {
    const { config } = this;
    const address = config.addresses[this.addressIndex];
    return {
      name: config.name,
      address: address ? `${address.host}:${address.port}` : '',
      addresses: config.addresses.map((a) => `${a.host}:${a.port}`),
      state: this.stateValue,
      since: this.since,
      lastError: this.lastError,
      messagesOut: this.relay.counts.sent,
      messagesIn: this.relay.counts.received,
      dropped: this.relay.counts.dropped,
      queued: this.queued(),
      remoteClientId: config.remoteClientId,
      localClientId: config.localClientId,
      protocolVersion: config.protocolVersion,
      startType: config.startType,
      tls: config.tls.enabled,
    };
  }

  /** QoS 1/2 messages waiting for the remote: in the bridge and in its session's queue. */
  private queued(): number {
    return this.relay.waiting + (this.broker.options.sessions.get(this.config.localClientId)?.queueLength ?? 0);
  }

  private openLocal(): Promise<void> {
    const { config } = this;
    const [ours, theirs] = duplexPair();
    this.broker.handle(theirs, `bridge ${config.name}`);
    return new Promise((resolve) => {
      let accepted = false;
      const link = new MqttLink(ours, 5, {
        packet: (packet) => {
          if (!accepted && packet.cmd === 'connack') {
            accepted = true;
            return this.localAccepted(link, packet, resolve);
          }
          if (packet.cmd === 'suback') {
            const refused = packet.granted.filter((code) => (code as number) >= 0x80).length;
            if (refused > 0) this.fail(`our broker refused ${refused} of the bridge's local subscriptions (ACL?)`, 'error');
            return;
          }
          this.relay.onLocal(packet);
          if (packet.cmd === 'publish') this.onLocalPublish(packet);
        },
        closed: (reason) => {
          this.relay.detachLocal();
          this.local = undefined;
          if (!accepted) resolve();
          if (!this.closing) this.fail(`local session closed: ${reason}`, 'error');
        },
      });
      this.local = link;
      const connect: IConnectPacket = {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId: config.localClientId,
        clean: config.localCleanSession,
        keepalive: 0,
        // Our broker's max_inflight_messages: that many wait in the bridge, the rest in the session's
        // queue (max_queued_messages), so a remote that is down costs what mosquitto's bridge would.
        properties: { receiveMaximum: Math.min(this.broker.options.receiveMaximum, 65535), sessionExpiryInterval: config.localCleanSession ? 0 : SESSION_NEVER_EXPIRES },
      };
      if (config.localUsername !== undefined) connect.username = config.localUsername;
      if (config.localPassword !== undefined) connect.password = Buffer.from(config.localPassword);
      link.send(connect);
    });
  }

  private localAccepted(link: MqttLink, connack: IConnackPacket, done: () => void): void {
    const code = connack.reasonCode ?? 0;
    if (code !== 0) {
      this.fail(`our broker refused the bridge's local connection (reason 0x${code.toString(16)}); check local_username/local_password`, 'error');
      link.fail('refused');
      done();
      return;
    }
    this.relay.attachLocal(link, connack.properties?.receiveMaximum ?? 65535);
    const out = this.config.topics.filter((t) => t.direction !== 'in');
    if (out.length > 0) {
      // No Local: what the bridge publishes here (from the remote) never comes back to it; Retain As Published keeps the flag.
      const subscriptions = out.map((t) => ({ topic: t.localTopic, qos: t.qos, nl: true, rap: true, rh: 0 as const }));
      link.send({ cmd: 'subscribe', messageId: 1, subscriptions });
    }
    done();
  }

  /** A message for the remote arrived: a lazy bridge starts when enough are waiting. */
  private onLocalPublish(packet: IPublishPacket): void {
    if (packet.qos > 0 && this.stateValue === 'idle') this.check();
  }

  /** Once a second: a lazy bridge starts at `threshold`, stops after `idle_timeout`. */
  private check(): void {
    const { config } = this;
    if (config.startType !== 'lazy' || this.closing) return;
    if (this.stateValue === 'idle' && this.queued() >= config.threshold) {
      this.log('notice', `Bridge ${config.name}: ${this.queued()} messages waiting (threshold ${config.threshold}), starting.`);
      this.connectRemote();
      return;
    }
    if (this.stateValue === 'connected' && !this.relay.busy && Date.now() - this.relay.lastTrafficAt >= config.idleTimeout * 1000) {
      this.log('notice', `Bridge connection ${config.name} has exceeded idle timeout, disconnecting.`);
      // Dropped without DISCONNECT, as mosquitto does: the remote publishes our will, its state 0.
      this.remote?.fail('idle timeout');
    }
  }

  private connectRemote(): void {
    if (this.closing || this.remote) return;
    clearTimeout(this.restartTimer);
    const { config } = this;
    const address = config.addresses[this.addressIndex]!;
    this.setState('connecting');
    this.log('notice', `Connecting bridge ${config.name} (${address.host}:${address.port})`);
    dialRemote({ address, tls: config.tls, bindAddress: config.bindAddress }).then(
      (socket) => {
        if (this.closing) {
          socket.destroy();
          return;
        }
        this.handshake(new MqttLink(socket, config.protocolVersion, { packet: (p) => this.onRemote(p), closed: (r) => this.remoteClosed(r) }));
      },
      (error: Error) => this.connectFailed(error.message),
    );
  }

  private handshake(link: MqttLink): void {
    const { config } = this;
    this.remote = link;
    const connect = remoteConnect(config);
    // try_private: bit 7 of the protocol level says "a bridge", so the remote sends nothing back that came from us.
    // 3.x only, as mosquitto sends it: a 5.0 bridge says No Local itself, and mosquitto calls a 5.0 CONNECT with the bit a protocol error.
    link.connect(connect, config.tryPrivate && !this.privateRefused && config.protocolVersion !== 5);
    const timer = setTimeout(() => link.fail('no CONNACK in time'), CONNACK_TIMEOUT_MS);
    timer.unref();
    this.connackTimer = timer;
  }

  private connackTimer: NodeJS.Timeout | undefined;

  private onRemote(packet: Packet): void {
    if (this.stateValue !== 'connected') {
      if (packet.cmd === 'connack') this.remoteConnack(packet);
      return;
    }
    this.relay.onRemote(packet);
  }

  private remoteConnack(connack: IConnackPacket): void {
    clearTimeout(this.connackTimer);
    const link = this.remote!;
    const { config } = this;
    const code = (config.protocolVersion === 5 ? connack.reasonCode : connack.returnCode) ?? 0;
    if (code !== 0) {
      if (code === 1 && config.protocolVersion !== 5 && config.tryPrivate && !this.privateRefused) {
        // The remote does not know the bridge bit: try again at once without it, as mosquitto does.
        this.privateRefused = true;
        this.log('notice', `Bridge ${config.name}: the remote refused try_private; connecting as a plain client.`);
        this.reconnectNow = true;
      } else {
        this.lastError = `connection refused by ${this.info().address}: ${refusal(code, config.protocolVersion)}`;
      }
      link.fail('connection refused');
      return;
    }
    this.setState('connected');
    this.lastError = undefined;
    if (config.restartTimeout.kind === 'backoff') this.backoff = config.restartTimeout.base;
    link.startKeepalive(config.keepalive);
    const limits = remoteLimits(connack, this.broker.options.receiveMaximum);
    this.log('notice', `Bridge ${config.name} connected to ${this.info().address} as ${config.remoteClientId}${connack.sessionPresent ? ' (session present)' : ''}.`);
    this.relay.attachRemote(link, connack.sessionPresent, limits, () => {
      if (config.notifications) {
        if (!config.notificationsLocalOnly) this.relay.notifyRemote(link, config.notificationTopic, '1');
        this.notifyLocal('1');
      }
      for (const packet of remoteSubscriptions(config, () => this.relay.nextRemoteId() ?? 1)) link.send(packet);
    });
    if (!config.roundRobin && this.addressIndex !== 0) this.watchPrimary();
  }

  private reconnectNow = false;

  private remoteClosed(reason: string): void {
    clearTimeout(this.connackTimer);
    clearInterval(this.primaryTimer);
    const wasConnected = this.stateValue === 'connected';
    this.remote = undefined;
    this.relay.detachRemote();
    if (this.closing) return;
    if (wasConnected) {
      if (this.config.notifications) this.notifyLocal('0');
      if (reason !== 'idle timeout' && reason !== 'back to the first address') this.lastError = reason;
      this.log('notice', `Bridge ${this.config.name} disconnected: ${reason}.`);
    }
    if (this.reconnectNow) {
      this.reconnectNow = false;
      this.connectRemote();
      return;
    }
    if (!wasConnected) this.nextAddress();
    if (reason === 'back to the first address') {
      this.addressIndex = 0;
      this.connectRemote();
      return;
    }
    this.afterDrop(reason === 'idle timeout');
  }

  private connectFailed(reason: string): void {
    if (this.closing) return;
    const address = this.info().address;
    this.lastError = reason.includes(address) ? reason : `${address}: ${reason}`;
    this.log('notice', `Bridge ${this.config.name} could not connect: ${reason}.`);
    this.nextAddress();
    this.afterDrop(false);
  }

  /** After a failure or a drop: restart, wait for the threshold, or stop, per start_type. */
  private afterDrop(idle: boolean): void {
    switch (this.config.startType) {
      case 'once':
        return this.setState('stopped');
      case 'lazy':
        return this.setState('idle');
      case 'automatic':
        if (idle) return this.setState('idle');
        this.setState('waiting');
        this.restartTimer = setTimeout(() => this.connectRemote(), this.restartDelay() * 1000);
        this.restartTimer.unref();
    }
  }

  /** restart_timeout: a constant, or mosquitto's "decorrelated jitter" between base and cap. */
  private restartDelay(): number {
    const r = this.config.restartTimeout;
    if (r.kind === 'constant') return r.seconds;
    const upper = Math.max(r.base, this.backoff * 3);
    this.backoff = Math.min(r.cap, r.base + Math.random() * (upper - r.base));
    return this.backoff;
  }

  private nextAddress(): void {
    this.addressIndex = (this.addressIndex + 1) % this.config.addresses.length;
  }

  /** On a secondary address without round_robin: probe the first one and go back to it when it answers. */
  private watchPrimary(): void {
    clearInterval(this.primaryTimer);
    this.primaryTimer = setInterval(() => {
      const primary = this.config.addresses[0]!;
      dialRemote({ address: primary, tls: { ...this.config.tls, enabled: false }, bindAddress: this.config.bindAddress }).then(
        (probe) => {
          probe.destroy();
          if (this.stateValue === 'connected' && this.addressIndex !== 0) {
            this.log('notice', `Bridge ${this.config.name}: ${primary.host}:${primary.port} is back, returning to it.`);
            this.remote?.fail('back to the first address');
          }
        },
        () => {},
      );
    }, PRIMARY_RETRY_MS);
    this.primaryTimer.unref();
  }

  /** The retained 1/0 state on our broker, as mosquitto publishes it (QoS 1, retained). */
  private notifyLocal(payload: '0' | '1'): void {
    this.broker.publish(makeMessage(this.config.notificationTopic, payload, 1, true, undefined, undefined, 4));
  }

  private fail(message: string, level: LogLevel): void {
    this.lastError = message;
    this.log(level, `Bridge ${this.config.name}: ${message}`);
  }

  private setState(state: BridgeState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.since = Date.now();
  }

  private log(level: LogLevel, message: string): void {
    this.broker.log({ level, clientId: this.config.localClientId, message });
  }
}
