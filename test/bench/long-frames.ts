/**
 * The flood report's account of the page's long animation frames (page-metrics.ts records
 * them): how their time split between script and rendering, and which scripts ran in them,
 * named by their place in the source (the renderer bundle is minified; its source map, beside
 * it in dist/renderer/assets, gives the original file, line and function name).
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LongFrame, LongFrameScript } from './page-metrics';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One source map, decoded lazily per generated line. */
interface LoadedMap {
  lineStarts: number[];
  sources: string[];
  names: string[];
  lines: string[];
}

/** Decodes one line of a source map's `mappings` into [column, source, line, column, name?] segments. */
function decodeLine(text: string, state: number[]): number[][] {
  const segments: number[][] = [];
  // The generated column restarts each line; source, line, column and name run on (state).
  let column = 0;
  for (const part of text.split(',')) {
    if (!part) continue;
    const values: number[] = [];
    let value = 0;
    let shift = 0;
    for (const char of part) {
      const digit = BASE64.indexOf(char);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    column += values[0] ?? 0;
    if (values.length < 4) continue;
    for (let i = 1; i < values.length; i++) state[i - 1]! += values[i]!;
    segments.push([column, state[0]!, state[1]!, state[2]!, values.length > 4 ? state[3]! : -1]);
  }
  return segments;
}

/** Resolves script positions in the renderer's bundles to their sources; `dir` holds the built assets. */
export class SourcePlaces {
  private readonly maps = new Map<string, LoadedMap | null>();
  /** Decoded lines per bundle, with the running state after each (decoding must go in order). */
  private readonly decoded = new Map<string, { segments: number[][][]; state: number[] }>();

  constructor(private readonly dir: string) {}

  /** `file:line fn` for a script of a long frame, or its own names when there is no map. */
  name(script: LongFrameScript): string {
    const own = `${script.invokerType} ${script.invoker}${script.fn ? ` → ${script.fn}` : ''}`;
    const place = script.url && script.at >= 0 ? this.place(script.url, script.at) : undefined;
    return place ? `${own} (${place})` : own;
  }

  private place(url: string, at: number): string | undefined {
    const base = path.basename(new URL(url, 'http://x/').pathname);
    const map = this.load(base);
    if (!map) return undefined;
    // The character offset to a line and column of the bundle.
    let line = 0;
    for (let lo = 0, hi = map.lineStarts.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if (map.lineStarts[mid]! <= at) {
        line = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const column = at - map.lineStarts[line]!;
    const segments = this.segments(base, map, line);
    let found: number[] | undefined;
    for (const segment of segments) {
      if (segment[0]! > column) break;
      found = segment;
    }
    if (!found) return undefined;
    const source = (map.sources[found[1]!] ?? '?').replace(/^.*?\/(renderer|shared|node_modules)\//, '$1/');
    const name = found[4]! >= 0 ? ` ${map.names[found[4]!]}` : '';
    return `${source}:${found[2]! + 1}${name}`;
  }

  private load(base: string): LoadedMap | null {
    if (!this.maps.has(base)) {
      const file = path.join(this.dir, base);
      let loaded: LoadedMap | null = null;
      if (existsSync(file) && existsSync(`${file}.map`)) {
        const code = readFileSync(file, 'utf8');
        const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[]; names: string[]; mappings: string };
        const lineStarts = [0];
        for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
        loaded = { lineStarts, sources: raw.sources, names: raw.names, lines: raw.mappings.split(';') };
      }
      this.maps.set(base, loaded);
    }
    return this.maps.get(base)!;
  }

  private segments(base: string, map: LoadedMap, line: number): number[][] {
    let done = this.decoded.get(base);
    if (!done) this.decoded.set(base, (done = { segments: [], state: [0, 0, 0, 0] }));
    while (done.segments.length <= line && done.segments.length < map.lines.length) done.segments.push(decodeLine(map.lines[done.segments.length]!, done.state));
    return done.segments[line] ?? [];
  }
}

/** Report lines: the long frames' split, the scripts that took most of their time, and the longest frames. */
export function describeLongFrames(frames: LongFrame[], places: SourcePlaces): string[] {
  if (frames.length === 0) return ['none (or no Long Animation Frames API)'];
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const total = sum(frames.map((f) => f.duration));
  const render = sum(frames.map((f) => f.render));
  const styleLayout = sum(frames.map((f) => f.styleLayout));
  const lines = [
    `${frames.length} frames > 50 ms (${frames.filter((f) => f.duration > 100).length} > 100 ms), ${total.toFixed(0)} ms in all: render phase ${render.toFixed(0)} ms (of it style, layout and paint ${styleLayout.toFixed(0)} ms), before it ${(total - render).toFixed(0)} ms`,
  ];
  const byScript = new Map<string, { ms: number; frames: number; forced: number }>();
  for (const frame of frames) {
    for (const script of frame.scripts) {
      const key = places.name(script);
      const entry = byScript.get(key) ?? { ms: 0, frames: 0, forced: 0 };
      entry.ms += script.duration;
      entry.frames++;
      entry.forced += script.forcedLayout;
      byScript.set(key, entry);
    }
  }
  lines.push('scripts in them (the 5 longest of each frame), by time:');
  for (const [key, e] of [...byScript].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) {
    lines.push(`  ${e.ms.toFixed(0)} ms in ${e.frames} frames${e.forced >= 1 ? ` (forced style/layout ${e.forced.toFixed(0)} ms)` : ''}: ${key}`);
  }
  lines.push('longest frames:');
  for (const frame of [...frames].sort((a, b) => b.duration - a.duration).slice(0, 5)) {
    const scripts = frame.scripts.slice(0, 3).map((s) => `${s.duration.toFixed(0)} ms ${places.name(s)}`);
    lines.push(`  ${frame.duration.toFixed(0)} ms at ${(frame.start / 1000).toFixed(1)} s in (render ${frame.render.toFixed(0)}, style/layout ${frame.styleLayout.toFixed(0)}): ${scripts.join('; ') || 'no script over 5 ms'}`);
  }
  return lines;
}
