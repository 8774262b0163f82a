export type { DataRecord, DriftDetection, DriftMethod, FieldSpec, FieldType, Freshness, QualityMetrics, QualitySpec } from './types.js';
export { computeQualityMetrics, freshnessOf, nearestRank } from './metrics.js';
export type { QualityContext } from './metrics.js';
export { RecentKeys } from './recent-keys.js';
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
