/**
 * The wire form of the contract and the two ends that speak it. Carriers (Electron IPC, a
 * WebSocket) only move {@link WireMessage}s; validation, dispatch and error mapping live
 * here once.
 */

import {
  commandArgs,
  isCommandName,
  type CommandHandlers,
  type DeskApi,
  type EventStreams,
  type MessageBatch,
  type PacketBatch,
  type StreamName,
} from './contract';
import { DeskError, toErrorInfo, type ErrorInfo } from './errors';
import { issuesToFields } from './profile';
import { parseWithBytes, stringifyWithBytes } from './json-bytes';
import { decodeFrame, encodeMessageBatch, encodePacketBatch } from './wire-batches';
import { FRAME_KIND, FRAME_VERSION } from './wire-frame';

/** A command call from the UI. */
export interface WireCall {
  kind: 'call';
  id: number;
  command: string;
  args: unknown;
}

/** The answer to one call: a value, or an error in its wire form. */
export type WireResult =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: ErrorInfo };

/** One event pushed by the backend. */
export interface WireEvent {
  kind: 'event';
  stream: StreamName;
  data: unknown;
}

/** Anything a carrier moves. */
export type WireMessage = WireCall | WireResult | WireEvent;

/** The backend end: validates a call, runs its handler, and never throws. */
export type Dispatcher = (command: unknown, args: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; error: ErrorInfo }>;

/** Builds the dispatcher over a complete set of handlers. */
export function createDispatcher(handlers: CommandHandlers): Dispatcher {
  return async (command, args) => {
    try {
      if (!isCommandName(command)) {
        throw new DeskError('UNKNOWN_COMMAND', `Unknown command: ${String(command).slice(0, 100)}`);
      }
      const parsed = commandArgs[command].safeParse(args ?? {});
      if (!parsed.success) {
        const fields = issuesToFields(parsed.error.issues);
        const detail = Object.entries(fields)
          .map(([field, message]) => `${field}: ${message}`)
          .join('; ');
        throw new DeskError('INVALID_ARGUMENTS', `Invalid arguments for ${command}: ${detail}`, fields);
      }
      const handler = handlers[command] as (a: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return { ok: false, error: toErrorInfo(error) };
    }
  };
}

/**
 * Reads a call off the wire. Returns an error result for anything that is not a call, so a
 * carrier can answer instead of crashing.
 */
export function readCall(value: unknown): WireCall | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.kind !== 'call' || typeof v.id !== 'number' || !Number.isSafeInteger(v.id)) return undefined;
  return { kind: 'call', id: v.id, command: v.command as string, args: v.args };
}

/** JSON with byte arrays carried as tagged base64, for text carriers like a WebSocket. */
export function encodeWire(message: WireMessage): string {
  return stringifyWithBytes(message);
}

/**
 * Parses what {@link encodeWire} wrote.
 * @throws SyntaxError when the text is not JSON.
 */
export function decodeWire(text: string): unknown {
  return parseWithBytes(text);
}

/**
 * An event in its wire form: the high-rate batches as binary frames (wire-batches.ts), every
 * other event as JSON text.
 */
export function encodeEvent<S extends StreamName>(stream: S, data: EventStreams[S]): string | Uint8Array {
  if (stream === 'messages.batch') return encodeMessageBatch(data as MessageBatch);
  if (stream === 'packets.batch') return encodePacketBatch(data as PacketBatch);
  return encodeWire({ kind: 'event', stream, data });
}

/** Bytes before the value in a result frame: u8 kind=5, u8 version, u16 0, u32 0, f64 call id. */
const RESULT_HEADER = 16;

/**
 * A message in its wire form for a carrier that moves text and bytes (the WebSocket): a
 * result whose value is bytes (a binary page of `packets.page`) as a result frame, the
 * value after a 16-byte header, so it crosses without base64 and is read without a copy;
 * anything else as JSON text.
 */
export function encodeOutgoing(message: WireMessage): string | Uint8Array {
  if (message.kind !== 'result' || !message.ok || !(message.value instanceof Uint8Array)) return encodeWire(message);
  const frame = new Uint8Array(RESULT_HEADER + message.value.byteLength);
  frame[0] = FRAME_KIND.result;
  frame[1] = FRAME_VERSION;
  new DataView(frame.buffer).setFloat64(8, message.id, true);
  frame.set(message.value, RESULT_HEADER);
  return frame;
}

/**
 * Reads what a carrier received: text is a JSON wire message, bytes a batch frame or a
 * result frame ({@link encodeOutgoing}).
 * @throws SyntaxError for text that is not JSON, Error for a malformed frame.
 */
export function decodeIncoming(raw: string | Uint8Array): unknown {
  if (typeof raw === 'string') return decodeWire(raw);
  if (raw[0] === FRAME_KIND.result && raw[1] === FRAME_VERSION && raw.byteLength >= RESULT_HEADER) {
    const id = new DataView(raw.buffer, raw.byteOffset, RESULT_HEADER).getFloat64(8, true);
    return { kind: 'result', id, ok: true, value: raw.subarray(RESULT_HEADER) } satisfies WireResult;
  }
  const { stream, data } = decodeFrame(raw);
  return { kind: 'event', stream, data };
}

/** The UI end: turns calls into wire messages and wire messages back into results and events. */
export interface RpcClient extends DeskApi {
  /** Feed every message the carrier receives. */
  receive(message: unknown): void;
  /** Fails every pending call, e.g. when the carrier closed. */
  failAll(error: ErrorInfo): void;
}

/** Creates the UI end over a function that sends one wire message. */
export function createRpcClient(send: (message: WireCall) => void): RpcClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();

  return {
    call(command, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        try {
          send({ kind: 'call', id, command, args });
        } catch (error) {
          pending.delete(id);
          reject(DeskError.fromInfo({ ...toErrorInfo(error), code: 'TRANSPORT_CLOSED' }));
        }
      });
    },
    on(stream, listener) {
      let set = listeners.get(stream);
      if (!set) listeners.set(stream, (set = new Set()));
      const l = listener as (data: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    receive(message) {
      if (typeof message !== 'object' || message === null) return;
      const m = message as WireMessage;
      if (m.kind === 'result') {
        const entry = pending.get(m.id);
        if (!entry) return;
        pending.delete(m.id);
        if (m.ok) entry.resolve(m.value);
        else entry.reject(DeskError.fromInfo(m.error));
      } else if (m.kind === 'event') {
        for (const listener of listeners.get(m.stream) ?? []) listener(m.data);
      }
    },
    failAll(error) {
      for (const entry of pending.values()) entry.reject(DeskError.fromInfo(error));
      pending.clear();
    },
  };
}
