export { MonitorAgent, MAX_SAMPLE_MS, type MonitorOptions } from './monitor.js';
export { SourceRunner, type RunnerOptions, type SourceHealth } from './runner.js';
export type { Sample, Source, SourceDeps, SourceFactory } from './types.js';
export { seriesName, sourceId } from './series.js';
export { percentile, percentiles } from './stats.js';
export { backoffDelay } from './backoff.js';
export {
  SOURCE_FACTORIES,
  createSource,
  bullmqSource,
  httpJsonSource,
  kubernetesSource,
  natsSource,
  prometheusSource,
  recordsSource,
  redisStreamSource,
  systemSource,
} from './sources/index.js';
export { parsePrometheusText, parsePromValue, type PromSample, type PromExposition, type PromFamily } from './sources/prometheus-text.js';
export { pickPath, pickNumber } from './sources/path.js';
