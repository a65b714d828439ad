/** A TCP pass-through whose connections a test can cut, to kill a client's link abruptly. */

import net, { type AddressInfo } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  port: number;
  /** Destroys every open connection at once (no DISCONNECT reaches the broker). */
  cut(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port (or on `port`) in front of `targetPort`. */
export async function startTcpProxy(targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
