/**
 * Numeric history per topic and series name, for the topic chart and the rows' sparklines:
 * a ring of (time, value) pairs that grows by doubling from a few points up to
 * {@link MAX_POINTS}, while the whole connection stays within a byte budget. Past the
 * budget, rings stop growing and keep cycling (every topic keeps its newest points), and
 * series that would be new are not kept (counted, and said in the Topics view).
 *
 * The rings are plain arrays of doubles, not typed arrays: a fleet creates series by the
 * hundred thousand, and a typed array costs the page an ArrayBuffer each, several times
 * the cost of the array.
 */

/** Points kept per series at most. */
export const MAX_POINTS = 1000;
/** Points a series starts with. */
const FIRST_CAPACITY = 8;
/** Bytes one point costs (a time and a value, both doubles). */
const POINT_BYTES = 16;
/** Bytes a series costs besides its points. */
const SERIES_BYTES = 160;
/** Series kept per topic at most (a JSON object's numeric fields). */
export const MAX_SERIES_PER_TOPIC = 32;

/** The byte budget of all series of one connection. */
export const SERIES_BUDGET_BYTES = 64 * 1024 * 1024;

/** Counts the bytes the series of one connection hold, and the series refused past it. */
export interface SeriesBudget {
  bytes: number;
  refused: number;
}

/** One series: the newest points, oldest first. */
export class SeriesRing {
  /**
   * Points in order of arrival while the ring has room (`start` 0), appended in place: a
   * fleet grows 30,000 series at once, and a pair of new arrays copied at every doubling
   * cost the page more than the points themselves. Once full the ring cycles from `start`.
   */
  private times: number[] = [];
  private values: number[] = [];
  private start = 0;
  /** Points the ring may hold now (counted in the budget); grows by doubling up to MAX_POINTS. */
  private capacity = FIRST_CAPACITY;
  /** Points held. */
  length = 0;

  private constructor(private readonly budget: SeriesBudget) {
    budget.bytes += SERIES_BYTES + FIRST_CAPACITY * POINT_BYTES;
  }

  /** A new series, or undefined when the budget is spent (the refusal is counted). */
  static create(budget: SeriesBudget): SeriesRing | undefined {
    if (budget.bytes + SERIES_BYTES + FIRST_CAPACITY * POINT_BYTES > SERIES_BUDGET_BYTES) {
      budget.refused++;
      return undefined;
    }
    return new SeriesRing(budget);
  }

  /** Adds a point (time in seconds since the epoch), dropping the oldest when full. */
  push(time: number, value: number): void {
    const capacity = this.capacity;
    if (this.length === capacity && capacity < MAX_POINTS && this.budget.bytes + capacity * POINT_BYTES <= SERIES_BUDGET_BYTES) this.grow();
    if (this.length < this.capacity) {
      // Not full yet: the points are in order from 0 (see grow), so this is an append.
      this.times.push(time);
      this.values.push(value);
      this.length++;
    } else {
      this.times[this.start] = time;
      this.values[this.start] = value;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The points as plain arrays, oldest first (for the chart of one topic). */
  toArrays(): { times: number[]; values: number[] } {
    const times: number[] = new Array(this.length);
    const values: number[] = new Array(this.length);
    const size = this.times.length;
    for (let i = 0; i < this.length; i++) {
      const at = (this.start + i) % size;
      times[i] = this.times[at]!;
      values[i] = this.values[at]!;
    }
    return { times, values };
  }

  /** The newest `count` values, oldest first, into `out` (for a sparkline); returns how many. */
  newest(count: number, out: Float64Array): number {
    const n = Math.min(count, this.length, out.length);
    const size = this.times.length;
    for (let i = 0; i < n; i++) out[i] = this.values[(this.start + this.length - n + i) % size]!;
    return n;
  }

  private grow(): void {
    const old = this.capacity;
    if (this.start !== 0) {
      // A ring that cycled puts its points back in order from 0, so appends continue it.
      this.times = [...this.times.slice(this.start), ...this.times.slice(0, this.start)];
      this.values = [...this.values.slice(this.start), ...this.values.slice(0, this.start)];
      this.start = 0;
    }
    this.capacity = Math.min(MAX_POINTS, old * 2);
    this.budget.bytes += (this.capacity - old) * POINT_BYTES;
  }
}
