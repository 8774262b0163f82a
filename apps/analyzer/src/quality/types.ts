import type { Detection } from '../detect/types.js';

/** Drift statistic used by a {@link DriftDetection}. */
export type DriftMethod = 'psi' | 'ks';

/**
 * One evaluation of a streaming drift detector, shaped like the anomaly {@link Detection}:
 * `raw` is the PSI (method 'psi') or −log10 of the KS p-value (method 'ks'), compared with
 * `threshold`; `score` is 0.5 at the threshold.
 */
export interface DriftDetection extends Detection {
  method: DriftMethod;
  /** PSI, or the KS statistic D; undefined during warm-up. */
  statistic: number | undefined;
  /** Asymptotic KS p-value (method 'ks' only). */
  pValue: number | undefined;
}
