/**
 * TLS key logging for mqtts and wss connections whose profile asks for it: every session
 * secret Node's TLS reports (the `keylog` event, one NSS key log line each) is appended to the
 * profile's file, so Wireshark (`tls.keylog_file`) can decrypt a capture of the same session.
 * Off unless a path is set; the file is created readable by its owner only, since anyone
 * holding it can read the traffic.
 */

import { appendFileSync, closeSync, constants, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DeskError } from '../shared/errors';

/**
 * Checks at save time that a key log file could be written (its folder exists and is
 * writable), without creating it.
 * @throws DeskError INVALID_ARGUMENTS naming the field.
 */
export async function checkKeylogPath(file: string): Promise<void> {
  const folder = path.dirname(file);
  try {
    await fs.access(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `TLS key log folder does not exist: ${folder}` : `TLS key log folder is not writable: ${folder} (${code ?? (error as Error).message})`;
    throw new DeskError('INVALID_ARGUMENTS', message, { 'tls.keylogFile': message });
  }
}

/** Appends one connection's TLS secrets to a key log file. */
export class TlsKeyLog {
  /** Lines written so far (for the UI and tests). */
  lines = 0;
  /** The first write error, if the file stopped accepting lines. */
  error: string | undefined;

  private constructor(readonly file: string) {}

  /**
   * Opens (creating if needed, mode 0600) the file for appending.
   * @throws DeskError INVALID_ARGUMENTS naming the field when it cannot be written.
   */
  static open(file: string): TlsKeyLog {
    try {
      closeSync(openSync(file, 'a', 0o600));
    } catch (error) {
      const message = `TLS key log file cannot be written: ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      throw new DeskError('INVALID_ARGUMENTS', message, { 'tls.keylogFile': message });
    }
    return new TlsKeyLog(file);
  }

  /** Logs the secrets of a TLS socket (mqtts: the stream MQTT.js built). */
  watch(stream: Duplex): void {
    if (stream instanceof tls.TLSSocket) stream.on('keylog', (line: Buffer) => this.append(line));
  }

  /**
   * For wss: the connection function `ws` uses instead of its own `tls.connect`, so the
   * socket is watched from its first handshake message.
   */
  readonly connect = (options: ConnectionOptions & { host?: string; path?: string }): TLSSocket => {
    // As ws's own tlsConnect: no path, and SNI only for a host name.
    const socket = tls.connect({ ...options, path: undefined, servername: options.servername ?? (net.isIP(options.host ?? '') ? '' : options.host) } as ConnectionOptions);
    this.watch(socket);
    return socket;
  };

  private append(line: Buffer): void {
    if (this.error) return;
    try {
      appendFileSync(this.file, line, { mode: 0o600 });
      this.lines++;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }
}
