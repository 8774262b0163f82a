import { slopeThroughOrigin } from '@awo/analyzer';

/**
 * Per-worker throughput, learned online: completions per second against busy workers, fitted
 * through the origin (ml-regression) over the recent samples where the pool was saturated (a
 * backlog waiting, so completions measure capacity rather than demand).
 */
export class ThroughputModel {
  readonly #x: number[] = [];
  readonly #y: number[] = [];
  #estimate: number | undefined;

  constructor(
    private readonly initial: number,
    private readonly window = 120,
    private readonly minSamples = 5,
  ) {}

  /** One paired sample of busy workers, completions per second, and backlog. */
  observe(active: number, completionRate: number, backlog: number): void {
    if (!(active > 0) || !Number.isFinite(completionRate) || completionRate < 0 || !(backlog > 0)) return;
    this.#x.push(active);
    this.#y.push(completionRate);
    if (this.#x.length > this.window) {
      this.#x.shift();
      this.#y.shift();
    }
    if (this.#x.length >= this.minSamples) {
      const slope = slopeThroughOrigin(this.#x, this.#y);
      if (slope !== undefined && slope > 0) this.#estimate = slope;
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
    return this.#x.length;
  }
}
