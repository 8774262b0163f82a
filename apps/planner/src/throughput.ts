import { median } from 'simple-statistics';

/**
 * Per-worker throughput, learned online: the median of completions per second per busy worker
 * over the recent samples where the pool was saturated and steady. Saturated: at least one job per
 * busy worker waited at this sample and the one before, so completions measure capacity rather
 * than demand (with a backlog of a job or two, a small pool's workers idle part of the interval:
 * 7 workers of 2 jobs/s read as 1.3 jobs/s each, and the pool is oversized by half). Steady: the
 * number of busy workers moved by at most `steadyBand` between the two samples, since a pool that
 * has just grown counts workers at the sample that were not working over the whole interval (which
 * reads as a low throughput). The median keeps the odd such sample from moving the estimate.
 */
export class ThroughputModel {
  readonly #ratios: number[] = [];
  #prev: { active: number; backlog: number } | undefined;
  #estimate: number | undefined;

  constructor(
    private readonly initial: number,
    private readonly window = 120,
    private readonly minSamples = 5,
    private readonly steadyBand = 0.1,
  ) {}

  /** One paired sample of busy workers, completions per second over the interval, and backlog. */
  observe(active: number, completionRate: number, backlog: number): void {
    const prev = this.#prev;
    this.#prev = { active, backlog };
    if (!(active > 0) || !Number.isFinite(completionRate) || completionRate < 0 || !(backlog >= active)) return;
    if (prev === undefined || !(prev.backlog >= prev.active) || Math.abs(active - prev.active) > this.steadyBand * active) return;
    this.#ratios.push(completionRate / active);
    if (this.#ratios.length > this.window) this.#ratios.shift();
    if (this.#ratios.length >= this.minSamples) {
      const m = median(this.#ratios);
      if (m > 0) this.#estimate = m;
    }
  }

  /** Jobs per second per worker: learned once there are enough samples, else the initial guess. */
  perWorker(): number {
    return this.#estimate ?? this.initial;
  }

  get learned(): boolean {
    return this.#estimate !== undefined;
  }

  get samples(): number {
    return this.#ratios.length;
  }
}
