/**
 * A fixed-capacity ring buffer of numbers: pushing past the capacity drops the oldest value.
 * Used by the model selector and the streaming detectors to keep memory bounded.
 */
export class Ring {
  readonly capacity: number;
  private readonly data: Float64Array;
  private start = 0;
  private size = 0;

  /** @param capacity maximum number of values kept (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.data = new Float64Array(capacity);
  }

  /** Number of values currently held (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  /** Appends a value, overwriting the oldest one when full; returns the value it overwrote, if any. */
  push(value: number): number | undefined {
    if (this.size < this.capacity) {
      this.data[(this.start + this.size) % this.capacity] = value;
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
    return this.data[(this.start + i) % this.capacity];
  }

  /** The most recently pushed value, or undefined when empty. */
  last(): number | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1);
  }

  /** A copy of the values, oldest first. */
  toArray(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.data[(this.start + i) % this.capacity]!;
    return out;
  }

  /** Removes every value. */
  clear(): void {
    this.start = 0;
    this.size = 0;
  }
}
