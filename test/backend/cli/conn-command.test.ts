// `mqtt-desk conn`: the CONNACK and its properties from Debian's mosquitto, by flags and by a
// saved profile (its password from the secrets store), a refusal with mosquitto_pub's exit code.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../backend/cli/run-cli';
import { ProfileStore } from '../../../backend/profile-store';
import { tempDir } from '../../helpers/broker-config';
import { capturedIo } from '../../helpers/cli-io';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';

let dir: string;
let open: Mosquitto;
let closed: Mosquitto;

beforeAll(async () => {
  dir = tempDir('mqtt-desk-conn-');
  const passwords = path.join(dir, 'passwd');
  execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', passwords, 'ann', 's3cret']);
  // mosquitto started as root drops to its own user, which must be able to read the file.
  chmodSync(dir, 0o755);
  chmodSync(passwords, 0o644);
  open = await startMosquitto();
  closed = await startMosquitto(['allow_anonymous false', `password_file ${passwords}`]);
  await new ProfileStore(dir).save({ name: 'Locked', protocol: 'mqtt', host: '127.0.0.1', port: closed.port, mqttVersion: '5.0', clientId: 'conn-test', username: 'ann', password: 's3cret' });
}, 30_000);

afterAll(async () => {
  await open?.stop();
  await closed?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function conn(...argv: string[]) {
  const io = capturedIo({ MQTT_DESK_CONFIG_DIR: dir });
  const code = await runCli(['conn', ...argv], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('mqtt-desk conn', () => {
  it('prints the MQTT 5 CONNACK with every property', async () => {
    const result = await conn('-h', '127.0.0.1', '-p', String(open.port), '-V', '5');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [first, ...props] = result.stdout.trimEnd().split('\n');
    expect(first).toBe(`CONNACK from tcp://127.0.0.1:${open.port} (MQTT 5.0): Success (0), session present: no`);
    expect(props).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}assignedClientIdentifier: auto-/), '  topicAliasMaximum: 10']));
  });

  it('prints a 3.1.1 CONNACK', async () => {
    expect(await conn('-h', '127.0.0.1', '-p', String(open.port), '-i', 'c311')).toEqual({
      code: 0,
      stdout: `CONNACK from tcp://127.0.0.1:${open.port} (MQTT 3.1.1): Connection Accepted. (0), session present: no\n`,
      stderr: '',
    });
  });

  it('connects with a saved profile and its password from the secrets store', async () => {
    expect(await conn('--profile', 'Locked')).toEqual({
      code: 0,
      stdout: `CONNACK from tcp://127.0.0.1:${closed.port} (MQTT 5.0): Success (0), session present: no\n  topicAliasMaximum: 10\n  receiveMaximum: 20\n`,
      stderr: '',
    });
  });

  it('reports a refusal with its reason and the code mosquitto_pub exits with', async () => {
    const result = await conn('-h', '127.0.0.1', '-p', String(closed.port), '-V', '5', '-u', 'ann', '-P', 'wrong');
    expect(result.stdout).toBe(`CONNACK from tcp://127.0.0.1:${closed.port} (MQTT 5.0): Not authorized (135), session present: no\n`);
    expect(result.code).toBe(135);
  });

  it.each([
    [['--profile', 'Nobody'], "Error: No saved profile named 'Nobody' ('mqtt-desk profiles ls' lists them).\n"],
    [['-p', 'abc'], /^Error: /],
  ])('%j names what is wrong', async (argv, stderr) => {
    const result = await conn(...argv);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(stderr);
  });
});
