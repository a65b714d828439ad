/**
 * The Node side of the app behind the contract: profiles, live connections, and the event
 * hub that carriers attach to. Electron's main process and the browser-mode server both
 * host exactly one of these.
 */

import { exportCollections, parseCollectionsImport } from '../shared/collections';
import type { CommandHandlers } from '../shared/contract';
import type { BrokerBridgeInfo, BrokerClientInfo, BrokerRetainedInfo, BrokerStats, BrokerViolation } from '../shared/broker-control';
import { DeskError } from '../shared/errors';
import type { RingBufferLimits } from '../shared/ring-buffer';
import { exportProfiles } from '../shared/profile-transfer';
import { PayloadDecoder } from '../shared/payload-decoder';
import { createDispatcher, type Dispatcher } from '../shared/rpc';
import { encodePacketPage } from '../shared/wire-packets';
import { allBrokerPackets, brokerClientOf, brokerPacketsPage, clearBrokerPackets } from './broker-packets';
import { CollectionStore } from './collection-store';
import { ConnectionManager } from './connection-manager';
import { importProfiles } from './profile-import';
import { EventHub } from './event-hub';
import type { BatcherOptions } from './message-batcher';
import { messagesToCsv, messagesToJson } from './message-store';
import { encodePcapng } from './pcapng';
import { ProfileStore } from './profile-store';
import { SidecarSupervisor } from './sidecar-supervisor';
import type { SecretCipher } from './secret-store';
import { checkKeylogPath } from './tls-keylog';
import { loadTlsMaterial } from './tls-material';

/** What a carrier needs from the backend. */
export interface Backend {
  dispatch: Dispatcher;
  events: EventHub;
  close(): Promise<void>;
}

/** Options for {@link createBackend}. */
export interface BackendOptions {
  configDir: string;
  batcher?: BatcherOptions;
  messageLimits?: RingBufferLimits;
  /** Seals stored passwords; file permissions only when absent (browser mode). */
  secretCipher?: SecretCipher;
  /** The built sidecar broker entry; without it the local broker commands say so. */
  sidecarScript?: string;
  /** Port the local broker asks for first. Default 1883. */
  sidecarPort?: number;
  /** WebSocket port the local broker asks for first. Default 8083. */
  sidecarWsPort?: number;
  /** A mosquitto.conf for the local broker (bridges included); default: $MQTT_DESK_BROKER_CONFIG, else none. */
  sidecarConfig?: string;
}

/** Name of the profile "Connect to local broker" keeps up to date. */
export const LOCAL_BROKER_PROFILE = 'Local broker connection';

/** Builds the backend; every contract command is implemented here. */
export function createBackend(options: BackendOptions): Backend {
  const events = new EventHub();
  // TLS files and PEM are checked at save time too, so a wrong path shows in the editor.
  const profiles = new ProfileStore(options.configDir, {
    verify: async (profile) => {
      if (profile.protocol === 'mqtts' || profile.protocol === 'wss') {
        await loadTlsMaterial(profile.tls);
        if (profile.tls.keylogFile) await checkKeylogPath(profile.tls.keylogFile);
      }
    },
    ...(options.secretCipher ? { cipher: options.secretCipher } : {}),
  });
  const collections = new CollectionStore(options.configDir);
  const connections = new ConnectionManager(events, {
    ...(options.batcher ? { batcher: options.batcher } : {}),
    ...(options.messageLimits ? { messageLimits: options.messageLimits } : {}),
  });

  const sidecarConfig = options.sidecarConfig ?? (process.env.MQTT_DESK_BROKER_CONFIG || undefined);
  const sidecar = options.sidecarScript
    ? new SidecarSupervisor({
        script: options.sidecarScript,
        ...(options.sidecarPort !== undefined ? { port: options.sidecarPort } : {}),
        ...(options.sidecarWsPort !== undefined ? { wsPort: options.sidecarWsPort } : {}),
        ...(sidecarConfig !== undefined ? { config: sidecarConfig } : {}),
        onState: (state) => events.emit('broker.state', state),
        onLog: (lines) => events.emit('broker.log', { lines }),
      })
    : undefined;
  const needSidecar = (): SidecarSupervisor => {
    if (!sidecar) throw new DeskError('INTERNAL', 'This build has no local broker');
    return sidecar;
  };

  // One page of a connection's or a broker client's captured packets, for packets.list and packets.page.
  const packetsPage = (connectionId: string, afterSeq?: number, limit?: number) =>
    brokerClientOf(connectionId) === undefined ? connections.packets(connectionId, afterSeq, limit) : brokerPacketsPage(needSidecar(), connectionId, afterSeq, limit);
  const handlers: CommandHandlers = {
    'profiles.list': () => profiles.list(),
    'profiles.save': async ({ profile }) => {
      const saved = await profiles.save(profile);
      // A connection open on this profile decodes with the new schemas from the next message on.
      connections.decoder(saved.id)?.setSchemas(saved.schemas);
      return saved;
    },
    'profiles.delete': ({ id }) => profiles.delete(id),
    'profiles.export': async ({ ids, includeSecrets }) => {
      const chosen = (await profiles.list()).filter((p) => !ids || ids.includes(p.id));
      return { json: JSON.stringify(exportProfiles(chosen, { includeSecrets, now: new Date() }), null, 2) + '\n', count: chosen.length };
    },
    'profiles.import': ({ json }) => importProfiles(json, profiles, collections),
    'collections.list': () => collections.list(),
    'collections.save': ({ collection }) => collections.save(collection),
    'collections.delete': ({ id }) => collections.delete(id),
    'collections.export': async ({ ids }) => {
      const chosen = (await collections.list()).filter((c) => !ids || ids.includes(c.id));
      return { json: JSON.stringify(exportCollections(chosen, new Date()), null, 2) + '\n', count: chosen.length };
    },
    'collections.import': async ({ json }) => {
      let parsed;
      try {
        parsed = parseCollectionsImport(json);
      } catch (error) {
        throw new DeskError('INVALID_ARGUMENTS', (error as Error).message, { json: (error as Error).message });
      }
      return { imported: await collections.addAll(parsed) };
    },
    'connections.list': async () => connections.list(),
    'broker.status': async () => {
      const supervisor = needSidecar();
      const stats = supervisor.state.status === 'running' ? ((await supervisor.query('stats').catch(() => null)) as BrokerStats | null) : null;
      return { state: supervisor.state, log: supervisor.log(), stats };
    },
    'broker.start': ({ port }) => needSidecar().start(port),
    'broker.stop': () => needSidecar().stop(),
    'broker.clients': async () => (await needSidecar().query('clients')) as BrokerClientInfo[],
    'broker.retained': async () => (await needSidecar().query('retained')) as BrokerRetainedInfo[],
    'broker.violations': async () => (await needSidecar().query('violations')) as BrokerViolation[],
    'broker.bridges': async () => (await needSidecar().query('bridges')) as BrokerBridgeInfo[],
    'broker.connectLocal': async () => {
      const state = await needSidecar().start();
      if (state.status !== 'running') throw new DeskError('INTERNAL', 'The local broker is not running');
      const existing = (await profiles.list()).find((p) => p.name === LOCAL_BROKER_PROFILE);
      const profile = await profiles.save({
        ...(existing ?? { name: LOCAL_BROKER_PROFILE, protocol: 'mqtt', mqttVersion: '5.0' }),
        host: state.host,
        port: state.port,
      });
      const live = connections.list().find((c) => c.connectionId === profile.id);
      if (live?.state.status === 'connected') return live;
      return connections.connect(profile);
    },
    'messages.get': async ({ connectionId, seq, maxBytes }) => connections.message(connectionId, seq, maxBytes),
    'messages.export': async ({ connectionId, format }) => {
      const all = connections.messages(connectionId);
      return format === 'csv'
        ? { text: messagesToCsv(all), count: all.length, mimeType: 'text/csv' }
        : { text: messagesToJson(all), count: all.length, mimeType: 'application/json' };
    },
    'messages.clear': async ({ connectionId }) => connections.clearMessages(connectionId),
    'packets.list': async ({ connectionId, afterSeq, limit }) => packetsPage(connectionId, afterSeq, limit),
    'packets.page': async ({ connectionId, afterSeq, limit }) => encodePacketPage(await packetsPage(connectionId, afterSeq, limit)),
    'packets.export': async ({ connectionId }) => {
      const packets = brokerClientOf(connectionId) === undefined ? connections.allPackets(connectionId) : await allBrokerPackets(needSidecar(), connectionId);
      const data = encodePcapng(packets, { comment: `MQTT Desk capture of ${connectionId}` });
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), count: packets.length, fileName: `mqtt-desk-${connectionId.slice(0, 8).replace(/[^\w-]/g, '-')}.pcapng` };
    },
    'packets.clear': async ({ connectionId }) => (brokerClientOf(connectionId) === undefined ? connections.clearPackets(connectionId) : clearBrokerPackets(needSidecar(), connectionId)),
    'connections.connect': async ({ profileId }) => connections.connect(await profiles.get(profileId)),
    'connections.disconnect': ({ connectionId }) => connections.disconnect(connectionId),
    'subscriptions.subscribe': ({ connectionId, filter, qos, options }) => connections.subscribe(connectionId, filter, qos, options),
    'subscriptions.unsubscribe': ({ connectionId, filter }) => connections.unsubscribe(connectionId, filter),
    'messages.publish': ({ connectionId, ...message }) => connections.publish(connectionId, message),
    'payloads.encode': async ({ connectionId, topic, json, as }) => {
      const decoder = connections.decoder(connectionId) ?? new PayloadDecoder((await profiles.get(connectionId)).schemas);
      try {
        return decoder.encode(topic, json, as);
      } catch (error) {
        throw new DeskError('INVALID_ARGUMENTS', (error as Error).message, { payload: (error as Error).message });
      }
    },
  };

  return {
    dispatch: createDispatcher(handlers),
    events,
    close: async () => {
      await connections.closeAll();
      await sidecar?.stop();
    },
  };
}
