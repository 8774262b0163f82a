// ml-regression ships no types; the analyzer's declaration of it is the one declaration in the repo.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../analyzer/src/forecast/ml-regression.d.ts" />
import { PolynomialRegression, SimpleLinearRegression } from 'ml-regression';
import { median } from 'simple-statistics';

/**
 * The capacity model of a step: the Universal Scalability Law (Gunther)
 *
 *     X(N) = λN / (1 + σ(N−1) + κN(N−1))
 *
 * for its throughput X (jobs/s) at total concurrency N. λ is the throughput of one worker alone,
 * σ the share of the work that serialises (contention: X flattens), κ the cost of keeping workers
 * coherent with each other (crosstalk: X falls). With κ > 0 the throughput peaks at
 * N* = floor(√((1−σ)/κ)); past it, more workers lower the throughput. Pure: no I/O.
 *
 * N/X(N) is quadratic in N: N/X = (1−σ)/λ + ((σ−κ)/λ)·N + (κ/λ)·N², so a least-squares polynomial of
 * degree 2 through (N, N/X) gives a, b, c and λ = 1/(a+b+c), κ = cλ, σ = bλ + κ.
 */
export interface UslFit {
  lambda: number;
  sigma: number;
  kappa: number;
  /** The concurrency past which throughput falls, floor(√((1−σ)/κ)); undefined when κ = 0 (no peak). */
  peak: number | undefined;
  /** What was held at 0 because the free fit gave it a negative value (e.g. a resource with a hard limit reads as σ < 0). */
  constrained?: 'sigma' | 'kappa';
  /** Distinct concurrency levels and samples behind the fit. */
  levels: number;
  samples: number;
}

export type FitResult = { ok: true; fit: UslFit } | { ok: false; reason: string };

/** One concurrency level's throughput: the median of its recent samples. */
export interface CapacityPoint {
  n: number;
  x: number;
  samples: number;
}

/** Fewer distinct concurrency levels than this, and there is no curve to fit (a quadratic needs three). */
export const MIN_LEVELS = 3;

function peakOf(sigma: number, kappa: number): number | undefined {
  return kappa > 1e-9 ? Math.max(1, Math.floor(Math.sqrt((1 - sigma) / kappa))) : undefined;
}

/**
 * Fits the USL to throughput points (one per concurrency level). Refused, with the reason, with
 * fewer than `MIN_LEVELS` distinct levels or coefficients that are not physical (λ ≤ 0, σ ≥ 1).
 * Where the free fit gives σ < 0 (better than linear: the shape of a resource that is flat up to a
 * hard limit and contended past it), σ is held at 0 and λ, κ are fitted again (N/X is then linear
 * in N(N−1)); where it gives κ < 0, κ is held at 0 (Amdahl's law: no peak).
 */
export function fitUsl(points: readonly CapacityPoint[]): FitResult {
  const usable = points.filter((p) => Number.isInteger(p.n) && p.n >= 1 && Number.isFinite(p.x) && p.x > 0);
  const levels = new Set(usable.map((p) => p.n)).size;
  if (levels < MIN_LEVELS) return { ok: false, reason: `${levels} distinct concurrency level${levels === 1 ? '' : 's'} observed saturated; the fit needs ${MIN_LEVELS}` };
  const ns = usable.map((p) => p.n);
  const ys = usable.map((p) => p.n / p.x);
  const samples = usable.reduce((s, p) => s + p.samples, 0);
  const [a = Number.NaN, b = Number.NaN, c = Number.NaN] = new PolynomialRegression(ns, ys, 2).coefficients;
  let lambda = 1 / (a + b + c);
  let kappa = c * lambda;
  let sigma = b * lambda + kappa;
  let constrained: UslFit['constrained'];
  if (Number.isFinite(lambda) && lambda > 0 && sigma < 0) {
    // N/X = 1/λ + (κ/λ)·N(N−1)
    const line = new SimpleLinearRegression(ns.map((n) => n * (n - 1)), ys);
    lambda = 1 / line.intercept;
    kappa = line.slope * lambda;
    sigma = 0;
    constrained = 'sigma';
  } else if (Number.isFinite(lambda) && lambda > 0 && kappa < 0) {
    // N/X = (1−σ)/λ + (σ/λ)·N
    const line = new SimpleLinearRegression(ns, ys);
    lambda = 1 / (line.intercept + line.slope);
    sigma = line.slope * lambda;
    kappa = 0;
    constrained = 'kappa';
  }
  if (!Number.isFinite(lambda) || lambda <= 0) return { ok: false, reason: `not physical: λ = ${lambda.toPrecision(3)} (the throughput of one worker must be positive)` };
  if (!(sigma >= 0 && sigma < 1)) return { ok: false, reason: `not physical: σ = ${sigma.toPrecision(3)} (expected 0 ≤ σ < 1)` };
  if (!(kappa >= 0)) return { ok: false, reason: `not physical: κ = ${kappa.toPrecision(3)} (expected κ ≥ 0)` };
  return { ok: true, fit: { lambda, sigma, kappa, peak: peakOf(sigma, kappa), ...(constrained ? { constrained } : {}), levels, samples } };
}

/** The USL's throughput at N. */
export function uslThroughput(fit: Pick<UslFit, 'lambda' | 'sigma' | 'kappa'>, n: number): number {
  return (fit.lambda * n) / (1 + fit.sigma * (n - 1) + fit.kappa * n * (n - 1));
}

export interface CapacityBounds {
  /** Distinct concurrency levels kept (default 64); a sample at a new level past this is refused and counted. */
  maxLevels?: number;
  /** Recent samples kept per level (default 32): the level's throughput is their median. */
  perLevel?: number;
  /** Samples a level needs before it joins the fit (default 3). */
  minSamples?: number;
}

/**
 * What a step's throughput was at each total concurrency N, learned from saturated samples
 * (a backlog waits, so completions measure capacity, not demand), in bounded memory: at most
 * `maxLevels` levels of at most `perLevel` recent samples. The fit is made again only after a
 * new sample.
 */
export class CapacityModel {
  readonly #levels = new Map<number, number[]>();
  readonly #maxLevels: number;
  readonly #perLevel: number;
  readonly #minSamples: number;
  #refused = 0;
  #fit: FitResult | undefined;

  constructor(bounds: CapacityBounds = {}) {
    this.#maxLevels = bounds.maxLevels ?? 64;
    this.#perLevel = bounds.perLevel ?? 32;
    this.#minSamples = bounds.minSamples ?? 3;
  }

  /** One saturated sample: throughput `x` (jobs/s) at total concurrency `n` (rounded). False when refused. */
  observe(n: number, x: number): boolean {
    const level = Math.round(n);
    if (!(level >= 1) || !Number.isFinite(x) || x < 0) return false;
    let window = this.#levels.get(level);
    if (!window) {
      if (this.#levels.size >= this.#maxLevels) {
        this.#refused++;
        return false;
      }
      window = [];
      this.#levels.set(level, window);
    }
    window.push(x);
    if (window.length > this.#perLevel) window.shift();
    this.#fit = undefined;
    return true;
  }

  /** Levels with enough samples, each at the median of its recent throughput, by N. */
  points(): CapacityPoint[] {
    return [...this.#levels]
      .filter(([, xs]) => xs.length >= this.#minSamples)
      .map(([n, xs]) => ({ n, x: median(xs), samples: xs.length }))
      .sort((p, q) => p.n - q.n);
  }

  /** The USL fit of the points, or why there is none. */
  fit(): FitResult {
    this.#fit ??= fitUsl(this.points());
    return this.#fit;
  }

  /** Samples at new levels refused because `maxLevels` levels are kept already. */
  get refused(): number {
    return this.#refused;
  }
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 0.1 ? n.toFixed(2) : n.toPrecision(2));

/** How a fit reads in a revision's reason and in `awo explain`. */
export function describeFit(fit: UslFit): string {
  const held = fit.constrained ? ` (${fit.constrained === 'sigma' ? 'σ' : 'κ'} held at 0)` : '';
  return `USL fit over ${fit.levels} concurrency levels: λ ${fmt(fit.lambda)}/s, σ ${fmt(fit.sigma)}, κ ${fmt(fit.kappa)}${held}`;
}

/**
 * The most workers that still raise a step's throughput, from its capacity model: N*, with the
 * words that say so, or undefined while there is no fit or the curve has no peak.
 */
export function capacityCeiling(result: FitResult): { n: number; reason: string } | undefined {
  if (!result.ok || result.fit.peak === undefined) return undefined;
  const { fit } = result;
  return { n: fit.peak as number, reason: `capacity: throughput peaks at N* = ${fit.peak} (${describeFit(fit)}); more workers would lower it, so not past ${fit.peak}` };
}
