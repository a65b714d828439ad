import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IAuthPacket, IConnackPacket, IConnectPacket } from 'mqtt-packet';
import type { AuthRequest, AuthStepResult } from '../../broker-sidecar/authenticator';
import { RawClient, sleep, startBroker, type RunningBroker } from '../helpers/broker-harness';

let plain: RunningBroker;
let enhanced: RunningBroker;
const steps: AuthRequest[] = [];
const raws: RawClient[] = [];

/** A toy challenge-response: CONNECT says "hello", we ask "prove", the client answers "secret". */
async function toyAuth(request: AuthRequest): Promise<AuthStepResult> {
  steps.push(request);
  await sleep(5); // the hook may be async; packets behind it must wait
  if (request.method !== 'TOY') return { kind: 'fail', reasonCode: 0x8c, reason: `unknown method ${request.method}` };
  const data = request.data?.toString();
  if (request.step === 'connect' || request.step === 'reauthenticate') return data === 'hello' ? { kind: 'continue', data: Buffer.from('prove') } : { kind: 'fail', reason: 'say hello' };
  return data === 'secret' ? { kind: 'success', data: Buffer.from('welcome') } : { kind: 'fail', reasonCode: 0x87, reason: 'wrong answer' };
}

function connectPacket(clientId: string, properties: IConnectPacket['properties']): IConnectPacket {
  return { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, clean: true, keepalive: 10, properties };
}

async function open(broker: RunningBroker): Promise<RawClient> {
  const c = await RawClient.open(broker.port, 5);
  raws.push(c);
  return c;
}

function auth(reasonCode: number, data: string, method = 'TOY'): IAuthPacket {
  return { cmd: 'auth', reasonCode, properties: { authenticationMethod: method, authenticationData: Buffer.from(data) } };
}

beforeAll(async () => {
  plain = await startBroker({ authenticator: { authenticate: () => ({ ok: true }), authorizePublish: (_id, topic) => !topic.startsWith('deny/') } });
  enhanced = await startBroker({ authenticator: { authenticate: () => ({ ok: false, reason: 'not-authorized' }), auth: toyAuth } });
});
afterEach(() => {
  for (const c of raws.splice(0)) c.destroy();
  steps.length = 0;
});
afterAll(async () => {
  await Promise.all([plain.stop(), enhanced.stop()]);
});

describe('without an auth hook', () => {
  it('refuses an Authentication Method with CONNACK 0x8C and a Reason String, then closes', async () => {
    const c = await open(plain);
    c.send(connectPacket('no-hook', { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('x') }));
    await c.waitClosed();
    const reason = Buffer.from("[MQTT-4.12.0-1] Authentication Method 'SCRAM-SHA-1' is not supported");
    // CONNACK: flags 0, reason 0x8C, properties = Reason String (0x1F, length, text).
    expect(c.bytes()).toEqual(Buffer.concat([Buffer.from([0x20, 6 + reason.length, 0x00, 0x8c, 3 + reason.length, 0x1f, 0x00, reason.length]), reason]));
  });

  it('answers AUTH from a client that started no enhanced authentication with DISCONNECT 0x82', async () => {
    const c = await RawClient.connected(plain.port, 'stray-auth', 5);
    raws.push(c);
    c.send(auth(0x19, 'x'));
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
    await c.waitClosed();
  });
});

describe('with an auth hook', () => {
  it('runs a challenge-response exchange and accepts with the method and final data in CONNACK', async () => {
    const c = await open(enhanced);
    c.send(connectPacket('toy-ok', { authenticationMethod: 'TOY', authenticationData: Buffer.from('hello') }));
    const challenge = (await c.next()) as IAuthPacket;
    expect(challenge).toMatchObject({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'TOY', authenticationData: Buffer.from('prove') } });
    c.send(auth(0x18, 'secret'));
    const connack = (await c.next()) as IConnackPacket;
    expect(connack).toMatchObject({ cmd: 'connack', reasonCode: 0, properties: expect.objectContaining({ authenticationMethod: 'TOY', authenticationData: Buffer.from('welcome') }) });
    expect(steps.map((s) => [s.step, s.clientId, s.data?.toString()])).toEqual([
      ['connect', 'toy-ok', 'hello'],
      ['continue', 'toy-ok', 'secret'],
    ]);
    expect(enhanced.broker.online('toy-ok')).toBeDefined();
  });

  it('refuses a wrong answer with the reason code and Reason String the hook chose', async () => {
    const c = await open(enhanced);
    c.send(connectPacket('toy-wrong', { authenticationMethod: 'TOY', authenticationData: Buffer.from('hello') }));
    await c.next();
    c.send(auth(0x18, 'guess'));
    expect(await c.next()).toMatchObject({ cmd: 'connack', reasonCode: 0x87, properties: { reasonString: 'wrong answer' } });
    await c.waitClosed();
    expect(enhanced.broker.online('toy-wrong')).toBeUndefined();
  });

  it('treats an AUTH with another method, or a non-AUTH packet, during the exchange as a protocol error', async () => {
    const a = await open(enhanced);
    a.send(connectPacket('toy-method', { authenticationMethod: 'TOY', authenticationData: Buffer.from('hello') }));
    await a.next();
    a.send(auth(0x18, 'secret', 'OTHER'));
    expect(await a.next()).toMatchObject({ cmd: 'connack', reasonCode: 0x82 });
    const b = await open(enhanced);
    b.send(connectPacket('toy-early', { authenticationMethod: 'TOY', authenticationData: Buffer.from('hello') }));
    await b.next();
    b.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 0 }] });
    expect(await b.next()).toMatchObject({ cmd: 'connack', reasonCode: 0x82 });
    await b.waitClosed();
  });

  it('re-authenticates a connected client with AUTH 0x19, ending in AUTH 0x00', async () => {
    const c = await open(enhanced);
    c.send(connectPacket('toy-re', { authenticationMethod: 'TOY', authenticationData: Buffer.from('hello') }));
    await c.next();
    c.send(auth(0x18, 'secret'));
    await c.next();
    c.send(auth(0x19, 'hello'));
    expect(await c.next()).toMatchObject({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationData: Buffer.from('prove') } });
    c.send(auth(0x18, 'secret'));
    expect(await c.next()).toMatchObject({ cmd: 'auth', reasonCode: 0x00, properties: { authenticationMethod: 'TOY' } });
    c.send(auth(0x19, 'bye'));
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x87, properties: { reasonString: 'say hello' } });
    await c.waitClosed();
  });
});

describe('Reason Strings and Request Problem Information', () => {
  it('explains a refused PUBLISH in PUBACK, unless the client set Request Problem Information to 0', async () => {
    const talkative = await RawClient.connected(plain.port, 'rpi-1', 5);
    const quiet = await RawClient.connected(plain.port, 'rpi-0', 5, { properties: { requestProblemInformation: false } });
    raws.push(talkative, quiet);
    for (const c of [talkative, quiet]) c.send({ cmd: 'publish', topic: 'deny/x', payload: Buffer.from('x'), qos: 1, messageId: 7, dup: false, retain: false });
    expect(await talkative.next()).toMatchObject({ cmd: 'puback', messageId: 7, reasonCode: 0x87, properties: { reasonString: "not authorized to publish to 'deny/x'" } });
    await quiet.next();
    expect(quiet.bytes().subarray(-6)).toEqual(Buffer.from([0x40, 0x04, 0x00, 0x07, 0x87, 0x00])); // no properties at all [MQTT-3.1.2-29]
    // DISCONNECT MAY carry one anyway; the broker names the rule only to clients that asked for problem information.
    for (const c of [talkative, quiet]) c.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 99 } });
    expect(await talkative.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x94, properties: { reasonString: '[MQTT-3.3.2-9] topic alias 99 outside 1..10' } });
    await quiet.waitClosed();
    expect(quiet.bytes().subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x94, 0x00]));
  });
});
