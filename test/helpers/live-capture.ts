/**
 * Captures a test's own traffic with Debian's dumpcap or tcpdump on the loopback interface,
 * filtered to the test's port (the tests run as root). Both ends are proved by ordering.
 * The start: dumpcap prints "Capturing on" before its filter takes packets (on a loaded
 * machine a connection opened right after it was missing from the file), so the capture also
 * takes UDP datagrams to a probe port of its own, and starting waits until one of them is in
 * the file. UDP, so the probe adds no TCP stream to number (tests name tshark's tcp.stream).
 * The end: a marker connection is opened to the port after the traffic, and the capture
 * stops only once the marker's SYN is in the file.
 */

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CaptureFileCursor } from '../../shared/capture-file/pcap-file';
import { newTcpSegment, readTcpSegment, TCP, type TcpSegment } from '../../shared/capture-file/tcp-segment';

/** A running capture. */
export interface LiveCapture {
  file: string;
  /** Stops the capture once everything sent so far is in the file; returns the file's bytes. */
  stop(): Promise<Uint8Array>;
  /** Kills the capture process (teardown after a failure); no-op once stopped. */
  abort(): void;
}

/** Options for {@link startCapture}. */
export interface CaptureOptions {
  /** dumpcap writes pcapng, tcpdump classic pcap. Default dumpcap. */
  tool?: 'dumpcap' | 'tcpdump';
  /** 'lo' gives Ethernet frames, 'any' Linux cooked (SLL2) ones. Default 'lo'. */
  iface?: 'lo' | 'any';
  /** Directory for the file; a fresh temp dir by default. */
  dir?: string;
}

/** Starts capturing TCP traffic to and from `port` on 127.0.0.1. */
export async function startCapture(port: number, options: CaptureOptions = {}): Promise<LiveCapture> {
  const tool = options.tool ?? 'dumpcap';
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-capture-'));
  const file = path.join(dir, `capture-${port}.${tool === 'dumpcap' ? 'pcapng' : 'pcap'}`);
  const iface = options.iface ?? 'lo';
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.bind(0, '127.0.0.1', () => resolve());
  });
  const probePort = probe.address().port;
  const filter = `tcp port ${port} or (udp and dst port ${probePort})`;
  // tcpdump -U writes each packet as it comes, so the marker can be seen in the file.
  const args = tool === 'dumpcap' ? ['-q', '-i', iface, '-f', filter, '-w', file] : ['-U', '-n', '-i', iface, '-w', file, filter];
  const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${tool} did not start capturing within 15 s: ${stderr}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Both print this once the filter is set; packets may still be missed for a while (see the probe).
      if (/Capturing on|listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${tool} exited: ${stderr}`));
    });
  });
  try {
    await waitForProbe(file, probe, probePort, () => process.kill(child.pid!, 'SIGKILL'));
  } finally {
    probe.close();
  }
  return {
    file,
    stop: async () => {
      const markerPort = await marker(port);
      const deadline = Date.now() + 15_000;
      while (!hasSynFrom(file, markerPort)) {
        if (Date.now() > deadline) {
          process.kill(child.pid!, 'SIGKILL');
          throw new Error(`The marker connection never reached ${file}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      process.kill(child.pid!, 'SIGINT');
      await exited;
      return new Uint8Array(readFileSync(file));
    },
    abort: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    },
  };
}

/** Sends datagrams to the probe port until one is in the file (nothing else is sent yet); at most 15 s. */
async function waitForProbe(file: string, probe: dgram.Socket, probePort: number, kill: () => void): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    probe.send('probe', probePort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    if (countFrames(file) > 0) return;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`The capture's start probe never reached ${file}`);
    }
  }
}

/** The capture file's bytes and a cursor over its frames; undefined while the file is not there (or not past its header) yet. */
function openCapture(file: string): { bytes: Uint8Array; cursor: CaptureFileCursor } | undefined {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    return undefined;
  }
  return bytes.length < 24 ? undefined : { bytes, cursor: new CaptureFileCursor(bytes) };
}

/** How many frames the capture file holds; 0 while the file is not there yet. */
function countFrames(file: string): number {
  const open = openCapture(file);
  if (!open) return 0;
  while (open.cursor.next());
  return open.cursor.frames;
}

/** Opens and closes a connection to the port; resolves with its local port. */
function marker(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const local = socket.localPort!;
      socket.end();
      resolve(local);
    });
    socket.on('error', reject);
  });
}

/** How many segments of the capture file pass `test`; 0 while the file is not there yet. */
function countSegments(file: string, test: (segment: TcpSegment) => boolean): number {
  const open = openCapture(file);
  if (!open) return 0;
  const { bytes, cursor } = open;
  const segment: TcpSegment = newTcpSegment();
  let count = 0;
  while (cursor.next()) {
    if (readTcpSegment(bytes, cursor.start, cursor.end, cursor.linkType, cursor.originalLength, segment) && test(segment)) count++;
  }
  return count;
}

/** Whether the capture file already holds a SYN sent from `port`. */
function hasSynFrom(file: string, port: number): boolean {
  return countSegments(file, (segment) => segment.sourcePort === port && (segment.flags & TCP.SYN) !== 0) > 0;
}

/** Captures at most this many times until the traffic's own connection opening is in the file. */
const CAPTURE_ATTEMPTS = 3;

/**
 * Captures the traffic `traffic` makes to `port` on a new connection and returns the file
 * once all of it is in. The end is proved by the marker (see `stop`); the start is checked
 * after the fact: besides the marker's, a connection opening (SYN without ACK) to the port
 * must be in the file. A fresh-clone CI run once got a file without the TLS session it ran
 * right after dumpcap said "Capturing on"; such a capture is taken again, traffic and all.
 */
export async function captureTraffic(port: number, traffic: () => Promise<unknown>, options: CaptureOptions = {}): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const capture = await startCapture(port, options);
    try {
      await traffic();
      await capture.stop();
    } finally {
      capture.abort();
    }
    const openings = countSegments(capture.file, (segment) => segment.destinationPort === port && (segment.flags & (TCP.SYN | TCP.ACK)) === TCP.SYN);
    if (openings >= 2 || attempt === CAPTURE_ATTEMPTS) return capture.file;
  }
}
