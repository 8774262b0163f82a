import { mulberry32 } from '@awo/shared';

/** Jobs arriving in some interval, in arrival order: arrival time (s) and service time (s). */
export interface JobBatch {
  times: Float64Array;
  services: Float64Array;
  n: number;
}

export function emptyBatch(capacity = 1024): JobBatch {
  return { times: new Float64Array(capacity), services: new Float64Array(capacity), n: 0 };
}

export interface JobSourceOptions {
  /** Jobs per step of the trace (scaled); NaN steps are cut out of the replay. */
  values: ArrayLike<number>;
  stepSec: number;
  service: 'exponential' | 'fixed';
  /** Mean service time, s. */
  serviceSec: number;
  seed: number;
}

/**
 * Turns a trace of counts per step into jobs. Missing steps (NaN) are cut out: the replay's clock
 * runs over covered steps only, one after the other. A step with count v gets floor(v) jobs, one
 * more with probability frac(v); their arrival times are spread uniformly over the step (sorted
 * uniforms drawn by exponential spacings, i.e. a Poisson process conditioned on the count).
 * Service times are exponential or fixed. The PRNG is consumed in arrival order only, so every
 * policy replaying the same source sees the very same jobs.
 */
export class JobSource {
  readonly stepSec: number;
  /** Length of the replay, s (covered steps × step). */
  readonly duration: number;
  /** Total number of covered steps. */
  readonly steps: number;
  readonly #counts: Float64Array;
  readonly #rng: () => number;
  readonly #opts: JobSourceOptions;
  #step = 0;
  #cur: JobBatch = emptyBatch();
  readonly #out: JobBatch = emptyBatch();
  #cursor = 0;
  #spacing = new Float64Array(1024);

  constructor(opts: JobSourceOptions) {
    if (!(opts.stepSec > 0)) throw new RangeError(`stepSec must be positive, got ${opts.stepSec}`);
    if (!(opts.serviceSec > 0)) throw new RangeError(`serviceSec must be positive, got ${opts.serviceSec}`);
    this.#opts = opts;
    this.stepSec = opts.stepSec;
    const counts: number[] = [];
    for (let i = 0; i < opts.values.length; i++) {
      const v = opts.values[i] as number;
      if (!Number.isNaN(v)) counts.push(Math.max(0, v));
    }
    this.#counts = Float64Array.from(counts);
    this.steps = counts.length;
    this.duration = this.steps * this.stepSec;
    this.#rng = mulberry32(opts.seed);
  }

  /**
   * The jobs arriving before `until` that were not taken yet. The batch is only valid until the
   * next call (it may be the source's own buffer).
   */
  take(until: number): JobBatch {
    // Common case: one whole step ends exactly at `until` (per-minute trace, per-minute takes).
    if (this.#cursor >= this.#cur.n && this.#step < this.steps && (this.#step + 1) * this.stepSec === until) {
      this.#generate();
      this.#cursor = this.#cur.n;
      return this.#cur;
    }
    const out = this.#out;
    out.n = 0;
    for (;;) {
      const cur = this.#cur;
      while (this.#cursor < cur.n && (cur.times[this.#cursor] as number) < until) {
        if (out.n === out.times.length) grow(out);
        out.times[out.n] = cur.times[this.#cursor] as number;
        out.services[out.n] = cur.services[this.#cursor] as number;
        out.n++;
        this.#cursor++;
      }
      if (this.#cursor < cur.n || this.#step >= this.steps || this.#step * this.stepSec >= until) return out;
      this.#generate();
    }
  }

  #generate(): void {
    const rng = this.#rng;
    const v = this.#counts[this.#step] as number;
    const whole = Math.floor(v);
    const n = whole + (rng() < v - whole ? 1 : 0);
    const t0 = this.#step * this.stepSec;
    const cur = this.#cur;
    while (cur.times.length < n) grow(cur);
    if (this.#spacing.length < n + 1) this.#spacing = new Float64Array(2 * (n + 1));
    const sp = this.#spacing;
    let total = 0;
    for (let i = 0; i <= n; i++) {
      total -= Math.log(1 - rng());
      sp[i] = total;
    }
    const times = cur.times;
    const services = cur.services;
    const k = this.stepSec / total;
    const fixed = this.#opts.service === 'fixed';
    const mean = this.#opts.serviceSec;
    for (let i = 0; i < n; i++) {
      times[i] = t0 + k * (sp[i] as number);
      services[i] = fixed ? mean : -mean * Math.log(1 - rng());
    }
    cur.n = n;
    this.#cursor = 0;
    this.#step++;
  }
}

function grow(b: JobBatch): void {
  const times = new Float64Array(Math.max(16, b.times.length * 2));
  const services = new Float64Array(times.length);
  times.set(b.times);
  services.set(b.services);
  b.times = times;
  b.services = services;
}
