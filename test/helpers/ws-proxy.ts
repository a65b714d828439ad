/**
 * A WebSocket (ws/wss, path /mqtt, subprotocol mqtt) front for a TCP broker: Debian's
 * mosquitto cannot open websocket listeners on this machine, so ws and wss tests reach the
 * real mosquitto through this real WebSocket server.
 */

import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';

/** A running proxy. */
export interface WsProxy {
  port: number;
  /** The path of every WebSocket upgrade request, accepted or not, in order. */
  upgrades: string[];
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port; pass key/cert for wss. */
export async function startWsProxy(brokerPort: number, tls?: { key: string; cert: string }): Promise<WsProxy> {
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
  const wss = new WebSocketServer({ server, path: '/mqtt', handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  const sockets = new Set<net.Socket>();
  const upgrades: string[] = [];
  server.on('upgrade', (req: http.IncomingMessage) => upgrades.push(req.url ?? ''));
  wss.on('connection', (ws) => {
    const duplex = createWebSocketStream(ws);
    const tcp = net.connect(brokerPort, '127.0.0.1');
    sockets.add(tcp);
    tcp.on('close', () => sockets.delete(tcp));
    duplex.pipe(tcp).pipe(duplex);
    const end = () => {
      tcp.destroy();
      duplex.destroy();
    };
    duplex.on('error', end);
    tcp.on('error', end);
    duplex.on('close', end);
    tcp.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    upgrades,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
