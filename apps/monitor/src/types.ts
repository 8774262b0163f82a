import type { RedisClient } from '@awo/shared';
import type { Keys, Logger, WorkflowConfig } from '@awo/shared';

/** One measurement a source took. */
export interface Sample {
  /** `<kind>.<name>.<metric>`, built by `seriesName`. */
  series: string;
  value: number;
  unit?: string;
  /** Added to the source's config labels (sample labels win). */
  labels?: Record<string, string>;
  /** When it was measured (ms since the epoch); default: when the sample was taken. */
  ts?: number;
}

/** What a source is handed: connections, a logger and a clock. Never globals. */
export interface SourceDeps {
  /** A new dedicated Redis connection, owned (and closed) by the source. */
  connect(name: string, options?: { blocking?: boolean }): RedisClient;
  log: Logger;
  /** Wall-clock time in ms. */
  now(): number;
  /** awo's keys and the workflow, for sources that read what the workflow runner writes (`records`). */
  keys?: Keys;
  workflow?: WorkflowConfig;
}

/**
 * Something the monitor samples on a schedule. The factory does no I/O; `start()` connects
 * (and may be called again after it failed); `sample()` honours its signal; `close()` works
 * whether or not `start()` ever succeeded.
 */
export interface Source {
  readonly kind: string;
  readonly name: string;
  /** ms between samples; undefined: the monitor's interval. */
  readonly interval: number | undefined;
  /** Labels from the source config, added to every metric of this source. */
  readonly labels?: Readonly<Record<string, string>>;
  start?(): Promise<void>;
  sample(signal: AbortSignal): Promise<Sample[]>;
  close(): Promise<void>;
}

/** Builds a source from its config; does no I/O. */
export type SourceFactory<C> = (config: C, deps: SourceDeps) => Source;
