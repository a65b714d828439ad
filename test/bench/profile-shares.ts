/**
 * `npm run bench:profile -- FILE.cpuprofile…`: where a broker profile's busy time went, by
 * the parts the fleet work (#16) changed — the write syscall, the write path's stream
 * machinery and flush scheduling, the read path, timers, the garbage collector, the broker's
 * own code — as shares of the non-idle samples (self time), one column per file. Profiles come
 * from the fleet rows run with `BENCH_BROKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR'`
 * (README, Benchmarks → Device fleet). A function is put in a part by its name and file, so
 * the parts are approximate: Node's own functions named as in Node 20.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The .cpuprofile format, as far as it is read here. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Parts, tried in order: the first whose pattern matches `name file` takes the sample. */
const PARTS: Array<[string, RegExp]> = [
  ['idle', /^\(idle\) $/],
  ['write syscall (writeBuffer, writev)', /^(writeBuffer|writev|writeUtf8String|writeLatin1String) $/],
  ['garbage collector', /^\(garbage collector\) $/],
  ['timers (keepalive, CONNECT timeout)', /^((listOnTimeout|processTimers|insert|insertGuarded|setTimeout|clearTimeout|unenroll|Timeout|setInterval|clearInterval) .*|(check|tick|schedule|unschedule|armKeepalive) main\.js)$/],
  [
    'read path (data events, onread, copy)',
    /^((onStreamRead|createUnsafeBuffer|createPool|FastBuffer|allocate|allocUnsafe|_copyActual|subarray) .*|(addChunk|readableAddChunk|readableAddChunkPushByteMode|Readable\.push|maybeReadMore|maybeReadMore_|emitReadable|emitReadable_|Readable\.read) readable|emit node:events|target\.<computed> main\.js)$/,
  ],
  [
    'write path (stream machinery, flush scheduling)',
    /^((Socket\._write|Socket\._writev|Socket\._writeGeneric|_write|_writev|writeOrBuffer|doWrite|onwrite|afterWrite|afterWriteTick|clearBuffer|writeGeneric|writevGeneric|createWriteWrap|handleWriteReq|afterWriteDispatched|Writable\.write|Writable\.cork|Writable\.uncork|nextTick|processTicksAndRejections|runMicrotasks|processImmediate|getEncodingOps) .*|(flush|flushAll|flushPending|flushTick|put|keptUp|endRun|write) main\.js)$/,
  ],
  ["broker's own code (main.js)", / main\.js$/],
  ['other (V8, Node)', /.*/],
];

/** Self time per part, in µs, over the whole profile. */
function partTimes(profile: CpuProfile): Map<string, number> {
  const part = new Map<number, string>();
  for (const node of profile.nodes) {
    const key = `${node.callFrame.functionName} ${path.basename(node.callFrame.url)}`;
    part.set(node.id, PARTS.find(([, pattern]) => pattern.test(key))![0]);
  }
  const times = new Map<string, number>(PARTS.map(([name]) => [name, 0]));
  // Each sample's time is the delta to the next one.
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const name = part.get(profile.samples[i]!)!;
    times.set(name, times.get(name)! + profile.timeDeltas[i + 1]!);
  }
  return times;
}

function main(files: string[]): void {
  if (files.length === 0) {
    console.error('usage: npm run bench:profile -- FILE.cpuprofile [FILE.cpuprofile…]');
    process.exitCode = 2;
    return;
  }
  const columns = files.map((file) => partTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile));
  console.log(['part', ...files.map((f) => path.basename(f))].join(' | '));
  for (const [name] of PARTS) {
    if (name === 'idle') continue;
    const cells = columns.map((times) => {
      const busy = [...times].reduce((sum, [n, t]) => (n === 'idle' ? sum : sum + t), 0);
      return `${((100 * times.get(name)!) / busy).toFixed(1)} %`;
    });
    console.log([name, ...cells].join(' | '));
  }
  const busySeconds = columns.map((times) => ([...times].reduce((sum, [n, t]) => (n === 'idle' ? sum : sum + t), 0) / 1e6).toFixed(2));
  console.log(['busy (s)', ...busySeconds].join(' | '));
}

main(process.argv.slice(2));
