import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { parseAclFile } from '../../broker-sidecar/auth/acl-file';
import { filterCovers, filtersIntersect } from '../../broker-sidecar/auth/filter-relations';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// One ACL file, asked directly and compared with what Debian's mosquitto 2.0.11 lets through
// for the same users, client ids and topics.

const ACL = `# anonymous clients
topic read public/#
topic write anon/inbox

user alice
topic readwrite alice/#
topic deny alice/secret
topic read shared/+
topic write shared/alice

user bob
topic read public/news

user admin
topic readwrite #

# patterns apply to everyone, wherever they are written
pattern readwrite clients/%c/#
pattern read users/%u/#
`;

const acl = parseAclFile(ACL, 'acl');

describe('ACL decisions', () => {
  const anon = undefined;
  it.each([
    // [user, clientId, topic, read, write]
    ['anonymous reads its section', anon, 'c', 'public/a/b', true, false],
    ['anonymous writes its write-only topic', anon, 'c', 'anon/inbox', false, true],
    ['anonymous gets nothing of a user section', anon, 'c', 'alice/x', false, false],
    ['a named user does not get the anonymous section', 'bob', 'c', 'public/a', false, false],
    ['a named user gets their own rules', 'bob', 'c', 'public/news', true, false],
    ['readwrite grants both', 'alice', 'c', 'alice/x/y', true, true],
    ['"#" also matches the parent level', 'alice', 'c', 'alice', true, true],
    ['deny wins over a broader grant', 'alice', 'c', 'alice/secret', false, false],
    ['deny is exact: a deeper topic is still granted', 'alice', 'c', 'alice/secret/more', true, true],
    ['"+" matches one level only', 'alice', 'c', 'shared/x/y', false, false],
    ['read-only via "+"', 'alice', 'c', 'shared/x', true, false],
    ['write-only topic', 'alice', 'c', 'shared/alice', true, true],
    ['%c pattern for the matching client id', 'bob', 'bob-1', 'clients/bob-1/x', true, true],
    ['%c pattern for another client id', 'bob', 'bob-1', 'clients/bob-2/x', false, false],
    ['%c pattern for an anonymous client', anon, 'anon-1', 'clients/anon-1/status', true, true],
    ['%u pattern for the matching user', 'bob', 'c', 'users/bob/inbox', true, false],
    ['%u pattern never applies to anonymous clients', anon, 'c', 'users//inbox', false, false],
    ['a client id with a wildcard does not widen a pattern', 'bob', '#', 'clients/x/y', false, false],
    ['an admin "#" grant does not reach $SYS', 'admin', 'c', '$SYS/broker/uptime', false, false],
    ['unknown users get only the patterns', 'zed', 'z', 'clients/z/a', true, true],
  ] as const)('%s', (_name, user, clientId, topic, read, write) => {
    expect([acl.canRead(user, clientId, topic), acl.canWrite(user, clientId, topic)]).toEqual([read, write]);
  });

  it.each([
    ['a filter inside a grant', 'alice', 'alice/#', true],
    ['a filter wider than the grant, which could still match', 'alice', '#', true],
    ['a filter crossing "+" grants', 'alice', 'shared/#', true],
    ['a filter wholly covered by a deny', 'alice', 'alice/secret', false],
    ['a filter only partly denied', 'alice', 'alice/+', true],
    ['a filter no read grant can match', 'alice', 'nothing/#', false],
    ['a write-only grant does not allow subscribing', 'alice', 'shared/alice/x', false],
    ['a shared subscription is judged by its filter', 'bob', '$share/g/public/news', true],
    ['"#" cannot reach $SYS', 'admin', '$SYS/#', false],
    ['anonymous, its section', undefined, 'public/+', true],
    ['anonymous, a write-only topic', undefined, 'anon/inbox', false],
  ] as const)('subscribe: %s', (_name, user, filter, allowed) => {
    expect(acl.canSubscribe(user, 'c', filter)).toBe(allowed);
  });
});

describe('filter relations', () => {
  it.each([
    ['a/#', 'a', true, true],
    ['a/+', 'a/b', true, true],
    ['a/+', 'a/#', true, false],
    ['a/b', 'a/+', true, false],
    ['+/b', 'a/+', true, false],
    ['a/+/c', 'a/b/d', false, false],
    ['#', '$SYS/x', false, false],
    ['$SYS/#', '$SYS/x/+', true, true],
    ['a', 'a/b', false, false],
    ['+', 'a/b', false, false],
  ] as const)('%s against %s: intersect %s, covers %s', (outer, inner, intersect, covers) => {
    expect([filtersIntersect(outer, inner), filtersIntersect(inner, outer), filterCovers(outer, inner)]).toEqual([intersect, intersect, covers]);
  });
});

describe('bad ACL files name file and line', () => {
  it.each([
    ['an unknown keyword', 'topic read a\ntopik b\n', ['2: unknown keyword "topik" (topic, pattern or user)']],
    ['a user line without a name', 'user\n', ['1: usage: user NAME']],
    ['an access word without a filter', 'topic read\n', ['1: topic read: missing filter']],
    ['a topic line without anything', 'topic\n', ['1: usage: topic [read|write|readwrite|deny] FILTER']],
    ['a bad filter', 'user a\ntopic a/#/b\n', ['2: bad filter "a/#/b": \'#\' must be the last level']],
    ['a bad pattern filter', 'pattern deny a+/%c\n', ['1: bad filter "a+/%c": \'+\' must occupy a whole level']],
    ['every problem at once', '# c\nbogus\n\nuser\ntopic x/#/y\n', ['2: unknown keyword "bogus" (topic, pattern or user)', '4: usage: user NAME', '5: bad filter "x/#/y": \'#\' must be the last level']],
  ])('%s', (_name, text, errors) => {
    let thrown: unknown;
    try {
      parseAclFile(text, 'acl');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map((i) => `${i.line}: ${i.message}`)).toEqual(errors);
    expect((thrown as ConfigError).message).toMatch(/^acl:\d+: /);
  });

  it('keeps filters with spaces and a "#" inside the line, as mosquitto does', () => {
    const parsed = parseAclFile('  # indented comment\ntopic deny a b/#\n', 'acl');
    expect(parsed.anonymous).toEqual([{ kind: 'topic', access: 'deny', filter: 'a b/#', line: 2 }]);
  });
});

describe('the same ACL in Debian mosquitto', () => {
  const users = ['alice', 'bob', 'admin'] as const;
  let dir: string;
  let broker: Mosquitto;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-acl-'));
    chmodSync(dir, 0o755);
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, '', { mode: 0o644 });
    for (const u of users) execFileSync('/usr/bin/mosquitto_passwd', ['-b', passwd, u, u], { timeout: 5000 });
    chmodSync(passwd, 0o644);
    writeFileSync(path.join(dir, 'acl'), ACL, { mode: 0o644 });
    broker = await startMosquitto([`password_file ${passwd}`, `acl_file ${path.join(dir, 'acl')}`]);
  });
  afterAll(async () => {
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const login = (user: string | undefined) => (user === undefined ? [] : ['-u', user, '-P', user]);

  /**
   * mosquitto_sub on '#' until stopped. SIGINT makes it disconnect and exit normally, which
   * flushes its stdout; -W bounds it if the stop never comes.
   */
  function observe(user: string | undefined, clientId: string): { stop(): Promise<string[]> } {
    const child = spawn('/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '-i', clientId, ...login(user), '-t', '#', '-v', '-W', '10'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    return {
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
        return out.split('\n').filter((l) => l !== '');
      },
    };
  }

  function publish(user: string | undefined, clientId: string, topic: string, payload: string): Promise<void> {
    const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '-q', '1', '-i', clientId, ...login(user), '-t', topic, '-m', payload];
    // A refused PUBLISH makes mosquitto_pub report an error; the observers tell what happened.
    return new Promise((resolve) => execFile('/usr/bin/mosquitto_pub', args, { timeout: 5000 }, () => resolve()));
  }

  const readers = [undefined, 'alice', 'bob'] as const;
  const readTopics = ['public/a', 'public/news', 'anon/inbox', 'alice/x', 'alice/secret', 'shared/x', 'shared/x/y', 'users/alice/x', 'users/bob/x', 'clients/obs-alice/x', 'clients/obs-anon/x', 'other'];
  const writes: Array<[string | undefined, string]> = [
    ['alice', 'alice/x'],
    ['alice', 'alice/secret'],
    ['alice', 'shared/alice'],
    ['alice', 'shared/x'],
    ['alice', 'public/a'],
    ['alice', 'clients/{id}/x'],
    ['alice', 'users/alice/x'],
    ['bob', 'public/news'],
    ['bob', 'clients/{id}/x'],
    ['bob', 'clients/pub-alice-0/x'],
    [undefined, 'anon/inbox'],
    [undefined, 'public/a'],
    [undefined, 'clients/{id}/x'],
  ];
  const obsId = (user: string | undefined) => `obs-${user ?? 'anon'}`;
  // Each publisher its own client id: parallel connections with one id would take each other over.
  const pubId = (user: string | undefined, i: number) => `pub-${user ?? 'anon'}-${i}`;
  const writeTopic = (user: string | undefined, topic: string, i: number) => topic.replace('{id}', pubId(user, i));

  it('delivers and accepts exactly what canRead and canWrite allow', async () => {
    const observed = [...readers, 'admin' as const].map((u) => observe(u, obsId(u)));
    await until(() => (broker.log().match(/Sending SUBACK to obs-/g) ?? []).length >= 4, 5000, 'observers subscribed');
    await Promise.all([
      ...readTopics.map((t, i) => publish('admin', pubId('admin', i), t, 'admin')),
      ...writes.map(([u, t], i) => publish(u, pubId(u, i), writeTopic(u, t, i), `from-${u ?? 'anon'}`)),
    ]);
    // Every publisher got its PUBACK, so mosquitto has routed everything; a moment for the sockets.
    await new Promise((r) => setTimeout(r, 300));
    const [anonSaw, aliceSaw, bobSaw, adminSaw] = await Promise.all(observed.map((o) => o.stop()));
    const saw = new Map<string | undefined, string[]>([
      [undefined, anonSaw!],
      ['alice', aliceSaw!],
      ['bob', bobSaw!],
    ]);

    const readActual = readers.flatMap((u) => readTopics.map((t) => `${u ?? 'anon'} reads ${t}: ${saw.get(u)!.includes(`${t} admin`)}`));
    const readExpected = readers.flatMap((u) => readTopics.map((t) => `${u ?? 'anon'} reads ${t}: ${acl.canRead(u, obsId(u), t)}`));
    expect(readActual).toEqual(readExpected);

    const writeActual = writes.map(([u, t], i) => `${u ?? 'anon'} writes ${t}: ${adminSaw!.includes(`${writeTopic(u, t, i)} from-${u ?? 'anon'}`)}`);
    const writeExpected = writes.map(([u, t], i) => `${u ?? 'anon'} writes ${t}: ${acl.canWrite(u, pubId(u, i), writeTopic(u, t, i))}`);
    expect(writeActual).toEqual(writeExpected);
    // Both answers occur, so the comparison is not vacuous.
    expect(new Set(readExpected.map((l) => l.endsWith('true')))).toEqual(new Set([true, false]));
    expect(new Set(writeExpected.map((l) => l.endsWith('true')))).toEqual(new Set([true, false]));
  });

  it('grants every SUBSCRIBE, even ones canSubscribe refuses (the documented difference)', async () => {
    // mosquitto 2.0.11 checks reads per delivered message only; we refuse filters that can never
    // deliver anything, which changes the SUBACK code but never what a client receives.
    const granted = (user: string, filter: string) =>
      new Promise<string>((resolve) =>
        execFile(
          '/usr/bin/mosquitto_sub',
          ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv5', '-d', '-u', user, '-P', user, '-t', filter, '-W', '1'],
          { timeout: 5000 },
          (_error, stdout) => resolve(/Subscribed \(mid: \d+\): (\d+)/.exec(stdout)?.[1] ?? 'no SUBACK'),
        ),
      );
    const cases = [
      ['alice', 'alice/secret'],
      ['alice', 'nothing/#'],
      ['alice', 'alice/#'],
    ] as const;
    const codes = await Promise.all(cases.map(([u, f]) => granted(u, f)));
    expect(codes).toEqual(['0', '0', '0']);
    expect(cases.map(([u, f]) => acl.canSubscribe(u, 'c', f))).toEqual([false, false, true]);
  });
});
