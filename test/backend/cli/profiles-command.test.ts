// `mqtt-desk profiles ls|show|export|import`, in process on a config dir of its own: imports
// through the app's own import path, a broken file refused with the reason and changing
// nothing (the store files byte for byte), secrets blanked unless asked for.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../backend/cli/run-cli';
import { tempDir } from '../../helpers/broker-config';
import { capturedIo } from '../../helpers/cli-io';

let dir: string;
const fixture = (name: string) => path.resolve('test/fixtures/imports', name);

beforeEach(() => {
  dir = tempDir('mqtt-desk-profiles-cli-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = capturedIo({ MQTT_DESK_CONFIG_DIR: dir });
  const code = await runCli(['profiles', ...argv], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('mqtt-desk profiles', () => {
  it('imports MQTT Explorer and MQTT.fx files, then lists, shows and exports them', async () => {
    expect(await run('import', fixture('mqtt-explorer-settings.json'))).toEqual({
      code: 0,
      stdout: 'Imported profile Home broker (mqtt://192.168.1.10:1883)\nImported profile Cloud over WebSocket (wss://cloud.example.com:443)\n',
      stderr: 'Warning: The client certificate client.der is not PEM and was left out\n',
    });
    const fx = await run('import', fixture('mqttfx-config.xml'));
    expect(fx.code).toBe(0);
    expect(fx.stdout).toContain('Imported collection MQTT.fx local mosquitto (2 requests)\n');
    expect((await run('ls')).stdout).toBe(
      'Home broker\tmqtt://192.168.1.10:1883\nCloud over WebSocket\twss://cloud.example.com:443\nMQTT.fx local mosquitto\tmqtt://localhost:1883\nMQTT.fx plant\tmqtts://plant.example.com:8883\n',
    );
    const shown = await run('show', 'Home broker');
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'Home broker', username: 'home', password: '', subscriptions: [{ filter: '#' }, { filter: '$SYS/#' }] });
    expect(await run('show', 'Home broker', '--mosquitto-sub')).toEqual({
      code: 0,
      stdout: "mosquitto_sub -h 192.168.1.10 -p 1883 -i mqtt-explorer-1a2b3c4d -u home -P pw -t '#' -t '$SYS/#' -v\n",
      stderr: '',
    });
    const blanked = JSON.parse((await run('export', 'MQTT.fx plant')).stdout);
    expect(blanked).toMatchObject({ format: 'mqtt-desk-profiles', profiles: [{ name: 'MQTT.fx plant', password: '' }] });
    const full = JSON.parse((await run('export', 'MQTT.fx plant', '--include-secrets')).stdout);
    expect(full.profiles[0].password).toBe('secret');
    expect(JSON.parse((await run('export')).stdout).profiles).toHaveLength(4);
  });

  it('an export imports again (stdin with -)', async () => {
    await run('import', fixture('mqtt-explorer-settings.json'));
    const exported = (await run('export', 'Home broker', '--include-secrets')).stdout;
    const other = tempDir('mqtt-desk-profiles-cli-');
    const io = capturedIo({ MQTT_DESK_CONFIG_DIR: other }, exported);
    expect(await runCli(['profiles', 'import', '-'], io)).toBe(0);
    expect(io.out()).toBe('Imported profile Home broker (mqtt://192.168.1.10:1883)\n');
    rmSync(other, { recursive: true, force: true });
  });

  it.each([
    ['not JSON or XML', 'oops', /^Error: .*bad\.json: .*Nothing was imported\.\n$/],
    ['an export with a broken profile', '{"format": "mqtt-desk-profiles", "version": 1, "profiles": [{"name": "x", "protocol": "mqtt", "host": "h", "port": 70000}]}', /^Skipped x: port: Port must be between 1 and 65535\n$/],
    ['a newer export', '{"format": "mqtt-desk-profiles", "version": 9, "profiles": []}', /^Error: .*bad\.json: Profile export version 9 is newer than this MQTT Desk reads \(1\)\. Nothing was imported\.\n$/],
  ])('refuses %s with the reason and changes nothing', async (_name, text, stderr) => {
    await run('import', fixture('mqtt-explorer-settings.json'));
    const before = readFileSync(path.join(dir, 'profiles.json'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, text);
    const result = await run('import', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
    expect(readFileSync(path.join(dir, 'profiles.json'))).toEqual(before);
    expect(existsSync(path.join(dir, 'collections.json'))).toBe(false);
  });

  it.each([
    [['import', '/nonexistent/file.json'], 'Error: Cannot read /nonexistent/file.json: no such file.\n'],
    [['show', 'Nobody'], "Error: No saved profile named 'Nobody' ('mqtt-desk profiles ls' lists them).\n"],
    [['export', 'Nobody'], "Error: No saved profile named 'Nobody' ('mqtt-desk profiles ls' lists them).\n"],
    [['show', 'x', '--json'], "Error: Unknown option '--json' for profiles show.\n"],
    [['ls', 'extra'], "Error: profiles ls takes no arguments (got 'extra').\n"],
    [['rm', 'x'], "Error: Unknown profiles command 'rm' (ls, show, export or import).\n"],
  ])('%j names what is wrong', async (argv, stderr) => {
    expect(await run(...argv)).toEqual({ code: 1, stdout: '', stderr });
  });

  it('refuses a profiles file written by a newer version, leaving it as it is', async () => {
    const newer = '{"version": 99, "profiles": []}\n';
    writeFileSync(path.join(dir, 'profiles.json'), newer);
    const result = await run('ls');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: .*profiles\.json.*99/);
    expect(readFileSync(path.join(dir, 'profiles.json'), 'utf8')).toBe(newer);
  });
});
