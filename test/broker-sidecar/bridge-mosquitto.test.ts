import { describe, expect, it } from 'vitest';
import { bridgeTestRuns } from '../helpers/bridge';
import { collect, endAll, mqttClient, startBroker } from '../helpers/broker-harness';
import { until } from '../helpers/wait';

// Bridges with Debian's mosquitto as the real peer: the sidecar bridging out to mosquitto,
// and mosquitto bridging into the sidecar, with both bridge protocols, prefix remapping,
// and proof that nothing loops (every check of absence is by ordering: a marker sent after
// the thing that must not happen arrives, and nothing unwanted arrived before it).

const { mosquitto, sidecar, track } = bridgeTestRuns();

describe.each([
  ['mqttv311', 4],
  ['mqttv50', 5],
] as const)('sidecar bridging to mosquitto (%s)', (protocol, version) => {
  it('carries out, in and both topics with prefix remapping, and nothing loops', async () => {
    const remote = await mosquitto();
    const desk = await sidecar([
      'connection to-mosquitto',
      `address 127.0.0.1:${remote.port}`,
      `bridge_protocol_version ${protocol}`,
      `remote_clientid desk-${protocol}`,
      'restart_timeout 1',
      'topic sensors/# out 1 site/ hq/site1/',
      'topic commands/# in 2 site/ hq/site1/',
      'topic chat/# both 1',
    ]);
    await desk.waitFor('to-mosquitto', 'connected');
    const local = await mqttClient(desk.port, { clientId: `local-${protocol}`, protocolVersion: version });
    const far = await mqttClient(remote.port, { clientId: `far-${protocol}`, protocolVersion: version });
    const localInbox = collect(local);
    const farInbox = collect(far);
    await local.subscribeAsync({ 'site/commands/#': { qos: 2 }, 'chat/#': { qos: 1 } });
    await far.subscribeAsync(['hq/site1/sensors/#', 'chat/#'], { qos: 1 });

    await local.publishAsync('site/sensors/t1', '21.5', { qos: 1 });
    const [reading] = await farInbox.waitFor(1, 5000);
    expect([reading!.topic, reading!.payload, reading!.packet.qos]).toEqual(['hq/site1/sensors/t1', '21.5', 1]);

    await far.publishAsync('hq/site1/commands/valve', 'open', { qos: 2 });
    const [command] = await localInbox.waitFor(1, 5000);
    expect([command!.topic, command!.payload, command!.packet.qos]).toEqual(['site/commands/valve', 'open', 2]);

    // both: each side gets the other's message once, and its own message does not come back.
    await local.publishAsync('chat/a', 'from desk', { qos: 1 });
    await farInbox.waitFor(2, 5000);
    await far.publishAsync('chat/b', 'from hq', { qos: 1 });
    await localInbox.waitFor(3, 5000); // chat/a (own, direct) then chat/b
    await far.publishAsync('chat/end', 'marker', { qos: 1 });
    await localInbox.waitFor(4, 5000);
    expect(localInbox.messages.map((m) => `${m.topic} ${m.payload}`)).toEqual(['site/commands/valve open', 'chat/a from desk', 'chat/b from hq', 'chat/end marker']);
    await local.publishAsync('chat/end2', 'marker', { qos: 1 });
    await farInbox.waitFor(5, 5000);
    expect(farInbox.messages.map((m) => `${m.topic} ${m.payload}`)).toEqual([
      'hq/site1/sensors/t1 21.5',
      'chat/a from desk',
      'chat/b from hq',
      'chat/end marker',
      'chat/end2 marker',
    ]);
    const info = desk.bridge('to-mosquitto');
    expect([info.messagesOut, info.messagesIn, info.address]).toEqual([3, 3, `127.0.0.1:${remote.port}`]);
    await endAll(local, far);
  });

  it('publishes its state 1 on both sides and the remote gets 0 from its will when the bridge goes', async () => {
    const remote = await mosquitto();
    const desk = await sidecar([
      'connection notify',
      `address 127.0.0.1:${remote.port}`,
      `bridge_protocol_version ${protocol}`,
      'remote_clientid desk-notify',
      'topic x/# out 0',
    ]);
    await desk.waitFor('notify', 'connected');
    const topic = '$SYS/broker/connection/desk-notify/state';
    const local = await mqttClient(desk.port, { protocolVersion: version });
    const far = await mqttClient(remote.port, { protocolVersion: version });
    const localInbox = collect(local);
    const farInbox = collect(far);
    await local.subscribeAsync(topic, { qos: 1 });
    await far.subscribeAsync(topic, { qos: 1 });
    const [l] = await localInbox.waitFor(1, 5000);
    const [f] = await farInbox.waitFor(1, 5000);
    expect([l!.payload, l!.packet.retain, f!.payload, f!.packet.retain]).toEqual(['1', true, '1', true]);
    await desk.bridges.close(); // drops the socket: mosquitto publishes the will
    const [, gone] = await farInbox.waitFor(2, 5000);
    expect(gone!.payload).toBe('0');
    await endAll(local, far);
  });
});

describe('mosquitto bridging into the sidecar', () => {
  it.each(['mqttv311', 'mqttv50'])('carries both ways and never echoes back to the bridge (%s, try_private)', async (protocol) => {
    const desk = await startBroker();
    track(() => desk.stop());
    const remote = await mosquitto([
      'connection into-desk',
      `address 127.0.0.1:${desk.port}`,
      `bridge_protocol_version ${protocol}`,
      'remote_clientid mosq-bridge',
      'restart_timeout 1',
      'topic up/# out 1',
      'topic down/# in 1',
      'topic both/# both 1',
    ]);
    await until(() => desk.broker.online('mosq-bridge') !== undefined, 10_000, 'mosquitto bridge connected');
    if (protocol === 'mqttv311') expect(desk.broker.online('mosq-bridge')!.bridge).toBe(true); // the 0x80 bit was seen
    // mosquitto subscribes after CONNACK: wait for the in/both filters at the sidecar.
    await until(() => (desk.broker.options.sessions.get('mosq-bridge')?.subscriptions.size ?? 0) >= 2, 5000, 'bridge subscriptions');
    const ours = await mqttClient(desk.port, { clientId: 'ours' });
    const theirs = await mqttClient(remote.port, { clientId: 'theirs' });
    const ourInbox = collect(ours);
    const theirInbox = collect(theirs);
    await ours.subscribeAsync(['up/#', 'both/#'], { qos: 1 });
    await theirs.subscribeAsync(['down/#', 'both/#'], { qos: 1 });
    await theirs.publishAsync('up/1', 'm1', { qos: 1 });
    await ourInbox.waitFor(1, 5000);
    await ours.publishAsync('down/1', 'd1', { qos: 1 });
    await theirInbox.waitFor(1, 5000);
    await ours.publishAsync('both/1', 'b1', { qos: 1 });
    await theirInbox.waitFor(2, 5000);
    await theirs.publishAsync('both/end', 'marker', { qos: 1 });
    await ourInbox.waitFor(3, 5000);
    expect(ourInbox.messages.map((m) => `${m.topic} ${m.payload}`)).toEqual(['up/1 m1', 'both/1 b1', 'both/end marker']);
    expect(theirInbox.messages.map((m) => `${m.topic} ${m.payload}`)).toEqual(['down/1 d1', 'both/1 b1', 'both/end marker']);
    await endAll(ours, theirs);
    await remote.stop();
  });
});
