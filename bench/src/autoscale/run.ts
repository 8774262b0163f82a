import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readTrace } from '../trace-csv.js';
import { AwoPolicy, ForecastFeed, type AwoTuning, type AwoWhatIf } from './awo-policy.js';
import { JobSource } from './jobs.js';
import { Oracle } from './oracle.js';
import { HpaPolicy, KedaPolicy, type Policy } from './policies.js';
import { replay, type PolicyResult } from './replay.js';

/** The workload and the SLO: the same for every policy. */
export interface Workload {
  /** Mean service time of a job, s. */
  serviceSec: number;
  service: 'exponential' | 'fixed';
  /** From asking for a worker to the worker taking jobs, s. */
  startupDelaySec: number;
  /** The SLO: the wait p95 of each minute within this, ms. */
  targetMs: number;
  minWorkers: number;
  maxWorkers: number;
  initialWorkers: number;
  seed: number;
}

export interface RunConfig {
  trace: { path: string; column?: string; scale: number };
  workload: Workload;
  minutes?: number;
  /** Also account SLO and cost per block of this many minutes (for cross-validation over time). */
  blockMinutes?: number;
}

/** A policy to build (plain data, so it can cross to a worker thread). */
export type PolicySpec =
  | { kind: 'awo'; name?: string; tuning: AwoTuning; whatIf?: AwoWhatIf }
  | { kind: 'hpa'; name?: string; targetUtilization: number }
  | { kind: 'keda'; name?: string; listLength: number }
  | { kind: 'oracle' };

/** awo's analyzer settings in the replay: 15 s metrics, a 60 s arrival series, window 720, season auto. */
export const AWO_ANALYZER = { intervalSec: 15, arrivalIntervalSec: 60, window: 720, season: 'auto' as const };

/** The analyzer of awo's replay (one per replay, shared by its awo policies). */
export const awoFeed = (w: Workload) => new ForecastFeed({ startupDelayMs: w.startupDelaySec * 1000, ...AWO_ANALYZER });

export function buildPolicy(spec: Exclude<PolicySpec, { kind: 'oracle' }>, w: Workload, feed?: ForecastFeed): Policy {
  switch (spec.kind) {
    case 'awo':
      return new AwoPolicy({ name: spec.name, tuning: spec.tuning, whatIf: spec.whatIf, targetMs: w.targetMs, startupDelayMs: w.startupDelaySec * 1000, serviceSec: w.serviceSec, min: w.minWorkers, max: w.maxWorkers, feed, ...AWO_ANALYZER });
    case 'hpa':
      return new HpaPolicy({ name: spec.name, targetUtilization: spec.targetUtilization, minReplicas: w.minWorkers, maxReplicas: w.maxWorkers });
    case 'keda':
      return new KedaPolicy({ name: spec.name, listLength: spec.listLength, minReplicas: w.minWorkers, maxReplicas: w.maxWorkers });
  }
}

/** Replays the trace under a group of policies in this thread (one job stream shared by all). */
export async function runGroup(cfg: RunConfig, specs: readonly PolicySpec[], progress?: (line: string) => void): Promise<Record<string, PolicyResult>> {
  const w = cfg.workload;
  const trace = await readTrace(cfg.trace.path, { column: cfg.trace.column, scale: cfg.trace.scale });
  const source = new JobSource({ values: trace.values, stepSec: trace.stepMs / 1000, service: w.service, serviceSec: w.serviceSec, seed: w.seed });
  const policies: Policy[] = [];
  let oracle: Oracle | undefined;
  const feed = awoFeed(w);
  for (const spec of specs) {
    if (spec.kind === 'oracle') oracle = new Oracle({ minReplicas: w.minWorkers, maxReplicas: w.maxWorkers });
    else policies.push(buildPolicy(spec, w, feed));
  }
  return replay({ source, policies, oracle, startupDelay: w.startupDelaySec, targetWait: w.targetMs / 1000, initialWorkers: w.initialWorkers, minutes: cfg.minutes, blockMinutes: cfg.blockMinutes, progress });
}

/** {@link runGroup} in a worker thread (TypeScript through tsx, like the bus bench's consumer). */
export function runGroupInWorker(cfg: RunConfig, specs: readonly PolicySpec[], progress?: (line: string) => void): Promise<Record<string, PolicyResult>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../ts-worker.mjs', import.meta.url), { workerData: { module: new URL('./worker.ts', import.meta.url).href, cfg, specs } });
    let result: Record<string, PolicyResult> | undefined;
    worker.on('message', (m: { progress?: string; result?: Record<string, PolicyResult>; error?: string }) => {
      if (m.progress !== undefined) progress?.(m.progress);
      if (m.result) result = m.result;
      if (m.error) reject(new Error(m.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`autoscale worker exited with code ${code} and no result`))));
  });
}

/**
 * Runs groups of policies, each group in its own worker thread (at most as many at once as there
 * are CPUs), or all in this thread when `threads` is false. Results are merged by policy name.
 */
export async function runGroups(cfg: RunConfig, groups: readonly (readonly PolicySpec[])[], progress: (line: string) => void, threads = true): Promise<Record<string, PolicyResult>> {
  const out: Record<string, PolicyResult> = {};
  if (!threads) {
    for (const g of groups) Object.assign(out, await runGroup(cfg, g, progress));
    return out;
  }
  const limit = Math.max(1, Math.min(groups.length, availableParallelism()));
  let next = 0;
  const lane = async () => {
    while (next < groups.length) {
      const g = groups[next++] as readonly PolicySpec[];
      Object.assign(out, await runGroupInWorker(cfg, g, progress));
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return out;
}
