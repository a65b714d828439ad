// The raw test client must not mistake garbage for silence: a fake server on a free port
// answers with exact bytes, and the client's ordering helpers are checked against them.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishOn, RawClient } from '../helpers/broker-harness';

/** What the fake server sends back after it reads a PINGREQ, and whether it then closes. */
let reply: Buffer = Buffer.alloc(0);
let endAfterReply = false;
let server: net.Server;
let port: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      if (!chunk.includes(0xc0)) return;
      if (endAfterReply) socket.end(reply);
      else socket.write(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const PINGRESP = [0xd0, 0x00];
const PUBLISH_A = [0x30, 0x04, 0x00, 0x01, 0x61, 0x78]; // QoS 0 on 'a', payload 'x'

async function exchange(bytes: number[], end = false): Promise<RawClient> {
  reply = Buffer.from(bytes);
  endAfterReply = end;
  return RawClient.open(port);
}

describe('RawClient', () => {
  it('returns what arrived before the PINGRESP, whole frames cut across chunks', async () => {
    const c = await exchange([...PUBLISH_A, ...PINGRESP]);
    expect(await c.beforePingresp()).toEqual([expect.objectContaining({ cmd: 'publish', topic: 'a' })]);
    expect(c.byteCount).toBe(8);
    c.destroy();
  });

  it('returns nothing when the PINGRESP comes first, and keeps what follows it queued', async () => {
    const c = await exchange([...PINGRESP, ...PUBLISH_A]);
    expect(await c.beforePingresp()).toEqual([]);
    expect(await c.next()).toMatchObject({ cmd: 'publish', topic: 'a' });
    c.destroy();
  });

  it('waits for a control-topic marker', async () => {
    const c = await exchange([...PINGRESP, 0x30, 0x06, 0x00, 0x03, 0x63, 0x74, 0x6c, 0x6d, ...PUBLISH_A]);
    c.write([0xc0, 0x00]);
    expect(await c.until(publishOn('ctl'))).toEqual([expect.objectContaining({ cmd: 'pingresp' })]);
    expect(c.packets).toEqual([expect.objectContaining({ topic: 'a' })]);
    c.destroy();
  });

  it('fails on a frame that does not decode before the marker, instead of calling it silence', async () => {
    const c = await exchange([0x00, 0x00, ...PINGRESP]); // reserved packet type 0
    await expect(c.beforePingresp()).rejects.toThrow(/do not decode.*0000/);
    expect(c.undecodable).toHaveLength(1);
    c.destroy();
  });

  it('fails on a Remaining Length longer than 4 bytes', async () => {
    const c = await exchange([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, ...PINGRESP]);
    c.write([0xc0, 0x00]);
    await expect(c.next()).rejects.toThrow(/Remaining Length longer than 4 bytes/);
    c.destroy();
  });

  it('fails on a truncated frame left when the socket closes', async () => {
    const c = await exchange([0x30, 0x10, 0x00], true);
    c.write([0xc0, 0x00]);
    await c.waitClosed();
    await expect(c.next()).rejects.toThrow(/incomplete frame when the socket closed/);
  });
});
