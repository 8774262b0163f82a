export type { DataRecord, FieldSpec, FieldType, Freshness, QualityMetrics, QualitySpec } from './types.js';
export { checkRecord, computeQualityMetrics, freshnessOf, nearestRank, recordPasses } from './metrics.js';
export type { QualityContext, RecordCheck } from './metrics.js';
export { RecentKeys } from './recent-keys.js';
