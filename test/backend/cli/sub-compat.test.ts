/**
 * `mqtt-desk sub` against Debian's mosquitto_sub 2.0.11, byte for byte: the same flags run
 * side by side against the same broker (Debian's mosquitto and the desk's sidecar, over TCP
 * and TLS), time frozen for both by libfaketime; stdout, stderr and the exit code must be
 * identical (mosquitto's "mosquitto_sub --help" reads "mqtt-desk sub --help").
 */

import { rmSync } from 'node:fs';
import { connectAsync, type IClientPublishOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfigured, tempDir, type ConfiguredBroker } from '../../helpers/broker-config';
import { asDesk, FROZEN_TIME, runTool, type ToolRun } from '../../helpers/desk-cli';
import { freePort, startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../../helpers/tls';

interface Target {
  name: string;
  tcp: number;
  tls: number;
}

let pki: TestPki;
let dir: string;
let mosquitto: Mosquitto;
let sidecar: ConfiguredBroker;
const targets: Target[] = [];

/** Retained messages every case reads: text with every v5 property, JSON, binary, UTF-8, escapes. */
const RETAINED: Array<[string, string | Buffer, IClientPublishOptions]> = [
  ['cmp/a/text', 'hello world', { qos: 1, properties: { contentType: 'text/plain', userProperties: { a: '1', b: 'two' }, responseTopic: 'cmp/reply', correlationData: Buffer.from('corr-42'), payloadFormatIndicator: true } }],
  ['cmp/b/json', '{"t":21.5,"unit":"C","list":[1,2,{"x":null,"y":true}],"e":1e3,"big":12345678901234567890,"s":"\\u00e9\\n"}', { qos: 0 }],
  ['cmp/c/binary', Buffer.from([0, 1, 2, 255, 34, 92, 10, 0x7f]), { qos: 2 }],
  ['cmp/d/utf8', 'héllo ✓ Ω', { qos: 1 }],
  ['cmp/e/long', 'x'.repeat(40), { qos: 0 }],
  ['cmp/f/ctrl', 'tab\there "quoted" back\\slash\r\n', { qos: 0 }],
];
const RETAINED_COUNT = String(RETAINED.length);

async function seed(port: number): Promise<void> {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, reconnectPeriod: 0 });
  for (const [topic, payload, options] of RETAINED) await client.publishAsync(topic, payload, { ...options, retain: true });
  await client.endAsync();
}

beforeAll(async () => {
  pki = makeTestPki();
  dir = tempDir('mqtt-desk-sub-compat-');
  const tlsFiles = [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`];
  const [mTls, sTcp, sTls] = await Promise.all([freePort(), freePort(), freePort()]);
  mosquitto = await startMosquitto([`listener ${mTls} 127.0.0.1`, 'allow_anonymous true', ...tlsFiles]);
  sidecar = await startConfigured(dir, ['allow_anonymous true', `listener ${sTcp} 127.0.0.1`, `listener ${sTls} 127.0.0.1`, ...tlsFiles]);
  targets.push({ name: 'mosquitto', tcp: mosquitto.port, tls: mTls }, { name: 'sidecar', tcp: sTcp, tls: sTls });
  await Promise.all(targets.map((t) => seed(t.tcp)));
}, 30_000);

afterAll(async () => {
  await mosquitto?.stop();
  await sidecar?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

/** Runs both tools with the same arguments and returns both results. */
async function both(args: string[], env: NodeJS.ProcessEnv = FROZEN_TIME): Promise<{ theirs: ToolRun; ours: ToolRun }> {
  const [theirs, ours] = await Promise.all([runTool('mosquitto_sub', args, { env }), runTool('mqtt-desk', ['sub', ...args], { env })]);
  return { theirs, ours };
}

/** A client ID the broker assigns is random for every connection: the one thing told apart. */
const assigned = (text: string) => text.replace(/auto-[0-9A-Fa-f-]{16,36}/g, 'auto-<assigned>');

function expectSame({ theirs, ours }: { theirs: ToolRun; ours: ToolRun }): void {
  expect({ code: ours.code, stderr: ours.stderr, stdout: assigned(ours.stdout.toString('latin1')) }).toEqual({
    code: theirs.code,
    stderr: asDesk(theirs.stderr),
    stdout: assigned(theirs.stdout.toString('latin1')),
  });
}

/** Every -F % code and @ date code, widths, flags and escapes, -v, -N, --pretty. */
const FORMAT_CASES: Array<[string, string[]]> = [
  ['payload only', []],
  ['-v', ['-v']],
  ['-v -N', ['-v', '-N']],
  ['-N', ['-N']],
  ['% message codes', ['-F', '%t|%q|%r|%l|%m|%p|%x|%X|%%']],
  ['%j', ['-F', '%j']],
  ['%J (JSON and not JSON)', ['-F', '%J']],
  ['%j --pretty', ['-F', '%j', '--pretty']],
  ['%J --pretty', ['-F', '%J', '--pretty']],
  ['%I %U and every @ code', ['-F', '%I %U @a @A @b @B @c @C @d @D @e @F @g @G @h @H @I @j @k @l @m @M @n @N @p @P @r @R @s @S @t @T @u @U @V @w @W @x @X @y @Y @z @Z @@ @Q @E @% @+']],
  ['widths, precision, alignment, zero padding', ['-F', '[%10t][%-10t][%.3t][%5.2t][%-20p][%20p][%-p][%05l][%-5l][%5q][%10x][%010X][%-8m][%08m][%-05l][%3.1I]']],
  ['escapes', ['-F', '\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|end']],
  ['MQTT 5 properties', ['-V', '5', '-F', '%C|%D|%E|%F|%P|%R|%S|%A|[%5C][%-5C][%05E][%5S][%5A][%-3F][%03F]']],
  ['MQTT 5 %j with properties', ['-V', 'mqttv5', '-F', '%j']],
  ['-T filters out', ['-T', 'cmp/b/#', '-T', 'cmp/+/binary', '-C', String(RETAINED.length - 2), '-v']],
  ['-d, QoS 2', ['-d', '-q', '2', '-i', 'compat-d']],
  ['-d, QoS 1, MQTT 5', ['-d', '-q', '1', '-V', '5']],
  ['-U with -d', ['-d', '-U', 'cmp/a/text', '-U', 'other/#']],
];

// Over TLS the clock runs (a certificate made today is not valid in 2020): formats without time.
const TLS_CASES = ['-v', '% message codes', '-d, QoS 2', 'MQTT 5 properties'];

describe.each([{ transport: 'tcp' }, { transport: 'tls' }])('mqtt-desk sub matches mosquitto_sub over $transport', ({ transport }) => {
  const cases = transport === 'tcp' ? FORMAT_CASES : FORMAT_CASES.filter(([name]) => TLS_CASES.includes(name));
  it.each(cases)('%s', async (_name, args) => {
    for (const target of targets) {
      const connect = transport === 'tcp' ? ['-p', String(target.tcp)] : ['-p', String(target.tls), '--cafile', pki.caCert, '-h', 'localhost'];
      const count = args.includes('-C') ? [] : ['-C', RETAINED_COUNT];
      const result = await both([...connect, '-t', 'cmp/#', ...count, ...args], transport === 'tcp' ? FROZEN_TIME : { TZ: 'Europe/Paris' });
      expectSame(result);
      expect(result.ours.code, `${target.name}: exit code`).toBe(0);
    }
  }, 60_000);
});
