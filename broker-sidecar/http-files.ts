/**
 * mosquitto's `http_dir`: a websockets listener also answers plain HTTP GET requests with
 * the files of one folder (`/` is its index.html), so a web client can be served from the
 * broker itself. Nothing outside the folder is reachable: not by `..`, not through symbolic
 * links. Without http_dir, plain requests get 404, as in mosquitto.
 */

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/** Handles one plain HTTP request: a file of `dir`, or an error status. `done` learns the status. */
export async function serveFile(dir: string | undefined, request: IncomingMessage, response: ServerResponse, done: (status: number) => void): Promise<void> {
  const end = (status: number, text: string): void => {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    response.end(request.method === 'HEAD' ? undefined : text);
    done(status);
  };
  if (dir === undefined) return end(404, 'Not Found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') return end(405, 'Method Not Allowed\n');
  let file: string;
  try {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
    if (pathname.includes('\0')) return end(400, 'Bad Request\n');
    const root = await realpath(dir);
    file = await realpath(path.join(root, path.normalize(pathname)));
    // Checked after resolving links: a link inside the folder must not lead out of it.
    if (file !== root && !file.startsWith(root + path.sep)) return end(403, 'Forbidden\n');
    if ((await stat(file)).isDirectory()) file = await realpath(path.join(file, 'index.html'));
    if (!file.startsWith(root + path.sep) || !(await stat(file)).isFile()) return end(404, 'Not Found\n');
  } catch {
    return end(404, 'Not Found\n'); // missing, unreadable, or a malformed escape in the URL
  }
  const size = (await stat(file)).size;
  response.writeHead(200, { 'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'content-length': size });
  if (request.method === 'HEAD') {
    response.end();
    return done(200);
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .on('end', () => done(200))
    .pipe(response);
}
