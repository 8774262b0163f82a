/** What the jobs finished since the last report did: the figures a report publishes. */
export interface JobWindow {
  jobs: number;
  /** Mean processing time (ms) of those jobs; undefined when none finished. */
  meanMs: number | undefined;
  perSecond: number;
}

/** Counts finished jobs and their processing time, for the counters and the periodic report. */
export class JobMeter {
  readonly counters = { completed: 0, failed: 0 };
  #jobs = 0;
  #ms = 0;
  #since: number;

  constructor(now: number) {
    this.#since = now;
  }

  record(ms: number, ok: boolean): void {
    if (ok) this.counters.completed++;
    else this.counters.failed++;
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#jobs++;
    this.#ms += ms;
  }

  /** The window since the last call, and starts a new one. */
  take(now: number): JobWindow {
    const seconds = Math.max(0.001, (now - this.#since) / 1000);
    const out = { jobs: this.#jobs, meanMs: this.#jobs > 0 ? this.#ms / this.#jobs : undefined, perSecond: this.#jobs / seconds };
    this.#jobs = 0;
    this.#ms = 0;
    this.#since = now;
    return out;
  }
}
