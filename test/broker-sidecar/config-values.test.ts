import { describe, expect, it } from 'vitest';
import { parsePskFile } from '../../broker-sidecar/auth/psk-file';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { includeOrder } from '../../broker-sidecar/config/mosquitto-conf';
import { WriteQueue, type WriteOp } from '../../broker-sidecar/persistence/write-queue';
import { compileStrftime } from '../../broker-sidecar/strftime';
import { rfc2253 } from '../../broker-sidecar/tls-options';

// The small readers and writers behind mosquitto.conf options, table by table: strftime for
// log_timestamp_format, the RFC 2253 subject for use_subject_as_username, psk_file lines,
// include_dir's file order, and the autosave batching of the store.

describe('log_timestamp_format: strftime in local time', () => {
  const at = new Date(2024, 1, 5, 7, 8, 9); // Monday 5 February 2024, 07:08:09 local
  it.each([
    ['%Y-%m-%dT%H:%M:%S', '2024-02-05T07:08:09'],
    ['%F %T', '2024-02-05 07:08:09'],
    ['%d/%m/%y %I:%M %p', '05/02/24 07:08 AM'],
    ['%a %A %b %B', 'Mon Monday Feb February'],
    ['%e|%k|%l', ' 5| 7| 7'],
    ['%j %u %w', '036 1 1'],
    ['%V %G %U %W', '06 2024 05 06'],
    ['%s', String(Math.floor(at.getTime() / 1000))],
    ['100%% %q', '100% %q'], // unknown conversions stay as written
    ['%', '%'],
  ])('%s', (format, expected) => {
    expect(compileStrftime(format)(at)).toBe(expected);
  });

  it('%z is the offset of local time', () => {
    expect(compileStrftime('%z')(at)).toMatch(/^[+-]\d{4}$/);
  });
});

describe('use_subject_as_username: the subject as OpenSSL writes RFC 2253', () => {
  it.each([
    ['CN=desk-client', 'CN=desk-client'],
    ['C=GB\nST=Nottinghamshire\nL=Nottingham\nO=Server\nOU=Production\nCN=test client', 'CN=test client,OU=Production,O=Server,L=Nottingham,ST=Nottinghamshire,C=GB'],
    ['O=A, B\nCN=x+y', 'CN=x\\+y,O=A\\, B'],
    ['CN= lead and trail ', 'CN=\\ lead and trail\\ '],
    ['CN=#hash', 'CN=\\#hash'],
    ['CN=é', 'CN=\\C3\\A9'],
  ])('%j', (subject, expected) => {
    expect(rfc2253(subject)).toBe(expected);
  });
});

describe('psk_file', () => {
  it('reads identity:hexkey lines, skipping comments and blank lines', () => {
    const keys = parsePskFile('# Debian example\nid:deadbeef\n\neasy:12345\n', 'psk');
    expect([...keys]).toEqual([
      ['id', Buffer.from('deadbeef', 'hex')],
      ['easy', Buffer.from('012345', 'hex')], // an odd number of digits: a leading 0, as OpenSSL reads it
    ]);
  });

  it.each([
    ['no colon', 'nocolon\n', '1: expected identity:key'],
    ['no key', 'id:\n', '1: expected identity:key'],
    ['no identity', ':abcd\n', '1: expected identity:key'],
    ['not hex', 'id:xyz\n', '1: the key of "id" is not hexadecimal'],
    ['twice', 'a:01\nb:02\na:03\n', '3: identity "a" is listed twice'],
  ])('refuses %s with the line', (_name, text, expected) => {
    const thrown = (() => {
      try {
        parsePskFile(text, 'psk');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map((i) => `${i.line}: ${i.message}`)).toEqual([expected]);
  });
});

describe("include_dir's order", () => {
  it("sorts as mosquitto's manual shows: case-insensitive first, upper case before lower case of a letter", () => {
    expect(['b.conf', 'A.conf', '01.conf', 'a.conf', 'B.conf', '00.conf', 'a_b.conf', 'aB.conf', 'ab.conf'].sort(includeOrder)).toEqual([
      '00.conf',
      '01.conf',
      'A.conf',
      'a.conf',
      'aB.conf',
      'ab.conf',
      'a_b.conf',
      'B.conf',
      'b.conf',
    ]);
  });
});

describe('the store with autosave', () => {
  /** A queue whose batches are recorded instead of written. */
  function recorded(): { queue: WriteQueue; batches: WriteOp[][] } {
    const batches: WriteOp[][] = [];
    const queue = new WriteQueue(
      async (ops) => void batches.push(ops),
      (error) => {
        throw error;
      },
    );
    return { queue, batches };
  }

  it('keeps the last change per key until a save, holds no output meanwhile, and writes one batch', async () => {
    const { queue, batches } = recorded();
    queue.autosave({ interval: 0, onChanges: false });
    queue.put('a', '1');
    queue.put('b', '1');
    queue.put('a', '2');
    queue.del('b');
    expect(queue.pending).toBe(false);
    let ran = false;
    queue.afterDurable(() => (ran = true));
    expect(ran).toBe(true); // acknowledgements do not wait, as mosquitto's do not
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]);
    queue.save();
    await queue.idle();
    expect(batches).toEqual([
      [
        { type: 'put', key: 'a', value: '2' },
        { type: 'del', key: 'b' },
      ],
    ]);
  });

  it('saves after autosave_interval changes with autosave_on_changes, and what is left at idle (close)', async () => {
    const { queue, batches } = recorded();
    queue.autosave({ interval: 3, onChanges: true });
    for (const key of ['a', 'b', 'c', 'd']) queue.put(key, 'x');
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches.map((b) => b.map((op) => op.key))).toEqual([['a', 'b', 'c']]);
    await queue.idle();
    expect(batches.map((b) => b.map((op) => op.key))).toEqual([['a', 'b', 'c'], ['d']]);
  });
});
