/** The first allocation of a growing buffer, in values (at most its capacity). */
export const INITIAL_ALLOCATION = 16;

/** The next allocation of a buffer holding `allocated` values that may hold at most `capacity`: double, capped. */
export function grownSize(allocated: number, capacity: number): number {
  return Math.min(capacity, Math.max(INITIAL_ALLOCATION, allocated * 2));
}

/**
 * A ring buffer of numbers with a fixed capacity: pushing past the capacity drops the oldest
 * value. Used by the model selector and the streaming detectors to keep memory bounded.
 *
 * Memory grows with what is held, not with the capacity: the buffer starts small and doubles,
 * up to the capacity, as values arrive (a series that sends few points costs little).
 */
export class Ring {
  readonly capacity: number;
  private data: Float64Array;
  private start = 0;
  private size = 0;

  /** @param capacity maximum number of values kept (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.data = new Float64Array(0);
  }

  /** Number of values currently held (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  /** Values the buffer has room for now (grows up to `capacity`). */
  get allocated(): number {
    return this.data.length;
  }

  /** Appends a value, overwriting the oldest one when full; returns the value it overwrote, if any. */
  push(value: number): number | undefined {
    if (this.size < this.capacity) {
      if (this.size === this.data.length) this.grow();
      this.data[(this.start + this.size) % this.data.length] = value;
      this.size++;
      return undefined;
    }
    const evicted = this.data[this.start];
    this.data[this.start] = value;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** The value at position `i` counted from the oldest (0), or undefined when out of range. */
  at(i: number): number | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) return undefined;
    return this.data[(this.start + i) % this.data.length];
  }

  /** The most recently pushed value, or undefined when empty. */
  last(): number | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1);
  }

  /** A copy of the values, oldest first. */
  toArray(): number[] {
    const out = new Array<number>(this.size);
    const n = this.data.length;
    for (let i = 0; i < this.size; i++) out[i] = this.data[(this.start + i) % n]!;
    return out;
  }

  /** Removes every value (the allocation is kept). */
  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  // Called when full but under capacity: unrolls the values, oldest first, into a bigger buffer.
  private grow(): void {
    const next = new Float64Array(grownSize(this.data.length, this.capacity));
    const n = this.data.length;
    for (let i = 0; i < this.size; i++) next[i] = this.data[(this.start + i) % n]!;
    this.data = next;
    this.start = 0;
  }
}
