export type { DriftDetection, DriftMethod } from './types.js';
export {
  binOf,
  DEFAULT_PSI_BINS,
  DEFAULT_PSI_EPSILON,
  kolmogorovQ,
  ksSorted,
  ksTest,
  populationStabilityIndex,
  PSI_MODERATE,
  PSI_SIGNIFICANT,
  psiEdges,
  psiFromCounts,
  psiLevel,
  quantileSorted,
} from './drift.js';
export type { KsResult, PsiOptions } from './drift.js';
export { DriftDetector } from './drift-detector.js';
export type { DriftDetectorOptions } from './drift-detector.js';
export { crossingFromForecast, DEFAULT_CROSSING_WINDOW, forecastCrossing } from './crossing.js';
export type { CrossingEstimate, CrossingStatus, ForecastLike, LimitDirection, SeriesCrossingOptions } from './crossing.js';
