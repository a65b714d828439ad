/**
 * "Open capture…": a pcap or pcapng file from tcpdump, dumpcap or Wireshark read in the page
 * (nothing is uploaded; the backend is not involved), its MQTT connections shown in the
 * sidebar as read-only connections with the same inspector as live ones. The file is read
 * in short slices so the window keeps drawing at its frame rate while a million packets load.
 */

import { CaptureFormatError, CaptureReader, type CaptureContents, type CaptureStream } from '../../../shared/capture-file/mqtt-capture';
import type { PacketRecord } from '../../../shared/contract';
import { mayLeaveEditor } from './profile-actions';
import { showToast, useAppStore, type OpenedCapture } from './app-store';
import { dropAnalysis } from './flow-analysis';
import { dropPackets, packetsFor, type ConnectionPackets } from './packet-log';
import { yieldToPage } from './next-task';

/**
 * Milliseconds of reading before the page gets its turn: well under a frame (16.7 ms), so a
 * frame that falls due during a slice is drawn at most this late. 40 ms slices made every
 * frame of the open 33 to 50 ms.
 */
const SLICE_MS = 8;
/** Milliseconds between two progress reports. */
const PROGRESS_MS = 100;
/** Capture frames read between two looks at the clock (about 1 ms of framing). */
const FRAMES_PER_CHECK = 1024;

let files = 0;

/** What reading a file needs: where its bytes go, and who hears of progress and packets. */
interface ReadOptions {
  onProgress: (fraction: number) => void;
  onPacket?: ((stream: CaptureStream, packet: PacketRecord) => void) | undefined;
}

/**
 * Reads a capture file while it streams in: chunks are copied into one buffer of the file's
 * size and framed as soon as they arrive, so reading the disk and framing overlap, in slices
 * of about {@link SLICE_MS} ms between which the page draws. Packets go to `onPacket` as they are framed.
 */
export async function readCaptureFile(file: Blob, { onProgress, onPacket }: ReadOptions): Promise<CaptureContents> {
  const bytes = new Uint8Array(file.size);
  const chunks = file.stream().getReader();
  let received = 0;
  let ended = false;
  let reader: CaptureReader | undefined;
  let sliceStart = performance.now();
  let reported = sliceStart;
  for (;;) {
    if (!ended) {
      const { done, value } = await chunks.read();
      if (done) {
        ended = true;
        if (received !== bytes.length) throw new Error(`the file changed while it was read (${received} of ${bytes.length} bytes)`);
      } else {
        bytes.set(value.subarray(0, bytes.length - received), received);
        received = Math.min(bytes.length, received + value.length);
      }
    }
    // The header decides the format: wait for it (a short file is judged whole).
    if (!reader && (received >= 32 || ended)) reader = new CaptureReader(bytes.subarray(0, ended ? received : bytes.length), onPacket, received);
    if (!reader) continue;
    reader.supply(received);
    let done = false;
    while (!done && !(reader.waiting && !ended)) {
      done = reader.step(FRAMES_PER_CHECK);
      if (performance.now() - sliceStart > SLICE_MS) break;
    }
    if (done) return reader.result();
    if (performance.now() - sliceStart > SLICE_MS) {
      // The progress bar moves a few times a second, not at every slice (each is a React render).
      if (sliceStart - reported > PROGRESS_MS) {
        onProgress(reader.progress);
        reported = sliceStart;
      }
      // A macrotask, so input and rendering get their turn.
      await yieldToPage();
      sliceStart = performance.now();
    }
  }
}

/** Opens a capture file chosen by the user and shows its first MQTT connection. */
export async function openCaptureFile(file: File): Promise<void> {
  if (!mayLeaveEditor()) return;
  useAppStore.setState({ captureLoading: { fileName: file.name, progress: 0 } });
  try {
    // Timed with a User Timing measure, for profiles and the bench.
    const start = performance.now();
    const fileId = `capture-${++files}`;
    const logs = new Map<CaptureStream, ConnectionPackets>();
    const contents = await readCaptureFile(file, {
      onProgress: (progress) => useAppStore.setState({ captureLoading: { fileName: file.name, progress } }),
      onPacket: (stream, packet) => {
        let log = logs.get(stream);
        if (!log) logs.set(stream, (log = packetsFor(`${fileId}-${stream.tcpStream}`)));
        log.buffer.push(packet);
      },
    });
    performance.measure('capture: read and framed', { start });
    showCapture(file.name, contents, fileId);
  } catch (error) {
    const why = error instanceof CaptureFormatError ? error.message : `Could not read it: ${(error as Error).message}`;
    showToast(`${file.name}: ${why}`);
  } finally {
    useAppStore.setState({ captureLoading: undefined });
  }
}

/**
 * Puts the MQTT connections of a read file into the sidebar, and into packet logs unless
 * they were filled while reading (then `fileId` names them).
 */
export function showCapture(fileName: string, contents: CaptureContents, fileId = `capture-${++files}`): void {
  for (const skipped of contents.skipped) dropPackets(`${fileId}-${skipped.tcpStream}`);
  const opened: OpenedCapture[] = contents.streams.map((stream) => {
    const id = `${fileId}-${stream.tcpStream}`;
    const log = packetsFor(id);
    log.protocolVersion = stream.protocolVersion;
    for (const packet of stream.packets) log.buffer.push(packet);
    return {
      id,
      fileId,
      fileName,
      client: stream.client,
      server: stream.server,
      transport: stream.transport,
      protocolVersion: stream.protocolVersion,
      clientId: stream.clientId,
      packets: stream.packetCount,
      problems: stream.problems,
      closed: stream.closed,
    };
  });
  const skipped = contents.skipped.filter((s) => s.reason !== 'no data');
  const notes = [...contents.problems, ...skipped.map((s) => `TCP stream ${s.tcpStream} (${s.endpoints}): ${s.reason}`)];
  // Streams that are no MQTT connection the app can show (TLS above all) stay listed under the file.
  const listed = skipped.filter((s) => s.reason.startsWith('TLS'));
  if (listed.length) useAppStore.setState((s) => ({ capturesSkipped: [...s.capturesSkipped, ...listed.map((stream) => ({ fileId, fileName, ...stream }))] }));
  if (opened.length === 0) {
    showToast(`${fileName}: no MQTT connections among ${contents.frames} frames${notes.length ? ` — ${notes.join('; ')}` : ''}`);
    return;
  }
  const packets = opened.reduce((n, c) => n + c.packets, 0);
  showToast(`${fileName}: ${opened.length} MQTT connection${opened.length === 1 ? '' : 's'}, ${packets.toLocaleString('en')} packets${notes.length ? ` — ${notes.join('; ')}` : ''}`, notes.length ? 'error' : 'info');
  useAppStore.setState((s) => ({
    captures: [...s.captures, ...opened],
    selectedCaptureId: opened[0]!.id,
    brokerOpen: false,
    draft: undefined,
    viewTabs: { ...s.viewTabs, ...Object.fromEntries(opened.map((c) => [c.id, 'packets' as const])) },
  }));
}

/** Shows one capture connection. */
export function selectCapture(id: string): void {
  if (mayLeaveEditor()) useAppStore.setState({ selectedCaptureId: id, draft: undefined, brokerOpen: false });
}

/** Closes every connection of a capture file and frees its packets. */
export function closeCaptureFile(fileId: string): void {
  const closing = useAppStore.getState().captures.filter((c) => c.fileId === fileId);
  for (const capture of closing) {
    dropPackets(capture.id);
    dropAnalysis(capture.id);
  }
  useAppStore.setState((s) => ({
    captures: s.captures.filter((c) => c.fileId !== fileId),
    capturesSkipped: s.capturesSkipped.filter((c) => c.fileId !== fileId),
    selectedCaptureId: closing.some((c) => c.id === s.selectedCaptureId) ? undefined : s.selectedCaptureId,
  }));
}
