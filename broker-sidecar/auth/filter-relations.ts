/**
 * Relations between two topic filters, used to decide SUBSCRIBE requests against ACL filters
 * (shared/topic.ts answers the filter-versus-topic question). Both filters are assumed valid.
 * The `$` rule of MQTT [MQTT-4.7.2-1] holds throughout: a leading wildcard never reaches a
 * level starting with `$`.
 */

function startsWithDollarClash(a: string[], b: string[]): boolean {
  const a0 = a[0]!;
  const b0 = b[0]!;
  return (isWildcard(a0) && b0.startsWith('$')) || (isWildcard(b0) && a0.startsWith('$'));
}

function isWildcard(level: string): boolean {
  return level === '+' || level === '#';
}

/** Whether some topic name matches both filters. */
export function filtersIntersect(a: string, b: string): boolean {
  const la = a.split('/');
  const lb = b.split('/');
  if (startsWithDollarClash(la, lb)) return false;
  for (let i = 0; ; i++) {
    const x = la[i];
    const y = lb[i];
    // '#' also matches the parent level ("a/#" matches "a"), so it ends the question either way.
    if (x === '#' || y === '#') return true;
    if (x === undefined || y === undefined) return x === y;
    if (x !== '+' && y !== '+' && x !== y) return false;
  }
}

/** Whether every topic name matching `inner` also matches `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  const lo = outer.split('/');
  const li = inner.split('/');
  // outer '#'/'+' at the root cannot reach '$' topics that inner names literally.
  if (isWildcard(lo[0]!) && li[0]!.startsWith('$')) return false;
  for (let i = 0; ; i++) {
    const o = lo[i];
    const n = li[i];
    if (o === '#') return true;
    if (o === undefined) return n === undefined;
    if (n === undefined) return false;
    if (n === '#') return false;
    if (o === '+') continue;
    if (n === '+' || n !== o) return false;
  }
}
