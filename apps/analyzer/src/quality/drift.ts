/**
 * Distribution drift of a numeric field against a reference sample: the population stability
 * index over reference-quantile bins, and the two-sample Kolmogorov–Smirnov test with its
 * asymptotic p-value. Pure functions; the streaming detector is in `drift-detector.ts`.
 */
import { quantileSorted } from '@awo/shared';

/** Default number of PSI bins. */
export const DEFAULT_PSI_BINS = 10;
/** Share given to a bin that holds no value, so the logarithm stays finite. */
export const DEFAULT_PSI_EPSILON = 1e-4;
/** Usual PSI reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a significant one. */
export const PSI_MODERATE = 0.1;
export const PSI_SIGNIFICANT = 0.25;

/** Options of {@link populationStabilityIndex}. */
export interface PsiOptions {
  /** Number of bins (default 10, at least 2). */
  bins?: number;
  /** Floor of a bin's share (default 1e-4). */
  epsilon?: number;
}

/**
 * Bin edges from the reference: the interior quantiles q(i / bins), i = 1..bins−1, linearly
 * interpolated between order statistics, duplicates dropped (a reference with many equal values
 * gives fewer bins). Bins are (−∞, e₁], (e₁, e₂], …, (e_last, +∞), so every value falls in one.
 * Non-finite values are ignored.
 */
export function psiEdges(reference: readonly number[], bins = DEFAULT_PSI_BINS): number[] {
  const sorted = finiteSorted(reference);
  const k = Math.max(2, Math.floor(bins));
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let i = 1; i < k; i++) {
    const e = quantileSorted(sorted, i / k);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

/**
 * How many values of the sorted array are below `value` (its lower bound): for `edges` (see
 * {@link psiEdges}) the index of `value`'s bin, and in a sorted window where `value` goes.
 */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * PSI from bin counts: Σ (c − r) · ln(c / r) over the bins, with r and c the reference and
 * current shares of each bin, each floored at `epsilon` (not renormalised). 0 when either side
 * is empty. Symmetric in the two sides, always >= 0.
 */
export function psiFromCounts(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon = DEFAULT_PSI_EPSILON): number {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < reference.length; i++) nr += reference[i]!;
  for (let i = 0; i < current.length; i++) nc += current[i]!;
  if (nr === 0 || nc === 0) return 0;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(epsilon, reference[i]! / nr);
    const c = Math.max(epsilon, (current[i] ?? 0) / nc);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/**
 * Population stability index of `current` against `reference`, over bins cut at the reference's
 * quantiles (so each bin holds about 1/bins of the reference). Read it with {@link psiLevel}.
 * Non-finite values are ignored; 0 when either sample is empty.
 */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[], opts: PsiOptions = {}): number {
  const edges = psiEdges(reference, opts.bins);
  const ref = new Float64Array(edges.length + 1);
  const cur = new Float64Array(edges.length + 1);
  for (const v of reference) if (Number.isFinite(v)) ref[binOf(edges, v)]! += 1;
  for (const v of current) if (Number.isFinite(v)) cur[binOf(edges, v)]! += 1;
  return psiFromCounts(ref, cur, opts.epsilon);
}

/** The usual reading of a PSI value: < 0.1 'stable', < 0.25 'moderate', else 'significant'. */
export function psiLevel(psi: number): 'stable' | 'moderate' | 'significant' {
  return psi < PSI_MODERATE ? 'stable' : psi < PSI_SIGNIFICANT ? 'moderate' : 'significant';
}

/** Result of {@link ksTest}. */
export interface KsResult {
  /** D = sup over x of |F₁(x) − F₂(x)|, the largest gap between the empirical CDFs. */
  statistic: number;
  /** Asymptotic p-value Q_KS(λ) (see {@link kolmogorovQ}); 1 when a sample is empty. */
  pValue: number;
  /** Sizes of the two samples (finite values only). */
  n: number;
  m: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test. D is computed exactly (ties handled: both CDFs step past a
 * tied value before comparing). The p-value is the asymptotic one of Numerical Recipes (§14.3):
 * Q_KS((√nₑ + 0.12 + 0.11/√nₑ) · D) with nₑ = n·m/(n+m). It assumes continuous data and is
 * conservative (too large) when there are many ties. Non-finite values are ignored.
 */
export function ksTest(a: readonly number[], b: readonly number[]): KsResult {
  return ksSorted(finiteSorted(a), finiteSorted(b));
}

/** {@link ksTest} on samples already sorted ascending and finite. */
export function ksSorted(x: ArrayLike<number>, y: ArrayLike<number>): KsResult {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1, n, m };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = Math.sqrt((n * m) / (n + m));
  return { statistic: d, pValue: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d), n, m };
}

/**
 * Survival function of the Kolmogorov distribution, Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}
 * (1 at λ <= 0). For λ < 1.18 the equivalent Jacobi theta form
 * 1 − (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)} is used, which converges fast there.
 * Q_KS(1.358) ≈ 0.05, Q_KS(1.628) ≈ 0.01.
 */
export function kolmogorovQ(lambda: number): number {
  if (Number.isNaN(lambda)) return Number.NaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    // Σ y^((2j−1)²) for j = 1..4 is exact to double precision below λ = 1.18.
    const p = (Math.sqrt(2 * Math.PI) / lambda) * (y + Math.pow(y, 9) + Math.pow(y, 25) + Math.pow(y, 49));
    return Math.min(1, Math.max(0, 1 - p));
  }
  let q = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    q += j % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * q));
}

/** The q-quantile of sorted values, linearly interpolated between order statistics (R-7, the shared definition). */
export { quantileSorted };

function finiteSorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}
