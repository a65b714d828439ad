/**
 * Two packets side by side, field by field: what changed between two PUBLISHes, two
 * CONNECTs. Fields are matched by their path in the decoded tree (a repeated name counts
 * as its own field: the second Subscription with the second), so a field present in one
 * packet only shows as added or removed in its place.
 */

import type { FieldNode, PacketAnatomy } from './packet-anatomy';

/** One row of a comparison. */
export interface FieldComparison {
  /** Names from the top of the tree, e.g. ['Variable header', 'Topic name']. */
  path: string[];
  /** The field's value in each packet; undefined where that packet has no such field. */
  a: string | undefined;
  b: string | undefined;
  /** The values differ, or the bytes of a leaf do (a payload whose preview is the same). */
  changed: boolean;
}

interface Entry {
  key: string;
  path: string[];
  value: string;
  bytes: Uint8Array | undefined;
}

function flatten(fields: readonly FieldNode[], frame: Uint8Array, parent: string[], out: Entry[]): Entry[] {
  const seen = new Map<string, number>();
  for (const field of fields) {
    const n = (seen.get(field.name) ?? 0) + 1;
    seen.set(field.name, n);
    const path = [...parent, n > 1 ? `${field.name} #${n}` : field.name];
    // Bytes tell apart what a value's preview cannot (long payloads); one-byte fields are
    // their value (bit fields share their byte with siblings, so its bytes would mislead).
    const wide = !field.children && field.end - field.start > 1;
    out.push({ key: path.join('\u0000'), path, value: field.value === null ? '' : String(field.value), bytes: wide ? frame.subarray(field.start, field.end) : undefined });
    if (field.children) flatten(field.children, frame, path, out);
  }
  return out;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares two decoded packets (with their bytes), in the first packet's field order. */
export function comparePackets(a: PacketAnatomy, aBytes: Uint8Array, b: PacketAnatomy, bBytes: Uint8Array): FieldComparison[] {
  const left = flatten(a.fields, aBytes, [], []);
  const right = flatten(b.fields, bBytes, [], []);
  const rightIndex = new Map(right.map((e, i) => [e.key, i]));
  const leftKeys = new Set(left.map((e) => e.key));
  const rows: FieldComparison[] = [];
  let next = 0;
  const rightOnlyUntil = (end: number) => {
    for (; next < end; next++) {
      const e = right[next]!;
      if (!leftKeys.has(e.key)) rows.push({ path: e.path, a: undefined, b: e.value, changed: true });
    }
  };
  for (const e of left) {
    const j = rightIndex.get(e.key);
    if (j === undefined) {
      rows.push({ path: e.path, a: e.value, b: undefined, changed: true });
      continue;
    }
    if (j >= next) {
      rightOnlyUntil(j);
      next = j + 1;
    }
    const other = right[j]!;
    rows.push({ path: e.path, a: e.value, b: other.value, changed: e.value !== other.value || !sameBytes(e.bytes, other.bytes) });
  }
  rightOnlyUntil(right.length);
  return rows;
}
