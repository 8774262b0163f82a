/**
 * Bounded rolling-window helpers for the streaming detectors: a window kept sorted (median and
 * quantiles in O(1), an insert or removal in O(window)) and the maximum of the last N values
 * (monotonic deque, amortised O(1), at most N values kept).
 */

import { quantileSorted } from '@awo/shared';

/** The last `capacity` values, kept in insertion order and in sorted order. */
export class SortedWindow {
  readonly capacity: number;
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private start = 0;
  private size = 0;

  /** @param capacity number of values kept (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SortedWindow capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /**
   * Adds a finite value; when full, the oldest value leaves and is returned.
   * Non-finite values would break the order and are refused.
   */
  push(value: number): number | undefined {
    if (!Number.isFinite(value)) throw new RangeError(`SortedWindow takes finite values, got ${value}`);
    let evicted: number | undefined;
    if (this.size === this.capacity) {
      evicted = this.ring[this.start]!;
      this.ring[this.start] = value;
      this.start = (this.start + 1) % this.capacity;
      this.remove(evicted);
    } else {
      this.ring[(this.start + this.size) % this.capacity] = value;
      this.size++;
    }
    this.insert(value);
    return evicted;
  }

  /** Median of the values held (NaN when empty). */
  median(): number {
    const n = this.size;
    if (n === 0) return Number.NaN;
    const s = this.sorted;
    return n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  }

  /** The q-quantile (0..1) with linear interpolation (NaN when empty). */
  quantile(q: number): number {
    if (Number.isNaN(q)) return Number.NaN;
    return quantileSorted(this.sorted.subarray(0, this.size), Math.min(1, Math.max(0, q)));
  }

  /** Removes every value. */
  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  /** First index in the sorted part whose value is not below `x`. */
  private lowerBound(x: number, n: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Called with `size` already counting the new value; the sorted part holds size - 1 values.
  private insert(x: number): void {
    const n = this.size - 1;
    const i = this.lowerBound(x, n);
    this.sorted.copyWithin(i + 1, i, n);
    this.sorted[i] = x;
  }

  // Called while the sorted part still holds `size` values, before the new one goes in.
  private remove(x: number): void {
    const n = this.size;
    const i = this.lowerBound(x, n);
    this.sorted.copyWithin(i, i + 1, n);
  }
}

/**
 * Maximum of the last `horizon` values pushed (a monotonic deque in a ring: amortised O(1) per
 * push, at most `horizon` values held).
 */
export class SlidingMax {
  readonly horizon: number;
  private readonly values: Float64Array;
  private readonly stamps: Float64Array;
  private head = 0;
  private size = 0;
  private pushed = 0;

  constructor(horizon: number) {
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`SlidingMax horizon must be a positive integer, got ${horizon}`);
    this.horizon = horizon;
    this.values = new Float64Array(horizon);
    this.stamps = new Float64Array(horizon);
  }

  /** Number of values pushed so far (not capped by the horizon). */
  get count(): number {
    return this.pushed;
  }

  /** The maximum of the last `horizon` values, or -Infinity before the first push. */
  max(): number {
    return this.size === 0 ? Number.NEGATIVE_INFINITY : this.values[this.head]!;
  }

  push(value: number): void {
    const cap = this.horizon;
    // Drop from the back every value this one dominates: it outlives them.
    while (this.size > 0 && this.values[(this.head + this.size - 1) % cap]! <= value) this.size--;
    const t = this.pushed++;
    // Drop from the front what has left the horizon.
    while (this.size > 0 && this.stamps[this.head]! <= t - cap) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
    const at = (this.head + this.size) % cap;
    this.values[at] = value;
    this.stamps[at] = t;
    this.size++;
  }
}
