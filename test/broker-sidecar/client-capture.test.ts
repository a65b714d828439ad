import { generate } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCapture } from '../../broker-sidecar/client-capture';
import { answerQuery } from '../../broker-sidecar/control-queries';
import type { BrokerPacketsPage, BrokerViolation } from '../../shared/broker-control';
import { RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
let capture: ClientCapture;

beforeAll(async () => {
  running = await startBroker();
  capture = new ClientCapture(running.broker.tap, { maxItems: 1000, maxBytes: 1024 * 1024 });
});
afterAll(async () => {
  capture.close();
  await running.stop();
});

const types = (page: BrokerPacketsPage): string[] => page.packets.map((p) => `${p.direction}:${p.hex.slice(0, 2)}`);

describe("the sidecar's capture of its clients' packets", () => {
  it("keeps each client's packets apart, in order, with the client's directions and its protocol level", async () => {
    const a = await RawClient.connected(running.port, 'cap-a', 5);
    const b = await RawClient.connected(running.port, 'cap-b', 4);
    a.send({ cmd: 'publish', topic: 'cap/x', payload: Buffer.from('1'), qos: 1, messageId: 3, dup: false, retain: false });
    expect(await a.next()).toMatchObject({ cmd: 'puback', messageId: 3 });
    b.send({ cmd: 'pingreq' });
    expect(await b.next()).toMatchObject({ cmd: 'pingresp' });
    const pageA = answerQuery(running.broker, { type: 'packets', client: 'cap-a', afterSeq: 0, limit: 100 }, capture) as BrokerPacketsPage;
    // 'out' is what the client sent: CONNECT, PUBLISH; 'in' what the broker sent it: CONNACK, PUBACK.
    expect(types(pageA)).toEqual(['out:10', 'in:20', 'out:32', 'in:40']);
    expect(pageA.protocolVersion).toBe(5);
    expect(pageA.packets[2]!.hex).toBe(generate({ cmd: 'publish', topic: 'cap/x', payload: Buffer.from('1'), qos: 1, messageId: 3, dup: false, retain: false }, { protocolVersion: 5 }).toString('hex'));
    const pageB = answerQuery(running.broker, { type: 'packets', client: 'cap-b', afterSeq: 0, limit: 100 }, capture) as BrokerPacketsPage;
    expect(types(pageB)).toEqual(['out:10', 'in:20', 'out:c0', 'in:d0']);
    expect(pageB.protocolVersion).toBe(4);
    // Numbered per client, without gaps, though the two clients' packets interleaved: the inspector looks packets up by number.
    expect(pageA.packets.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
    expect(pageB.packets.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
    // Pages: after a sequence number, at most `limit`, `more` when cut.
    const first = answerQuery(running.broker, { type: 'packets', client: 'cap-a', afterSeq: 0, limit: 2 }, capture) as BrokerPacketsPage;
    expect(first.more).toBe(true);
    const rest = answerQuery(running.broker, { type: 'packets', client: 'cap-a', afterSeq: first.packets[1]!.seq, limit: 100 }, capture) as BrokerPacketsPage;
    expect([...first.packets, ...rest.packets]).toEqual(pageA.packets);
    a.destroy();
    b.destroy();
  });

  it('keeps a refused packet under its client, and the violation with its bytes', async () => {
    const c = await RawClient.connected(running.port, 'cap-bad', 4);
    const bad = Buffer.from([0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x23]); // PUBLISH to 'a/#'
    c.write(bad);
    await c.waitClosed();
    const page = answerQuery(running.broker, { type: 'packets', client: 'cap-bad', afterSeq: 0, limit: 100 }, capture) as BrokerPacketsPage;
    expect(page.packets.at(-1)).toMatchObject({ direction: 'out', hex: bad.toString('hex') });
    const violations = answerQuery(running.broker, 'violations') as BrokerViolation[];
    expect(violations.at(-1)).toMatchObject({ clientId: 'cap-bad', client: 'cap-bad', rule: '[MQTT-3.3.2-2]', reasonCode: undefined, protocolVersion: 4, hex: bad.toString('hex'), size: bad.length });
  });

  it('files packets of a refused CONNECT under the client ID it named, or its address', async () => {
    const c = await RawClient.open(running.port, 4);
    // CONNECT 3.1.1 'cap-refused' with the Password Flag and no User Name Flag (mqtt-packet will not write it).
    c.write(Buffer.concat([Buffer.from([0x10, 0x1a, 0x00, 0x04]), Buffer.from('MQTT'), Buffer.from([0x04, 0x42, 0x00, 0x0a, 0x00, 0x0b]), Buffer.from('cap-refused'), Buffer.from([0x00, 0x01, 0x78])]));
    await c.waitClosed();
    expect(answerQuery(running.broker, 'violations')).toEqual(expect.arrayContaining([expect.objectContaining({ clientId: 'cap-refused', rule: '[MQTT-3.1.2-22]' })]));
    const anonymous = await RawClient.open(running.port, 4);
    const address = `127.0.0.1:${anonymous.socket.localPort}`;
    anonymous.write([0xc0, 0x00]); // PINGREQ first: not a CONNECT [MQTT-3.1.0-1]
    await anonymous.waitClosed();
    const page = answerQuery(running.broker, { type: 'packets', client: address, afterSeq: 0, limit: 10 }, capture) as BrokerPacketsPage;
    expect(types(page)).toEqual(['out:c0']);
  });

  it('forgets a client’s packets on request, and keeps the new ones', async () => {
    const c = await RawClient.connected(running.port, 'cap-clear', 4);
    expect(answerQuery(running.broker, { type: 'packets-clear', client: 'cap-clear' }, capture)).toEqual({ cleared: 2 });
    c.send({ cmd: 'pingreq' });
    await c.next();
    const page = answerQuery(running.broker, { type: 'packets', client: 'cap-clear', afterSeq: 0, limit: 10 }, capture) as BrokerPacketsPage;
    expect(types(page)).toEqual(['out:c0', 'in:d0']);
    c.destroy();
  });

  it('refuses packet questions when the sidecar keeps no capture', () => {
    expect(() => answerQuery(running.broker, { type: 'packets', client: 'x', afterSeq: 0, limit: 1 })).toThrow(/no packet capture/);
  });
});
