import type { SourceConfig } from '@awo/shared';
import type { Source, SourceDeps, SourceFactory } from '../types.js';
import { bullmqSource } from './bullmq.js';
import { httpJsonSource } from './http-json.js';
import { kubernetesSource } from './kubernetes.js';
import { natsSource } from './nats.js';
import { prometheusSource } from './prometheus.js';
import { recordsSource } from './records.js';
import { redisStreamSource } from './redis-stream.js';
import { systemSource } from './system.js';

/** The factory of each source kind of the config. */
export const SOURCE_FACTORIES: { readonly [K in SourceConfig['kind']]: SourceFactory<Extract<SourceConfig, { kind: K }>> } = {
  bullmq: bullmqSource,
  'redis-stream': redisStreamSource,
  nats: natsSource,
  system: systemSource,
  'http-json': httpJsonSource,
  prometheus: prometheusSource,
  records: recordsSource,
  kubernetes: kubernetesSource,
};

/** Builds the source a config entry describes (no I/O). */
export function createSource(config: SourceConfig, deps: SourceDeps): Source {
  const factory = SOURCE_FACTORIES[config.kind] as SourceFactory<SourceConfig>;
  return factory(config, deps);
}

export { bullmqSource, httpJsonSource, kubernetesSource, natsSource, prometheusSource, recordsSource, redisStreamSource, systemSource };
