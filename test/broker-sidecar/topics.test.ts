/**
 * Topic names and filters end to end, over real sockets: what a PUBLISH's topic matches,
 * for ASCII topics (decoded by the fast path, fast-decode.ts) and UTF-8 ones (strictly
 * checked, then mqtt-packet), and that remembered matches follow every subscribe and
 * unsubscribe. Invalid topics closing the connection are in malformed.test.ts.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
let publisher: MqttClient;

beforeAll(async () => {
  running = await startBroker();
  publisher = await mqttClient(running.port, { clientId: 'topics-pub', protocolVersion: 5 });
});
afterAll(async () => {
  await endAll(publisher);
  await running.stop();
});

describe.each([4, 5] as const)('topics, MQTT %i subscriber', (version) => {
  it('delivers UTF-8 topics intact, matched level by level like ASCII ones', async () => {
    const sub = await mqttClient(running.port, { clientId: `utf8-${version}`, protocolVersion: version });
    const inbox = collect(sub);
    await sub.subscribeAsync([`température/+/€-${version}`, `😀/#`], { qos: 1 });
    const topics = [`température/salle/€-${version}`, `température//€-${version}`, `😀/日本/${version}`, `😀`];
    for (const topic of topics) await publisher.publishAsync(topic, topic, { qos: 1 });
    const got = await inbox.waitFor(topics.length);
    expect(got.map((m) => [m.topic, m.payload])).toEqual(topics.map((t) => [t, t]));
    await endAll(sub);
  });

  it("matches '+' to an empty level and 'a/#' to 'a' itself, and keeps '$' topics from leading wildcards", async () => {
    const sub = await mqttClient(running.port, { clientId: `ascii-${version}`, protocolVersion: version });
    const inbox = collect(sub);
    await sub.subscribeAsync([`v${version}/+/end`, `w${version}/#`, '+/never-dollar'], { qos: 0 });
    await publisher.publishAsync('$dollar/never-dollar', 'no', { qos: 1 }); // [MQTT-4.7.2-1]
    for (const topic of [`v${version}//end`, `w${version}`, `w${version}/x/y`]) await publisher.publishAsync(topic, topic, { qos: 1 });
    await publisher.publishAsync(`w${version}/marker`, 'marker', { qos: 0 });
    const got = await inbox.until(`w${version}/marker`);
    expect(got.map((m) => m.topic)).toEqual([`v${version}//end`, `w${version}`, `w${version}/x/y`]);
    await endAll(sub);
  });

  it('sends a topic it has routed before to a subscriber that arrives later, and stops after unsubscribe', async () => {
    const topic = `repeat/${version}`;
    const early = await mqttClient(running.port, { clientId: `early-${version}`, protocolVersion: version });
    const earlyInbox = collect(early);
    await early.subscribeAsync([topic, `ctl/early-${version}`], { qos: 1 });
    await publisher.publishAsync(topic, 'one', { qos: 1 });
    await earlyInbox.waitFor(1);

    const late = await mqttClient(running.port, { clientId: `late-${version}`, protocolVersion: version });
    const lateInbox = collect(late);
    await late.subscribeAsync('repeat/+', { qos: 1 });
    await publisher.publishAsync(topic, 'two', { qos: 1 });
    expect((await lateInbox.waitFor(1)).map((m) => m.payload)).toEqual(['two']);

    await early.unsubscribeAsync(topic);
    await publisher.publishAsync(topic, 'three', { qos: 1 });
    await lateInbox.waitFor(2);
    await publisher.publishAsync(`ctl/early-${version}`, 'marker', { qos: 0 });
    expect((await earlyInbox.until(`ctl/early-${version}`)).map((m) => m.payload)).toEqual(['one', 'two']);
    expect(lateInbox.messages.map((m) => m.payload)).toEqual(['two', 'three']);
    await endAll(early, late);
  });
});
