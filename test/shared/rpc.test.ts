import { describe, expect, it } from 'vitest';
import type { CommandHandlers } from '../../shared/contract';
import { DeskError } from '../../shared/errors';
import { createDispatcher, createRpcClient, decodeWire, encodeWire, type WireCall } from '../../shared/rpc';

const notUsed = async (): Promise<never> => {
  throw new Error('not used in this test');
};
const handlers: CommandHandlers = {
  'profiles.list': async () => [],
  'profiles.save': notUsed,
  'profiles.delete': async ({ id }) => {
    if (id === 'boom') throw new TypeError('exploded');
    return { deleted: id === 'known' };
  },
  'profiles.export': notUsed,
  'profiles.import': notUsed,
  'collections.list': notUsed,
  'collections.save': notUsed,
  'collections.delete': notUsed,
  'collections.export': notUsed,
  'collections.import': notUsed,
  'connections.list': async () => [],
  'broker.status': notUsed,
  'broker.start': notUsed,
  'broker.stop': notUsed,
  'broker.clients': notUsed,
  'broker.retained': notUsed,
  'broker.violations': notUsed,
  'broker.bridges': notUsed,
  'broker.connectLocal': notUsed,
  'packets.list': notUsed,
  'packets.page': notUsed,
  'packets.export': notUsed,
  'packets.clear': notUsed,
  'messages.get': notUsed,
  'messages.export': notUsed,
  'messages.clear': notUsed,
  'connections.connect': async ({ profileId }) => {
    throw new DeskError('NOT_FOUND', `No profile with id ${profileId}`);
  },
  'connections.disconnect': notUsed,
  'subscriptions.subscribe': async ({ filter, qos }) => ({ filter, qos }),
  'subscriptions.unsubscribe': notUsed,
  'messages.publish': async ({ payload }) => ({ bytes: payload.byteLength }),
  'payloads.encode': notUsed,
};
const dispatch = createDispatcher(handlers);

describe('dispatcher', () => {
  it('runs the handler with validated arguments', async () => {
    await expect(dispatch('profiles.delete', { id: 'known' })).resolves.toEqual({ ok: true, value: { deleted: true } });
    await expect(dispatch('messages.publish', { connectionId: 'c', topic: 't', payload: new Uint8Array(3), qos: 1, retain: false })).resolves.toEqual({
      ok: true,
      value: { bytes: 3 },
    });
  });

  it.each([
    ['no.such.command', {}, 'UNKNOWN_COMMAND'],
    [42, {}, 'UNKNOWN_COMMAND'],
    ['__proto__', {}, 'UNKNOWN_COMMAND'],
    ['toString', {}, 'UNKNOWN_COMMAND'],
    ['profiles.delete', {}, 'INVALID_ARGUMENTS'],
    ['profiles.delete', { id: 7 }, 'INVALID_ARGUMENTS'],
    ['profiles.delete', { id: 'x', extra: true }, 'INVALID_ARGUMENTS'],
    ['profiles.delete', 'not an object', 'INVALID_ARGUMENTS'],
    ['subscriptions.subscribe', { connectionId: 'c', filter: 'a', qos: 3 }, 'INVALID_ARGUMENTS'],
    ['messages.publish', { connectionId: 'c', topic: 't', payload: 'text', qos: 0, retain: false }, 'INVALID_ARGUMENTS'],
  ])('answers %j %j with a typed %s error instead of throwing', async (command, args, code) => {
    const result = await dispatch(command, args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(typeof result.error.name).toBe('string');
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  });

  it('names the bad field in INVALID_ARGUMENTS', async () => {
    const result = await dispatch('subscriptions.subscribe', { connectionId: 'c', filter: 'a', qos: 3 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS', fields: { qos: 'QoS must be 0, 1 or 2' } } });
  });

  it('passes DeskError codes through and maps other errors to INTERNAL', async () => {
    await expect(dispatch('connections.connect', { profileId: 'p1' })).resolves.toEqual({
      ok: false,
      error: { name: 'DeskError', message: 'No profile with id p1', code: 'NOT_FOUND' },
    });
    await expect(dispatch('profiles.delete', { id: 'boom' })).resolves.toEqual({
      ok: false,
      error: { name: 'TypeError', message: 'exploded', code: 'INTERNAL' },
    });
  });
});

describe('wire encoding', () => {
  it('carries bytes (including Node Buffers) through JSON and back as Uint8Array', () => {
    const payload = Buffer.from([0, 1, 2, 255]);
    const decoded = decodeWire(encodeWire({ kind: 'event', stream: 'messages.batch', data: { payload, nested: [{ b: new Uint8Array([7]) }] } })) as {
      data: { payload: Uint8Array; nested: [{ b: Uint8Array }] };
    };
    expect(decoded.data.payload).toBeInstanceOf(Uint8Array);
    expect([...decoded.data.payload]).toEqual([0, 1, 2, 255]);
    expect([...decoded.data.nested[0].b]).toEqual([7]);
  });

  it('leaves objects that only look similar alone', () => {
    const decoded = decodeWire(encodeWire({ kind: 'event', stream: 'messages.batch', data: { $bytes: 'AA==', other: 1 } })) as { data: unknown };
    expect(decoded.data).toEqual({ $bytes: 'AA==', other: 1 });
  });
});

describe('rpc client over the dispatcher', () => {
  it('resolves values, rejects with DeskError carrying the code, and routes events', async () => {
    const client = createRpcClient((call: WireCall) => {
      void dispatch(call.command, call.args).then((result) => client.receive(decodeWire(encodeWire({ kind: 'result', id: call.id, ...result }))));
    });
    await expect(client.call('profiles.delete', { id: 'known' })).resolves.toEqual({ deleted: true });
    const failure = await client.call('connections.connect', { profileId: 'zz' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DeskError);
    expect((failure as DeskError).code).toBe('NOT_FOUND');

    const seen: unknown[] = [];
    const off = client.on('connection.state', (s) => seen.push(s.connectionId));
    client.receive({ kind: 'event', stream: 'connection.state', data: { connectionId: 'a' } });
    off();
    client.receive({ kind: 'event', stream: 'connection.state', data: { connectionId: 'b' } });
    expect(seen).toEqual(['a']);
  });

  it('fails pending calls when the carrier goes away', async () => {
    const client = createRpcClient(() => undefined);
    const pending = client.call('profiles.list', {});
    client.failAll({ name: 'DeskError', message: 'gone', code: 'TRANSPORT_CLOSED' });
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED', message: 'gone' });
  });
});
