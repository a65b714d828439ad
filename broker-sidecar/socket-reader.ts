/**
 * The read side of a connection: how bytes get from the socket to the Framer.
 *
 * A Node stream's 'data' event costs, per read: a fresh 64 KiB allocation in C++ shrunk to
 * the bytes read, a new ArrayBuffer and Buffer around it, the Readable's push/emit
 * machinery and a process.nextTick (maybeReadMore). Under a flood that is paid once per
 * hundreds of packets; under a device fleet — one packet per read from each of hundreds of
 * sockets — it is paid per packet. Plain TCP and Unix sockets can instead read into one
 * buffer shared by every connection (Node's `onread` option of net.Socket, which the server
 * side does not expose; we set it on accepted sockets the way the option would). The bytes
 * are then copied once into a buffer of their exact size from Node's small-buffer pool,
 * because the broker keeps them: a frame is decoded in place and a PUBLISH payload may be
 * queued or held in flight long after the next read overwrites the shared buffer.
 *
 * Anything else — TLS, WebSocket streams, test pipes, a socket that already holds bytes
 * read before the broker got it, or a Node whose internals we do not recognise — reads
 * through 'data' events as before.
 */

import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Receives each chunk read; the chunk is the caller's to keep. */
export type ChunkListener = (chunk: Buffer) => void;

/** One read's worth: as much as the kernel hands over in one read() on a busy socket. */
const SHARED_BYTES = 64 * 1024;

/** The keys under which net.Socket keeps its `onread` option (internal symbols, found by probing). */
interface OnreadKeys {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

/** The socket's handle, as far as we use it: the StreamBase method the `onread` option calls. */
interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

let keys: OnreadKeys | null | undefined;
let shared: Buffer | undefined;

/**
 * Finds the symbols net.Socket stores `onread` under by constructing two unconnected sockets
 * with known values and looking for those values; null when this Node does not keep them so.
 */
function onreadKeys(): OnreadKeys | null {
  if (keys !== undefined) return keys;
  keys = null;
  try {
    const buffer = Buffer.alloc(1);
    const callback = (): boolean => true;
    const generator = (): Buffer => buffer;
    // The option exists for net.Socket (Node ≥ 12) though @types/node lists it for connect() only.
    const plain = new net.Socket({ onread: { buffer, callback } } as net.SocketConstructorOpts);
    const generated = new net.Socket({ onread: { buffer: generator, callback } } as net.SocketConstructorOpts);
    const find = (socket: net.Socket, value: unknown): symbol | undefined => Object.getOwnPropertySymbols(socket).find((key) => (socket as unknown as Record<symbol, unknown>)[key] === value);
    const found = { buffer: find(plain, buffer), callback: find(plain, callback), generator: find(generated, generator) };
    plain.destroy();
    generated.destroy();
    if (found.buffer && found.callback && found.generator && found.buffer !== found.callback) keys = found as OnreadKeys;
  } catch {
    // An unfamiliar Node: 'data' events it is.
  }
  return keys;
}

/**
 * Delivers what `stream` reads to `listener`, straight from the handle for plain TCP and Unix
 * sockets, through 'data' events otherwise. Pause, resume, 'end', 'close' and 'error' behave
 * as for any stream (net.Socket's pause and resume know the `onread` mode).
 */
export function readChunks(stream: Duplex, listener: ChunkListener): void {
  const found = stream instanceof net.Socket && !(stream instanceof tls.TLSSocket) ? onreadKeys() : null;
  const handle = (stream as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (stream.readableLength > 0) {
    // Bytes already read into the stream's own buffer (a socket handed over after someone
    // listened to it) come only as 'data': read the whole stream that way, from its start.
    stream.on('data', listener);
    stream.resume();
    return;
  }
  if (!found || !handle || typeof handle.useUserBuffer !== 'function') {
    stream.on('data', listener);
    return;
  }
  shared ??= Buffer.allocUnsafeSlow(SHARED_BYTES);
  const target = stream as unknown as Record<symbol, unknown>;
  target[found.buffer] = shared;
  target[found.generator] = null;
  target[found.callback] = (nread: number, buffer: Buffer): boolean => {
    const chunk = Buffer.allocUnsafe(nread);
    chunk.set(nread === buffer.length ? buffer : buffer.subarray(0, nread));
    listener(chunk);
    return true;
  };
  handle.useUserBuffer(shared);
}
