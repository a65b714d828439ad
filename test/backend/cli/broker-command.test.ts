// `mqtt-desk broker`: the sidecar run as its own process with the options handed on; a
// client connects to it, a bad option ends it as it ends the broker itself, SIGTERM to mqtt-desk reaches the broker, which stops cleanly.
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runTool, startTool, untilOutput } from '../../helpers/desk-cli';
import { freePort } from '../../helpers/mosquitto';

describe('mqtt-desk broker', () => {
  it('runs the broker on the port given until SIGTERM', async () => {
    const port = await freePort();
    const broker = await startTool('mqtt-desk', ['broker', '-p', String(port)], { timeoutMs: 30_000 });
    try {
      await untilOutput(broker, (out) => out.includes(`listening on 127.0.0.1:${port}`), 'the broker listening', 20_000);
      const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, reconnectPeriod: 0 });
      await client.endAsync();
    } finally {
      process.kill(broker.child.pid!, 'SIGTERM');
    }
    const done = await broker.done;
    expect({ code: done.code, signal: done.signal }).toEqual({ code: 0, signal: null });
    expect(done.stdout.toString()).toMatch(/SIGTERM received, stopping\.[\s\S]*Broker stopped\./);
  }, 40_000);

  it('hands its options on: a bad one ends it as it ends the broker run directly', async () => {
    const ours = await runTool('mqtt-desk', ['broker', '--no-such-option']);
    const direct = await runTool(process.execPath, [path.resolve('dist/broker-sidecar/main.js'), '--no-such-option']);
    expect(ours.stderr).toMatch(/--no-such-option/);
    expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: direct.code, stderr: direct.stderr });
  });
});
