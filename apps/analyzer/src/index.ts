export { AnalyzerAgent } from './analyzer.js';
export { SeriesState, globToRegExp, type ForecastRule, type AnomalyRule } from './series.js';
export * from './forecast/index.js';
export * from './detect/index.js';
export * from './quality/index.js';
