/**
 * SLO-targeted headroom for an autoscale goal with `slo` (the share of minutes in which the goal's
 * metric must stay within its target).
 *
 * Two parts, both pure (no I/O, no clock: time comes from the metric samples):
 *
 * - {@link waitWorkers}: how many workers keep the waits under the target at a given load, from
 *   the M/M/c queue (Erlang C): the fewest c with P(wait > target) ≤ `tail`. This replaces a
 *   fixed target utilisation: a small pool needs much more slack than a large one for the same
 *   wait, which one utilisation cannot express.
 * - {@link SloHeadroom}: how far above the arrival forecast to size, in standard deviations of
 *   the forecast's error (`level`; the forecast's 90% interval gives the deviation). It measures
 *   the SLO from the metric samples it is shown — a minute is broken when two of its samples or their
 *   mean break the target (one sample of a short interval a little over the target seldom breaks
 *   the minute's p95; two, or one far over, mostly do) — and after each minute moves the level by an online quantile rule (as in adaptive
 *   conformal inference): up by `gain × slo` after a broken minute, down by `gain × (1 − slo)`
 *   after a met one, so that in the long run the share of broken minutes settles at 1 − slo.
 *   It lowers only while the measured attainment of the window is at least the SLO, and stays
 *   within [`minLevel`, `maxLevel`]: bounded, and slow to give up headroom.
 */

/** The controller's tunables. The defaults were chosen by blocked rolling-origin cross-validation (docs/benchmarks.md). */
export interface HeadroomParams {
  /** Level moved per minute, scaled by slo (up) or 1 − slo (down), in forecast standard deviations. */
  gain: number;
  /** Minutes of measured attainment kept (the window the lowering is gated on, and reported). */
  windowMinutes: number;
  /** Level to start from (1.645: the upper bound of a 90% interval). */
  initialLevel: number;
  /** Below 0 the pool is sized under the point forecast: what a low SLO buys where the wait model is cautious. */
  minLevel: number;
  maxLevel: number;
  /** P(wait > target) the queueing model sizes for at the chosen load. */
  tail: number;
}

export const HEADROOM_DEFAULTS: Readonly<HeadroomParams> = Object.freeze({ gain: 0.25, windowMinutes: 1440, initialLevel: 1.645, minLevel: -3, maxLevel: 6, tail: 0.02 });

/** z of the two-sided 90% interval the analyzer's forecasts carry (upper = value + Z90 × σ). */
export const Z90 = 1.6448536269514722;

/**
 * P(wait > t) in an M/M/c queue with arrival rate `lambda`, per-server rate `mu`, `c` servers:
 * C(c, a) × exp(−(cμ − λ) t), with C the Erlang C formula (a = λ/μ); 1 when c ≤ a (unstable).
 */
export function waitTail(c: number, lambda: number, mu: number, t: number): number {
  const a = lambda / mu;
  if (lambda <= 0) return 0;
  if (c <= a) return 1;
  // Erlang B by its recurrence (stable for large c), then Erlang C from it.
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const erlangC = b / (1 - (a / c) * (1 - b));
  return Math.min(1, erlangC * Math.exp(-(c * mu - lambda) * t));
}

/**
 * The fewest workers (at most `cap`, at least 0) with P(wait > `targetSec`) ≤ `tail` at `lambda`
 * jobs/s, each worker doing `mu` jobs/s. Returns `cap` when even that is not enough.
 */
export function waitWorkers(lambda: number, mu: number, targetSec: number, tail: number, cap: number): number {
  if (!(lambda > 0)) return 0;
  let c = Math.max(1, Math.floor(lambda / mu) + 1);
  // Erlang B incrementally from k = 1, so the search is O(answer).
  const a = lambda / mu;
  let b = 1;
  for (let k = 1; k < c; k++) b = (a * b) / (k + a * b);
  for (; c < cap; c++) {
    b = (a * b) / (c + a * b);
    const erlangC = b / (1 - (a / c) * (1 - b));
    if (erlangC * Math.exp(-(c * mu - lambda) * targetSec) <= tail) return c;
  }
  return cap;
}

/** What the controller reports about itself (for the revision's reason and the bench). */
export interface HeadroomStatus {
  level: number;
  /** The forecast quantile the level stands for, Φ(level). */
  quantile: number;
  /** Measured share of met minutes in the window, undefined before the first closed minute. */
  attainment: number | undefined;
  minutes: number;
  broken: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The online headroom controller of one goal. Feed it every metric sample ({@link record}); it
 * closes a minute when a sample of a later minute arrives, and adapts {@link level} then.
 * Memory is bounded by `windowMinutes` (a ring of 0/1 outcomes).
 */
export class SloHeadroom {
  readonly params: HeadroomParams;
  #level: number;
  #minute = Number.NaN;
  #minuteSum = 0;
  #minuteN = 0;
  #minuteOver = 0;
  #lastTs = Number.NEGATIVE_INFINITY;
  readonly #ring: Uint8Array;
  #head = 0;
  #len = 0;
  #broken = 0;

  constructor(
    readonly slo: number,
    params: Partial<HeadroomParams> = {},
  ) {
    if (!(slo > 0 && slo < 1)) throw new RangeError(`slo must be in (0, 1), got ${slo}`);
    const p = { ...HEADROOM_DEFAULTS, ...params };
    if (!(p.gain > 0)) throw new RangeError(`gain must be > 0, got ${p.gain}`);
    if (!(Number.isInteger(p.windowMinutes) && p.windowMinutes >= 1)) throw new RangeError(`windowMinutes must be an integer >= 1, got ${p.windowMinutes}`);
    if (!(p.minLevel <= p.initialLevel && p.initialLevel <= p.maxLevel)) throw new RangeError(`expected minLevel <= initialLevel <= maxLevel, got ${p.minLevel}, ${p.initialLevel}, ${p.maxLevel}`);
    if (!(p.tail > 0 && p.tail < 1)) throw new RangeError(`tail must be in (0, 1), got ${p.tail}`);
    this.params = Object.freeze(p);
    this.#level = p.initialLevel;
    this.#ring = new Uint8Array(p.windowMinutes);
  }

  /** Forecast standard deviations sized for above the point forecast. */
  get level(): number {
    return this.#level;
  }

  /**
   * A metric sample at `ts` (ms). Samples at or before the last one are ignored (the planner
   * re-evaluates with the same sample many times). Returns true when it closed a minute.
   */
  record(ts: number, value: number, target: number): boolean {
    if (!(ts > this.#lastTs) || !Number.isFinite(value)) return false;
    this.#lastTs = ts;
    const minute = Math.floor(ts / 60_000);
    let closed = false;
    if (minute !== this.#minute) {
      if (!Number.isNaN(this.#minute)) {
        this.#close(this.#minuteOver >= 2 || this.#minuteSum / this.#minuteN > target);
        closed = true;
      }
      this.#minute = minute;
      this.#minuteSum = 0;
      this.#minuteN = 0;
      this.#minuteOver = 0;
    }
    this.#minuteSum += value;
    this.#minuteN++;
    if (value > target) this.#minuteOver++;
    return closed;
  }

  #close(broken: boolean): void {
    const cap = this.#ring.length;
    if (this.#len === cap) {
      this.#broken -= this.#ring[this.#head] as number;
      this.#head = (this.#head + 1) % cap;
      this.#len--;
    }
    this.#ring[(this.#head + this.#len) % cap] = broken ? 1 : 0;
    this.#len++;
    if (broken) this.#broken++;
    const { gain, minLevel, maxLevel } = this.params;
    if (broken) this.#level = Math.min(maxLevel, this.#level + gain * this.slo);
    else if (1 - this.#broken / this.#len >= this.slo) this.#level = Math.max(minLevel, this.#level - gain * (1 - this.slo));
  }

  status(): HeadroomStatus {
    return { level: this.#level, quantile: normalCdf(this.#level), attainment: this.#len === 0 ? undefined : 1 - this.#broken / this.#len, minutes: this.#len, broken: this.#broken };
  }

  /** One sentence for a revision's reason. */
  describe(): string {
    const s = this.status();
    const att = s.attainment === undefined ? 'no minute measured yet' : `measured ${(100 * s.attainment).toFixed(2)}% of ${s.minutes} min (${s.broken} broken)`;
    return `slo ${this.slo}: headroom ${s.level.toFixed(2)}σ over the forecast (its ${(100 * s.quantile).toFixed(1)}th percentile), ${att}`;
  }
}

/** What the hooks below read of a goal (structurally, so this file needs nothing of autoscale.ts). */
interface SloGoal {
  slo?: number;
  target: number;
  max: number;
}

/**
 * The goal's controller, made in `memory` on first use, after recording the metric sample in
 * `inputs` (any new one, fresh or not: the minute it falls in is measured); undefined without `slo`.
 */
export function sloHeadroom(goal: SloGoal, inputs: { metric?: { value: number; ts: number } }, memory: { headroom?: SloHeadroom }): SloHeadroom | undefined {
  if (goal.slo === undefined) return undefined;
  if (memory.headroom === undefined || memory.headroom.slo !== goal.slo) memory.headroom = new SloHeadroom(goal.slo, memory.headroom?.params);
  const m = inputs.metric;
  if (m) memory.headroom.record(m.ts, m.value, goal.target);
  return memory.headroom;
}

/** The load to size for: the point forecast plus `level` standard deviations of its error (from its 90% interval). */
export function sloLoad(f: { value: number; upper: number }, h: SloHeadroom): number {
  const sigma = Math.max(0, f.upper - f.value) / Z90;
  return Math.max(0, f.value + h.level * sigma);
}

/** The observed rate is a floor under the load while the controller asks for headroom, not once it asks for less than the forecast. */
export function sloFloor(observed: number, h: SloHeadroom): number {
  return h.level < 0 ? 0 : observed;
}

/** Workers that keep the wait (the goal's metric, in ms) under its target at `load` jobs/s. */
export function sloWorkers(goal: SloGoal, load: number, mu: number, h: SloHeadroom): number {
  return waitWorkers(load, mu, goal.target / 1000, h.params.tail, goal.max);
}
