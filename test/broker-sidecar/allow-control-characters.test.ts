import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../broker-sidecar/cli';
import { parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import { bundleBrokerCli, startBrokerCli, type StartedCli } from '../helpers/broker-cli';
import { RawClient } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { connect } from './conformance/frames';

// Control characters (U+0001–U+001F, U+007F–U+009F) and noncharacters in strings are refused
// by default, as mosquitto 2.0 refuses them; --allow-control-characters and the mosquitto.conf
// extension `allow_control_characters true` let them through.

let dir: string;
let entry: string;
const started: StartedCli[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-controls-'));
  entry = await bundleBrokerCli(dir);
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** What the broker answers a 3.1.1 CONNECT whose client ID has U+0007 (BEL) in it. */
async function answerToBell(port: number): Promise<Buffer> {
  const c = await RawClient.open(port, 4);
  c.write(connect(4, { clientId: 'sensor\u0007bell' }));
  await c.next().catch(() => undefined);
  const bytes = c.bytes();
  c.destroy();
  return bytes;
}

describe('allow_control_characters', () => {
  it('is a command-line flag and a mosquitto.conf keyword (an MQTT Desk extension), off by default', () => {
    expect(parseCommand([])).toMatchObject({ allowControlCharacters: false });
    expect(parseCommand(['--allow-control-characters'])).toMatchObject({ allowControlCharacters: true });
    expect(parseMosquittoConf('listener 1883\n', 'm.conf').limits.allowControlCharacters).toBe(false);
    expect(parseMosquittoConf('allow_control_characters true\nlistener 1883\n', 'm.conf').limits.allowControlCharacters).toBe(true);
    expect(() => parseMosquittoConf('listener 1883\nallow_control_characters sometimes\n', 'm.conf')).toThrow(/m\.conf:2: bad boolean "sometimes" for allow_control_characters/);
  });

  it('by default the CLI refuses a client ID with a control character: CONNACK 0x02', async () => {
    const cli = await startBrokerCli(entry, ['-p', '0']);
    started.push(cli);
    expect(await answerToBell(cli.port)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x02]));
    await cli.stop();
    expect(cli.stdout() + cli.stderr()).toMatch(/\[MQTT-3\.1\.3-9\] the Client Identifier at offset \d+ contains a control character/);
  });

  it('with --allow-control-characters the CLI accepts it', async () => {
    const cli = await startBrokerCli(entry, ['-p', '0', '--allow-control-characters']);
    started.push(cli);
    expect(await answerToBell(cli.port)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
  });

  it('with "allow_control_characters true" in the file the CLI accepts it', async () => {
    const port = await freePort();
    const conf = path.join(dir, 'controls.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nallow_control_characters true\n`);
    const cli = await startBrokerCli(entry, ['-c', conf]);
    started.push(cli);
    expect(await answerToBell(port)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
  });
});
