/**
 * A bounded set of recently seen keys with least-recently-used eviction, the memory that
 * {@link computeQualityMetrics} checks duplicates against across batches. Backed by a Map, whose
 * iteration order is insertion order: `add` moves a key to the most recent end, and when the set
 * is full the least recent key leaves. O(1) per operation, at most `capacity` keys held.
 */
export class RecentKeys {
  readonly capacity: number;
  private readonly keys = new Map<string, true>();

  /** @param capacity number of keys remembered (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RecentKeys capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Whether `key` is remembered (does not change its recency). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Remembers `key` as the most recent one; returns the key evicted to make room, if any. */
  add(key: string): string | undefined {
    if (this.keys.delete(key)) {
      this.keys.set(key, true);
      return undefined;
    }
    this.keys.set(key, true);
    if (this.keys.size <= this.capacity) return undefined;
    const oldest = this.keys.keys().next().value as string;
    this.keys.delete(oldest);
    return oldest;
  }

  clear(): void {
    this.keys.clear();
  }
}
