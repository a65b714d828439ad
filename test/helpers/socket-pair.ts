/** A connected pair of real TCP sockets on 127.0.0.1, for tests of the broker's socket level. */

import net from 'node:net';

/** `ours` is the accepted side, as the broker's sockets are; `peer` is the client's. */
export interface SocketPair {
  ours: net.Socket;
  peer: net.Socket;
  /** Destroys both sockets and closes the server. */
  close: () => void;
}

/** Listens on a free port, connects once and returns both ends. */
export async function socketPair(): Promise<SocketPair> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const peer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const ours = await accepted;
  return {
    ours,
    peer,
    close: () => {
      ours.destroy();
      peer.destroy();
      server.close();
    },
  };
}
