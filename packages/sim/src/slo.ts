import { quantileSorted } from '@awo/shared';

/**
 * Ground truth for the demo's SLO: the wait of every job that started (processedOn − timestamp),
 * bucketed per second (or per `bucketMs`); a bucket meets the target when its p95 wait is under
 * it. A bucket in which jobs waited but none started counts the oldest wait instead.
 */
export class SloMeter {
  readonly #buckets = new Map<number, number[]>();
  readonly #oldest = new Map<number, number>();

  constructor(
    private readonly targetMs: number,
    private readonly startMs: number,
    private readonly bucketMs = 1000,
  ) {}

  #bucket(at: number): number {
    return Math.floor((at - this.startMs) / this.bucketMs);
  }

  jobStarted(waitMs: number, at = Date.now()): void {
    const s = this.#bucket(at);
    let b = this.#buckets.get(s);
    if (!b) this.#buckets.set(s, (b = []));
    b.push(waitMs);
  }

  /** The age of the oldest waiting job, sampled now and then. */
  oldestWaiting(ageMs: number, at = Date.now()): void {
    const s = this.#bucket(at);
    this.#oldest.set(s, Math.max(this.#oldest.get(s) ?? 0, ageMs));
  }

  p95Of(bucket: number): number | undefined {
    const b = this.#buckets.get(bucket);
    const oldest = this.#oldest.get(bucket);
    if (!b || b.length === 0) return oldest;
    const sorted = [...b].sort((x, y) => x - y);
    const p95 = quantileSorted(sorted, 0.95, 'nearest-rank');
    return oldest !== undefined && oldest > p95 ? oldest : p95;
  }

  /** Share of whole buckets (the first `count` of them) whose p95 wait was under the target. */
  attainment(count: number): number {
    let met = 0;
    for (let s = 0; s < count; s++) {
      const p = this.p95Of(s);
      if (p === undefined || p < this.targetMs) met++;
    }
    return count > 0 ? met / count : 1;
  }
}
