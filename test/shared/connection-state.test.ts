import { describe, expect, it } from 'vitest';
import { transition, type ConnectionEvent, type ConnectionState } from '../../shared/connection-state';

const error = { name: 'Error', message: 'Connection refused: Not authorized (reason code 5)', code: 'MQTT_ERROR' as const };

describe('connection state transitions', () => {
  it.each<[string, ConnectionState, ConnectionEvent, ConnectionState]>([
    ['idle → connecting on request', { status: 'idle' }, { type: 'connect-requested', at: 1 }, { status: 'connecting', since: 1 }],
    ['connecting → connected on CONNACK', { status: 'connecting', since: 1 }, { type: 'connack', at: 2, sessionPresent: true }, { status: 'connected', since: 2, sessionPresent: true }],
    ['connecting → closed with the error', { status: 'connecting', since: 1 }, { type: 'error', at: 2, error }, { status: 'closed', since: 2, error }],
    ['closed keeps its error when the socket closes after it', { status: 'closed', since: 2, error }, { type: 'closed', at: 3 }, { status: 'closed', since: 2, error }],
    ['connected → closed on socket close', { status: 'connected', since: 1, sessionPresent: false }, { type: 'closed', at: 5 }, { status: 'closed', since: 5 }],
    ['closed → reconnecting keeps the last error', { status: 'closed', since: 2, error }, { type: 'reconnecting', at: 3 }, { status: 'reconnecting', since: 3, attempt: 1, lastError: error }],
    ['reconnecting counts attempts', { status: 'reconnecting', since: 3, attempt: 1 }, { type: 'reconnecting', at: 4 }, { status: 'reconnecting', since: 4, attempt: 2 }],
    ['reconnecting → connected', { status: 'reconnecting', since: 3, attempt: 2 }, { type: 'connack', at: 6, sessionPresent: false }, { status: 'connected', since: 6, sessionPresent: false }],
    ['errors while reconnecting are remembered', { status: 'reconnecting', since: 3, attempt: 1 }, { type: 'error', at: 4, error }, { status: 'reconnecting', since: 3, attempt: 1, lastError: error }],
    ['disconnect from any state closes without error', { status: 'connected', since: 1, sessionPresent: false }, { type: 'disconnect-requested', at: 9 }, { status: 'closed', since: 9 }],
    ['closed → connecting again', { status: 'closed', since: 9 }, { type: 'connect-requested', at: 10 }, { status: 'connecting', since: 10 }],
    ['a drop with auto-reconnect waits for the next attempt', { status: 'connected', since: 1, sessionPresent: false }, { type: 'closed', at: 5, retryAt: 4005 }, { status: 'reconnecting', since: 5, attempt: 0, nextAttemptAt: 4005 }],
    ['a failed attempt waits for the next one, keeping the error', { status: 'reconnecting', since: 5, attempt: 2, lastError: error }, { type: 'closed', at: 6, retryAt: 4006 }, { status: 'reconnecting', since: 6, attempt: 2, nextAttemptAt: 4006, lastError: error }],
    ['an error then a close with retry keeps the error', { status: 'closed', since: 5, error }, { type: 'closed', at: 6, retryAt: 10 }, { status: 'reconnecting', since: 6, attempt: 0, nextAttemptAt: 10, lastError: error }],
    ['the next attempt starts', { status: 'reconnecting', since: 6, attempt: 2, nextAttemptAt: 10 }, { type: 'reconnecting', at: 10 }, { status: 'reconnecting', since: 10, attempt: 3 }],
  ])('%s', (_name, from, event, to) => {
    expect(transition(from, event)).toEqual(to);
  });

  it.each<[string, ConnectionState, ConnectionEvent]>([
    ['a second connect request while connecting', { status: 'connecting', since: 1 }, { type: 'connect-requested', at: 2 }],
    ['a CONNACK while idle', { status: 'idle' }, { type: 'connack', at: 2, sessionPresent: false }],
    ['a CONNACK after a requested disconnect', { status: 'closed', since: 1 }, { type: 'connack', at: 2, sessionPresent: false }],
    ['an error while idle', { status: 'idle' }, { type: 'error', at: 2, error }],
    ['a close while idle', { status: 'idle' }, { type: 'closed', at: 2 }],
  ])('ignores %s (same object back)', (_name, from, event) => {
    expect(transition(from, event)).toBe(from);
  });
});
