/**
 * `mqtt-desk sub`'s flows beside mosquitto_sub's, against mosquitto and the sidecar: -E,
 * -W, -R, --retained-only and --remove-retained with live messages, -L, MQTT 5 live
 * properties (%E, %S), refused connections (socket, v3 and v5 CONNACK), and SIGINT with
 * its DISCONNECT. Live messages go out once both subscribers said "Subscribed" (-d), so no
 * sleep decides anything; stdout, stderr and exit code are compared byte for byte.
 */

import { rmSync } from 'node:fs';
import { connectAsync, type IClientPublishOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfigured, tempDir, type ConfiguredBroker } from '../../helpers/broker-config';
import { asDesk, FROZEN_TIME, runTool, startTool, untilOutput, type StartedTool, type ToolRun } from '../../helpers/desk-cli';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto';

let dir: string;
let mosquitto: Mosquitto;
let closedMosquitto: Mosquitto;
let sidecar: ConfiguredBroker;
let closedSidecar: ConfiguredBroker;
const targets: Array<{ name: string; port: number; closed: number }> = [];

async function publish(port: number, topic: string, payload: string, options: IClientPublishOptions = {}, version: 4 | 5 = 5): Promise<void> {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: version, reconnectPeriod: 0 });
  await client.publishAsync(topic, payload, options);
  await client.endAsync();
}

beforeAll(async () => {
  dir = tempDir('mqtt-desk-sub-command-');
  mosquitto = await startMosquitto();
  closedMosquitto = await startMosquitto(['allow_anonymous false']);
  const [open, closed] = await Promise.all([freePort(), freePort()]);
  sidecar = await startConfigured(dir, ['allow_anonymous true', `listener ${open} 127.0.0.1`]);
  closedSidecar = await startConfigured(dir, ['allow_anonymous false', `listener ${closed} 127.0.0.1`]);
  targets.push({ name: 'mosquitto', port: mosquitto.port, closed: closedMosquitto.port }, { name: 'sidecar', port: open, closed });
  for (const t of targets) {
    await publish(t.port, 'ret/a', 'retained a', { retain: true, qos: 1 });
    await publish(t.port, 'ret/b', 'retained b', { retain: true });
    await publish(t.port, 'live/old', 'stale', { retain: true });
  }
}, 30_000);

afterAll(async () => {
  await mosquitto?.stop();
  await closedMosquitto?.stop();
  await sidecar?.stop();
  await closedSidecar?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const assigned = (text: string) => text.replace(/auto-[0-9A-Fa-f-]{16,36}/g, 'auto-<assigned>');

function expectSame(theirs: ToolRun, ours: ToolRun): void {
  expect({ code: ours.code, stderr: ours.stderr, stdout: assigned(ours.stdout.toString('latin1')) }).toEqual({
    code: theirs.code,
    stderr: asDesk(theirs.stderr),
    stdout: assigned(theirs.stdout.toString('latin1')),
  });
}

async function both(args: string[]): Promise<[ToolRun, ToolRun]> {
  return Promise.all([runTool('mosquitto_sub', args, { env: FROZEN_TIME }), runTool('mqtt-desk', ['sub', ...args], { env: FROZEN_TIME })]);
}

/**
 * Starts both with -d, waits until both are subscribed, runs `act`, then waits for both to
 * end. (Without -i: two clients with one ID would take each other's session over.)
 */
async function live(args: string[], act: (tools: StartedTool[]) => Promise<void>): Promise<[ToolRun, ToolRun]> {
  const tools = [await startTool('mosquitto_sub', ['-d', ...args], { env: FROZEN_TIME, lineBuffered: true }), await startTool('mqtt-desk', ['sub', '-d', ...args], { env: FROZEN_TIME })];
  try {
    for (const tool of tools) await untilOutput(tool, (out) => out.includes('Subscribed (mid:'), 'subscribed');
    await act(tools);
    return [await tools[0]!.done, await tools[1]!.done];
  } finally {
    for (const tool of tools) if (tool.child.exitCode === null && tool.child.signalCode === null) tool.child.kill('SIGKILL');
  }
}

describe.each([0, 1])('mqtt-desk sub and mosquitto_sub, broker %#', (index) => {
  const target = () => targets[index]!;
  const port = () => ['-p', String(target().port)];

  it('-E leaves once the SUBACK is in', async () => {
    const [theirs, ours] = await both([...port(), '-t', 'nothing/here', '-E', '-d', '-i', 'e-flag']);
    expectSame(theirs, ours);
    expect(ours.code).toBe(0);
  });

  it('-W ends a quiet subscription with "Timed out" and exit code 27', async () => {
    const [theirs, ours] = await both([...port(), '-t', 'nothing/here', '-W', '1']);
    expectSame(theirs, ours);
    expect(ours.code).toBe(27);
  });

  it('-R skips the retained message and prints the live one', async () => {
    const [theirs, ours] = await live([...port(), '-t', 'live/#', '-R', '-C', '1', '-v'], () => publish(target().port, 'live/new', 'fresh'));
    expectSame(theirs, ours);
    expect(ours.stdout.toString()).toContain('live/new fresh');
  });

  it('--retained-only prints the retained messages and stops at the first live one', async () => {
    const [theirs, ours] = await live([...port(), '-t', 'ret/#', '--retained-only', '-v'], async (tools) => {
      for (const tool of tools) await untilOutput(tool, (out) => out.includes('ret/b retained b'), 'both retained');
      await publish(target().port, 'ret/live', 'not retained');
    });
    expectSame(theirs, ours);
    expect(ours.code).toBe(0);
  });

  it('-L reads host, port and topic from a URL', async () => {
    const [theirs, ours] = await both(['-L', `mqtt://127.0.0.1:${target().port}/ret/a`, '-C', '1', '-v']);
    expectSame(theirs, ours);
    expect(ours.stdout.toString()).toBe('ret/a retained a\n');
  });

  it('prints live MQTT 5 properties: message expiry, subscription identifier, user properties', async () => {
    const args = [...port(), '-V', '5', '-t', 'props/#', '-D', 'subscribe', 'subscription-identifier', '7', '-C', '1', '-F', '%E|%S|%C|%P|%F|%05S|%-4E|'];
    const [theirs, ours] = await live(args, () =>
      publish(target().port, 'props/x', 'p', { properties: { messageExpiryInterval: 3600, contentType: 'c/t', userProperties: { k: 'v' }, payloadFormatIndicator: false } }),
    );
    expectSame(theirs, ours);
    expect(ours.stdout.toString()).toMatch(/^\d+\|7\|c\/t\|k:v\|0\|00007\|/m);
  });

  it('SIGINT after the CONNACK sends DISCONNECT with reason 4 (the will goes out) and exits 0', async () => {
    // The wills go to a topic neither tool subscribes to: interrupted together, either could
    // otherwise print the other's will before its own DISCONNECT. A watcher sees both go out.
    const watcher = await connectAsync(`mqtt://127.0.0.1:${target().port}`, { protocolVersion: 5, reconnectPeriod: 0 });
    const wills: string[] = [];
    watcher.on('message', (_topic, payload) => wills.push(payload.toString()));
    await watcher.subscribeAsync('sig-will/#');
    try {
      const args = [...port(), '-V', '5', '-t', 'sig/#', '--will-topic', 'sig-will/gone', '--will-payload', 'gone'];
      const [theirs, ours] = await live(args, async (tools) => {
        for (const tool of tools) process.kill(tool.child.pid!, 'SIGINT');
      });
      expectSame(theirs, ours);
      expect(ours.code).toBe(0);
      await expect.poll(() => wills, { timeout: 5000 }).toEqual(['gone', 'gone']);
    } finally {
      await watcher.endAsync();
    }
  });

  it('a refused socket: "Error: Connection refused", exit code 1', async () => {
    const closed = await freePort();
    const [theirs, ours] = await both(['-p', String(closed), '-t', 'a', '-d']);
    expectSame(theirs, ours);
    expect(ours.code).toBe(1);
  });

  it.each([
    ['3.1.1', ['-V', 'mqttv311']],
    ['5', ['-V', 'mqttv5']],
    ['3.1', ['-V', 'mqttv31', '-i', 'v31']],
  ])('a refused MQTT %s CONNACK: the reason and its code as the exit code', async (_v, version) => {
    const [theirs, ours] = await both(['-p', String(target().closed), '-t', 'a', '-d', ...version]);
    expectSame(theirs, ours);
    expect(ours.code).not.toBe(0);
  });
});

describe('--remove-retained', () => {
  it('clears what it receives, as mosquitto_sub does', async () => {
    for (const target of targets) {
      const runs: ToolRun[] = [];
      for (const command of ['mosquitto_sub', 'mqtt-desk']) {
        await publish(target.port, 'rm/1', 'one', { retain: true, qos: 1 });
        await publish(target.port, 'rm/2', 'two', { retain: true });
        const args = ['-p', String(target.port), '-t', 'rm/#', '--remove-retained', '-W', '2', '-v', '-d', '-i', 'rm'];
        runs.push(await runTool(command, command === 'mqtt-desk' ? ['sub', ...args] : args, { env: FROZEN_TIME }));
        // Nothing retained is left: a later subscriber only times out.
        const after = await runTool(command, [...(command === 'mqtt-desk' ? ['sub'] : []), '-p', String(target.port), '-t', 'rm/#', '-W', '1']);
        expect(after, `${command} on ${target.name}`).toMatchObject({ code: 27, stderr: 'Timed out\n' });
      }
      expectSame(runs[0]!, runs[1]!);
    }
  }, 60_000);

  it('with -C, leaves once the removals are acknowledged (mosquitto_sub 2.0.11 never leaves then)', async () => {
    const target = targets[0]!;
    await publish(target.port, 'rm/1', 'one', { retain: true, qos: 1 });
    const ours = await runTool('mqtt-desk', ['sub', '-p', String(target.port), '-t', 'rm/#', '--remove-retained', '-C', '1', '-d', '-i', 'rm-c']);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toMatch(/sending PUBLISH \(d0, q1, r1, m2, 'rm\/1', \.\.\. \(0 bytes\)\)\none\n[\s\S]*received PUBACK \(Mid: 2, RC:0\)\nClient rm-c sending DISCONNECT\n$/);
  });
});
