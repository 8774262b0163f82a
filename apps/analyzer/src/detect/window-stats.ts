import { grownSize } from '../forecast/ring.js';

/**
 * Bounded rolling-window helpers for the streaming detectors: a window kept sorted (median and
 * quantiles in O(1), an insert or removal in O(window)) and the maximum of the last N values
 * (monotonic deque, amortised O(1), at most N values kept). Both allocate as values arrive
 * (doubling up to their bound), not their whole bound up front.
 */

import { quantileSorted } from '@awo/shared';

/** The last `capacity` values, kept in insertion order and in sorted order. */
export class SortedWindow {
  readonly capacity: number;
  private ring = new Float64Array(0);
  private sorted = new Float64Array(0);
  private start = 0;
  private size = 0;

  /** @param capacity number of values kept (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SortedWindow capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.size;
  }

  /** Values the window has room for now (grows up to `capacity`). */
  get allocated(): number {
    return this.ring.length;
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
      if (this.size === this.ring.length) this.grow();
      this.ring[(this.start + this.size) % this.ring.length] = value;
      this.size++;
    }
    this.insert(value);
    return evicted;
  }

  // Called when full but under capacity: the ring is unrolled, oldest first; the sorted part copied.
  private grow(): void {
    const n = this.ring.length;
    const ring = new Float64Array(grownSize(n, this.capacity));
    for (let i = 0; i < this.size; i++) ring[i] = this.ring[(this.start + i) % n]!;
    const sorted = new Float64Array(ring.length);
    sorted.set(this.sorted.subarray(0, this.size));
    this.ring = ring;
    this.sorted = sorted;
    this.start = 0;
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
  private values = new Float64Array(0);
  private stamps = new Float64Array(0);
  private head = 0;
  private size = 0;
  private pushed = 0;

  constructor(horizon: number) {
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`SlidingMax horizon must be a positive integer, got ${horizon}`);
    this.horizon = horizon;
  }

  /** Values the deque has room for now: it grows only as far as the deque does (at most `horizon`). */
  get allocated(): number {
    return this.values.length;
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
    let cap = this.values.length;
    // Drop from the back every value this one dominates: it outlives them.
    while (this.size > 0 && this.values[(this.head + this.size - 1) % cap]! <= value) this.size--;
    const t = this.pushed++;
    // Drop from the front what has left the horizon.
    while (this.size > 0 && this.stamps[this.head]! <= t - this.horizon) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
    if (this.size === cap) cap = this.grow();
    const at = (this.head + this.size) % cap;
    this.values[at] = value;
    this.stamps[at] = t;
    this.size++;
  }

  // Called when the deque fills its allocation (never past the horizon: older stamps left above).
  private grow(): number {
    const n = this.values.length;
    const values = new Float64Array(grownSize(n, this.horizon));
    const stamps = new Float64Array(values.length);
    for (let i = 0; i < this.size; i++) {
      values[i] = this.values[(this.head + i) % n]!;
      stamps[i] = this.stamps[(this.head + i) % n]!;
    }
    this.values = values;
    this.stamps = stamps;
    this.head = 0;
    return values.length;
  }
}
