import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBroker } from '../../broker-sidecar/broker';
import { runClient, startConfigured, tempDir, type ConfiguredBroker } from '../helpers/broker-config';
import { endAll, withTimeout } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { startPair, type BrokerPair } from '../helpers/mosquitto-conf';

// Where and how listeners listen: Unix sockets, socket_domain and bind_interface (with
// mosquitto beside, through mosquitto_pub); the websockets extras http_dir,
// websockets_headers_size and websockets_log_level (Debian's mosquitto cannot open websockets
// listeners in this sandbox, so these run against our broker only); set_tcp_nodelay.

let dir: string;
beforeAll(() => {
  dir = tempDir('mqtt-desk-config-transports-');
  chmodSync(dir, 0o777); // mosquitto's user creates its Unix socket here
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('where listeners listen, with mosquitto beside', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(
      dir,
      [
        'listener {P1}',
        'socket_domain ipv6',
        'allow_anonymous true',
        'listener {P2}',
        'socket_domain ipv4',
        'allow_anonymous true',
        'listener {P3}',
        'bind_interface lo',
        'allow_anonymous true',
        `listener 0 ${dir}/{SIDE}.sock`,
        'allow_anonymous true',
      ],
      3,
    );
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('socket_domain ipv6 and ipv4 bind one address family each; bind_interface lo binds the loopback addresses only', async () => {
    const outcome = {
      ours: await Promise.all([reachable('::1', pair.ours[0]!), reachable('127.0.0.1', pair.ours[0]!), reachable('127.0.0.1', pair.ours[1]!), reachable('::1', pair.ours[1]!), reachable('127.0.0.1', pair.ours[2]!)]),
      mosquitto: await Promise.all([
        reachable('::1', pair.mosquitto[0]!),
        reachable('127.0.0.1', pair.mosquitto[0]!),
        reachable('127.0.0.1', pair.mosquitto[1]!),
        reachable('::1', pair.mosquitto[1]!),
        reachable('127.0.0.1', pair.mosquitto[2]!),
      ]),
    };
    expect(outcome.ours).toEqual([true, false, true, false, true]);
    expect(outcome.mosquitto).toEqual(outcome.ours);
    // The loopback interface has no other address: nothing else reaches the bind_interface listener.
    const other = Object.values((await import('node:os')).networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (other) expect(await reachable(other, pair.ours[2]!)).toBe(false);
  });

  it('serves MQTT on a Unix socket (listener 0 PATH), for mosquitto_pub --unix', async () => {
    const outcome = { ours: '', mosquitto: '' };
    for (const side of ['ours', 'mosquitto'] as const) {
      const socket = path.join(dir, `${side}.sock`);
      const sub = runClient('mosquitto_sub', ['--unix', socket, '-t', 'unix/#', '-C', '1', '-W', '5', '-v']);
      await withTimeout(
        (async () => {
          for (;;) {
            const pub = await runClient('mosquitto_pub', ['--unix', socket, '-t', 'unix/t', '-m', side, '-q', '1']);
            if (pub.code !== 0) throw new Error(pub.stderr);
            const got = await Promise.race([sub, new Promise<undefined>((r) => setTimeout(r, 200))]);
            if (got) return (outcome[side] = got.stdout);
          }
        })(),
        6000,
        `a message over ${side}'s Unix socket`,
      );
    }
    expect(outcome).toEqual({ ours: 'unix/t ours\n', mosquitto: 'unix/t mosquitto\n' });
  });

  it('refuses to start with a bind_interface that does not exist', async () => {
    const port = await freePort();
    await expect(startConfigured(dir, [`listener ${port}`, 'bind_interface no-such-if0', 'allow_anonymous true'])).rejects.toThrow('bind_interface no-such-if0: no such network interface');
  });
});

describe('websockets listeners: http_dir, websockets_headers_size, websockets_log_level', () => {
  let running: ConfiguredBroker;
  let www: string;
  beforeAll(async () => {
    www = path.join(dir, 'www');
    mkdirSync(path.join(www, 'app'), { recursive: true });
    writeFileSync(path.join(www, 'index.html'), '<h1>desk</h1>');
    writeFileSync(path.join(www, 'app', 'main.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside http_dir');
    symlinkSync(path.join(dir, 'secret.txt'), path.join(www, 'link.txt'));
    const [withFiles, bare] = [await freePort(), await freePort()];
    running = await startConfigured(dir, [
      'log_type all',
      'websockets_log_level 12',
      'websockets_headers_size 2048',
      `listener ${withFiles} 127.0.0.1`,
      'protocol websockets',
      'http_dir www',
      'allow_anonymous true',
      `listener ${bare} 127.0.0.1`,
      'protocol websockets',
      'allow_anonymous true',
    ]);
  }, 20_000);
  afterAll(async () => {
    await running?.stop();
  });

  /** A plain HTTP GET: status, content type and body. */
  function get(port: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: url, headers }, (response) => {
        let body = '';
        response.on('data', (d) => (body += d));
        response.on('end', () => resolve({ status: response.statusCode!, type: response.headers['content-type'], body }));
      });
      request.on('error', reject);
    });
  }

  it('serves http_dir files (/ is index.html) and nothing outside it; 404 without http_dir', async () => {
    const [withFiles, bare] = running.ports;
    expect(await get(withFiles!, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>desk</h1>' });
    expect(await get(withFiles!, '/app/main.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log(1)' });
    expect(await get(withFiles!, '/missing.html')).toMatchObject({ status: 404 });
    // Climbing out resolves to /secret.txt inside www, which is not there.
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2f..%2fsecret.txt']) expect(await get(withFiles!, url)).toMatchObject({ status: 404 });
    expect(await get(withFiles!, '/link.txt')).toMatchObject({ status: 403 }); // a link out of the folder
    expect(await get(bare!, '/')).toMatchObject({ status: 404 });
  });

  it('still speaks MQTT on /mqtt next to the files', async () => {
    const client = await withTimeout(connectAsync(`ws://127.0.0.1:${running.ports[0]}/mqtt`, { reconnectPeriod: 0, clientId: 'ws-files' }), 4000, 'ws connect');
    expect(client.connected).toBe(true);
    await endAll(client);
  });

  it('refuses request headers larger than websockets_headers_size (431)', async () => {
    expect(await get(running.ports[0]!, '/', { 'x-big': 'y'.repeat(4000) })).toMatchObject({ status: 431 });
    expect(await get(running.ports[0]!, '/', { 'x-small': 'y'.repeat(1000) })).toMatchObject({ status: 200 });
  });

  it('logs websockets lines (category websockets) for the bits of websockets_log_level: 4 connections, 8 requests', async () => {
    const client = await withTimeout(connectAsync(`ws://127.0.0.1:${running.ports[0]}/mqtt`, { reconnectPeriod: 0, clientId: 'ws-logged' }), 4000, 'ws connect');
    await endAll(client);
    await get(running.ports[0]!, '/app/main.js');
    const lines = running.log.filter((e) => e.category === 'websockets').map((e) => e.message);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^WebSocket connection from 127\.0\.0\.1:\d+ on \/mqtt \(mqtt\)\.$/), expect.stringMatching(/^HTTP GET \/app\/main\.js from 127\.0\.0\.1:\d+: 200\.$/)]));
  });
});

describe('set_tcp_nodelay', () => {
  it('sets TCP_NODELAY on accepted sockets only when asked (mosquitto.conf default: off)', async () => {
    const spy = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const broker = createBroker();
    try {
      for (const noDelay of [false, true]) {
        const port = await broker.listenOn({ kind: 'tcp', port: 0, noDelay });
        spy.mockClear();
        const accepted = new Promise<void>((resolve) => broker.events.on('log', (e) => e.message.startsWith('New connection') && resolve()));
        const socket = net.connect(port, '127.0.0.1');
        await withTimeout(accepted, 3000, 'the broker to accept');
        expect(spy.mock.calls.map((c) => c[0])).toContain(noDelay);
        expect(spy.mock.calls.map((c) => c[0])).not.toContain(!noDelay);
        socket.destroy();
      }
    } finally {
      spy.mockRestore();
      await broker.close();
    }
  });
});
