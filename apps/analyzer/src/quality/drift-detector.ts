import { detection } from '../detect/types.js';
import { binOf, DEFAULT_PSI_BINS, DEFAULT_PSI_EPSILON, ksSorted, PSI_SIGNIFICANT, psiEdges, psiFromCounts } from './drift.js';
import type { DriftDetection, DriftMethod } from './types.js';

/** Options of {@link DriftDetector}. */
export interface DriftDetectorOptions {
  /** 'psi' (default) or 'ks'. */
  method?: DriftMethod;
  /** Values in the reference window (default 500, at least 10). */
  reference?: number;
  /** Values in the sliding current window (default 200, at least 10). */
  window?: number;
  /**
   * Threshold on `raw`: for 'psi' the PSI (default 0.25, a significant shift); for 'ks'
   * −log10 of the p-value (default 3, i.e. p < 0.001).
   */
  threshold?: number;
  /** PSI bins (default 10). */
  bins?: number;
  /** PSI floor of an empty bin's share (default 1e-4). */
  epsilon?: number;
  /**
   * After this many consecutive evaluations without drift, the reference is replaced by the
   * latest `reference` values and the current window starts again empty. Raised to at least
   * max(window, reference − window + 1): then every value taken into the new reference lay in a
   * window judged without drift, and the onset of a sudden shift (windows still mostly old
   * values) cannot be learnt. Default: never (the reference stays the first `reference` values
   * until {@link DriftDetector.resetReference}).
   */
  refreshAfter?: number;
}

/** Smallest p-value turned into `raw`, so that p = 0 gives a finite −log10 p (300). */
const MIN_P = 1e-300;

/**
 * Streaming distribution drift of one numeric series.
 *
 * - Reference: the first `reference` finite values (warm-up: every update is quiet until it is
 *   full and then `window` more values have arrived). It is frozen, so a drift stays flagged for
 *   as long as it lasts — unless `refreshAfter` is set: after that many consecutive evaluations
 *   without drift, the latest `reference` values become the new reference (slow change that never
 *   crosses the threshold is absorbed; a flagged drift, or a sudden one, is never learnt). `resetReference()` starts over.
 * - Current: the last `window` values after the reference, sliding by one on each update.
 * - Each update past warm-up compares the two windows: PSI on bins cut at the reference's
 *   quantiles (counts kept incrementally, O(log bins) per value), or the two-sample KS test
 *   (O(reference + window) per value).
 *
 * Memory is bounded: O(reference + window) numbers. Non-finite values are skipped (quiet).
 */
export class DriftDetector {
  readonly method: DriftMethod;
  readonly threshold: number;
  private readonly refSize: number;
  private readonly winSize: number;
  private readonly bins: number;
  private readonly epsilon: number;
  private readonly refreshAfter: number | undefined;

  /** Values collected for the reference while it is not full. */
  private collecting: number[] = [];
  private refSorted: Float64Array | undefined;
  private edges: number[] = [];
  private refCounts = new Float64Array(0);
  private curCounts = new Float64Array(0);
  /** The current window: a ring in arrival order, and sorted (for KS). */
  private readonly ring: Float64Array;
  private ringStart = 0;
  private ringSize = 0;
  private curSorted: number[] = [];
  /** The latest `reference` finite values (reference ones included), kept only when `refreshAfter` is set. */
  private readonly latest: Float64Array | undefined;
  private latestStart = 0;
  private latestSize = 0;
  private stable = 0;

  constructor(opts: DriftDetectorOptions = {}) {
    this.method = opts.method ?? 'psi';
    if (this.method !== 'psi' && this.method !== 'ks') throw new RangeError(`DriftDetector method must be 'psi' or 'ks', got ${String(this.method)}`);
    this.refSize = Math.max(10, Math.floor(opts.reference ?? 500));
    this.winSize = Math.max(10, Math.floor(opts.window ?? 200));
    this.threshold = opts.threshold ?? (this.method === 'psi' ? PSI_SIGNIFICANT : 3);
    this.bins = Math.max(2, Math.floor(opts.bins ?? DEFAULT_PSI_BINS));
    this.epsilon = opts.epsilon ?? DEFAULT_PSI_EPSILON;
    const refresh = opts.refreshAfter;
    // A shorter stable run could take the onset of a sudden shift (windows still mostly old values) into the reference.
    const minRefresh = Math.max(this.winSize, this.refSize - this.winSize + 1);
    this.refreshAfter = refresh !== undefined && Number.isFinite(refresh) && refresh >= 1 ? Math.max(minRefresh, Math.floor(refresh)) : undefined;
    this.ring = new Float64Array(this.winSize);
    this.latest = this.refreshAfter === undefined ? undefined : new Float64Array(this.refSize);
  }

  /** Whether the reference window is full. */
  get hasReference(): boolean {
    return this.refSorted !== undefined;
  }

  /** Adds `value` and compares the current window with the reference. */
  update(value: number, _timestamp?: number): DriftDetection {
    if (!Number.isFinite(value)) return this.quiet();
    if (this.latest) {
      this.latest[(this.latestStart + this.latestSize) % this.refSize] = value;
      if (this.latestSize < this.refSize) this.latestSize++;
      else this.latestStart = (this.latestStart + 1) % this.refSize;
    }
    if (!this.refSorted) {
      this.collecting.push(value);
      if (this.collecting.length === this.refSize) this.freeze(this.collecting);
      return this.quiet();
    }
    this.pushCurrent(value);
    if (this.ringSize < this.winSize) return this.quiet();

    let result: DriftDetection;
    if (this.method === 'psi') {
      const psi = psiFromCounts(this.refCounts, this.curCounts, this.epsilon);
      result = { ...detection('psi', psi, this.threshold), method: 'psi', statistic: psi, pValue: undefined };
    } else {
      const ks = ksSorted(this.refSorted, this.curSorted);
      const raw = -Math.log10(Math.max(MIN_P, ks.pValue));
      result = { ...detection('ks', raw, this.threshold), method: 'ks', statistic: ks.statistic, pValue: ks.pValue };
    }
    if (result.anomalous) this.stable = 0;
    else if (this.refreshAfter !== undefined && ++this.stable >= this.refreshAfter) this.refresh();
    return result;
  }

  /** Forgets the reference and the current window: the next `reference` values form a new one. */
  resetReference(): void {
    this.collecting = [];
    this.refSorted = undefined;
    this.clearCurrent();
  }

  private refresh(): void {
    const latest = this.latest;
    if (!latest || this.latestSize < this.refSize) return;
    const values = Array.from({ length: this.refSize }, (_, i) => latest[(this.latestStart + i) % this.refSize]!);
    this.freeze(values);
  }

  private freeze(values: readonly number[]): void {
    this.refSorted = Float64Array.from(values).sort();
    this.collecting = [];
    this.edges = psiEdges(values, this.bins);
    this.refCounts = new Float64Array(this.edges.length + 1);
    for (const v of values) this.refCounts[binOf(this.edges, v)]! += 1;
    this.clearCurrent();
  }

  private clearCurrent(): void {
    this.ringStart = 0;
    this.ringSize = 0;
    this.curSorted = [];
    this.curCounts = new Float64Array(this.edges.length + 1);
    this.stable = 0;
  }

  private pushCurrent(value: number): void {
    if (this.ringSize === this.winSize) {
      const old = this.ring[this.ringStart]!;
      this.ring[this.ringStart] = value;
      this.ringStart = (this.ringStart + 1) % this.winSize;
      this.curCounts[binOf(this.edges, old)]! -= 1;
      if (this.method === 'ks') this.curSorted.splice(binOf(this.curSorted, old), 1);
    } else {
      this.ring[(this.ringStart + this.ringSize) % this.winSize] = value;
      this.ringSize++;
    }
    this.curCounts[binOf(this.edges, value)]! += 1;
    if (this.method === 'ks') this.curSorted.splice(binOf(this.curSorted, value), 0, value);
  }

  private quiet(): DriftDetection {
    return { method: this.method, score: 0, raw: 0, threshold: this.threshold, anomalous: false, statistic: undefined, pValue: undefined };
  }
}
