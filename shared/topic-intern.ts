/**
 * ASCII topic bytes → one shared string per distinct topic. A fleet sends the same few
 * thousand topics over and over: decoding each arrival into a fresh string costs an
 * allocation, and a message store of 100,000 records then holds 100,000 copies of the same
 * few thousand names for the garbage collector to walk. Here a topic is hashed in place
 * and compared byte for byte with the string cached for that hash; only a topic not seen
 * yet is decoded. Memory is bounded: the cache forgets everything once it holds
 * `maxEntries` topics or `maxChars` characters, and starts over.
 */

/** Bounds of a {@link TopicInterner}. */
export interface TopicInternerLimits {
  maxEntries: number;
  maxChars: number;
}

/** Defaults: 65,536 topics or 4 M characters (about 8 MB of strings). */
export const DEFAULT_TOPIC_INTERNER_LIMITS: TopicInternerLimits = { maxEntries: 65_536, maxChars: 4 * 1024 * 1024 };

/** Strings for printable-ASCII topics read straight from packet bytes. */
export class TopicInterner {
  private slots: Array<string | undefined>;
  private mask: number;
  private entries = 0;
  private chars = 0;

  constructor(private readonly limits: TopicInternerLimits = DEFAULT_TOPIC_INTERNER_LIMITS) {
    // Open addressing at most half full: a power of two at least twice the entry bound.
    let size = 1024;
    while (size < limits.maxEntries * 2) size *= 2;
    this.slots = new Array<string | undefined>(size);
    this.mask = size - 1;
  }

  /** Topics cached now. */
  get size(): number {
    return this.entries;
  }

  /**
   * The topic in `bytes[start, end)`, which the caller has checked is printable ASCII
   * (shared/packet-rules/simple-publish.ts): each byte is one UTF-16 unit.
   */
  topic(bytes: Uint8Array, start: number, end: number): string {
    // FNV-1a over the bytes, folded to 32 bits.
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const length = end - start;
    let slot = hash & this.mask;
    for (;;) {
      const cached = this.slots[slot];
      if (cached === undefined) break;
      if (cached.length === length && sameAscii(cached, bytes, start)) return cached;
      slot = (slot + 1) & this.mask;
    }
    const topic = asciiString(bytes, start, end);
    if (length > this.limits.maxChars) return topic;
    if (this.entries >= this.limits.maxEntries || this.chars + length > this.limits.maxChars) {
      this.clear();
      slot = hash & this.mask;
    }
    this.slots[slot] = topic;
    this.entries++;
    this.chars += length;
    return topic;
  }

  /** Forgets every cached topic. */
  clear(): void {
    this.slots = new Array<string | undefined>(this.slots.length);
    this.entries = 0;
    this.chars = 0;
  }
}

function sameAscii(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** Bytes 0x00–0x7F as a string, in pieces small enough for `fromCharCode`'s argument list. */
function asciiString(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let at = start; at < end; at += 8192) text += String.fromCharCode(...bytes.subarray(at, Math.min(end, at + 8192)));
  return text;
}
