/**
 * A ring buffer capped both in items and in bytes: at high message rates the UI keeps the
 * newest messages and counts what it evicted, instead of growing without bound.
 */

/** Options for {@link RingBuffer}. */
export interface RingBufferLimits {
  maxItems: number;
  maxBytes: number;
}

/** Slots a ring starts with; it doubles up to `maxItems` as it fills. */
const INITIAL_CAPACITY = 1024;

/**
 * Oldest-first storage that evicts from the front when either cap would be exceeded.
 * Storage grows with use: a connection that captures 50 packets does not pay for a cap of
 * a million.
 */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private sizes: Float64Array;
  private capacity: number;
  private head = 0;
  private count = 0;
  private byteTotal = 0;
  /** How many items were evicted to stay within the caps, since creation or `clear()`. */
  evicted = 0;

  /**
   * @param onEvict called with each item the caps push out, oldest first (not on `clear`),
   * e.g. to let go of what the item shares with others.
   */
  constructor(
    private readonly limits: RingBufferLimits,
    private readonly sizeOf: (item: T) => number,
    private readonly onEvict?: (item: T) => void,
  ) {
    if (!(limits.maxItems >= 1)) throw new Error('maxItems must be at least 1');
    this.capacity = Math.min(limits.maxItems, INITIAL_CAPACITY);
    this.items = new Array<T | undefined>(this.capacity);
    this.sizes = new Float64Array(this.capacity);
  }

  /** Number of items held. */
  get length(): number {
    return this.count;
  }

  /** Bytes held, as measured by `sizeOf`. */
  get bytes(): number {
    return this.byteTotal;
  }

  /** Appends an item, evicting the oldest ones as needed. An item larger than maxBytes is kept alone. */
  push(item: T): void {
    const size = this.sizeOf(item);
    while (this.count > 0 && (this.count >= this.limits.maxItems || this.byteTotal + size > this.limits.maxBytes)) {
      this.shift();
    }
    if (this.count === this.capacity) this.grow();
    const index = (this.head + this.count) % this.capacity;
    this.items[index] = item;
    this.sizes[index] = size;
    this.count++;
    this.byteTotal += size;
  }

  /** The item at a position, 0 being the oldest held. */
  at(position: number): T | undefined {
    if (position < 0 || position >= this.count) return undefined;
    return this.items[(this.head + position) % this.capacity];
  }

  /** Removes everything and resets the eviction count. */
  clear(): void {
    this.capacity = Math.min(this.limits.maxItems, INITIAL_CAPACITY);
    this.items = new Array<T | undefined>(this.capacity);
    this.sizes = new Float64Array(this.capacity);
    this.head = 0;
    this.count = 0;
    this.byteTotal = 0;
    this.evicted = 0;
  }

  /** Copies the held items out, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i)!);
    return out;
  }

  /** Doubles the storage (up to maxItems), laying the items out from slot 0. */
  private grow(): void {
    const capacity = Math.min(this.limits.maxItems, this.capacity * 2);
    const items = new Array<T | undefined>(capacity);
    const sizes = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.capacity;
      items[i] = this.items[from];
      sizes[i] = this.sizes[from]!;
    }
    this.items = items;
    this.sizes = sizes;
    this.capacity = capacity;
    this.head = 0;
  }

  private shift(): void {
    this.byteTotal -= this.sizes[this.head]!;
    if (this.onEvict) this.onEvict(this.items[this.head]!);
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.evicted++;
  }
}

/**
 * The item with a given sequence number, in a ring of items whose `seq` values are
 * contiguous and increasing (as message and packet stores are): a direct index, no search.
 */
export function atSeq<T extends { seq: number }>(ring: RingBuffer<T>, seq: number): T | undefined {
  const first = ring.at(0);
  if (!first) return undefined;
  const item = ring.at(seq - first.seq);
  return item?.seq === seq ? item : undefined;
}
