/**
 * What the autoscale replay can take, checked on the scaled trace before any job is drawn: the
 * simulator draws each step's jobs at once (about 24 bytes a job) and queues what the pool cannot
 * serve, so a trace scaled far beyond the pool is refused with a message, never run out of memory.
 */
import type { Workload } from './run.js';

/** Jobs drawn for one step at most (about 50 MB of arrival and service times). */
export const MAX_JOBS_PER_STEP = 2_000_000;

export interface LoadCheck {
  ok: boolean;
  /** The largest step of the scaled trace: jobs in it, and as jobs/s. */
  peakJobs: number;
  peakRate: number;
  /** What the pool can serve at most, jobs/s: maxWorkers ÷ serviceSec. */
  capacity: number;
  /** The largest `--scale` that fits (the given scale when it fits). */
  fitScale: number;
  /** Why it does not fit, naming the scaled load and the `--scale` that would (when not ok). */
  message?: string;
}

/** Two significant digits, rounded down (a suggested scale must fit, not overshoot). */
function floor2(x: number): number {
  if (!(x > 0)) return 0;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.floor(x / p) * p;
}

const fmt = (x: number) => (x >= 1e4 ? x.toExponential(2) : x >= 10 ? x.toFixed(0) : x.toPrecision(3));

/**
 * Checks the trace (values already multiplied by `scale`, NaN for missing steps) against the
 * pool: its peak rate must be within what `maxWorkers` workers serve, and its largest step within
 * {@link MAX_JOBS_PER_STEP}.
 */
export function checkLoad(t: { values: ArrayLike<number>; stepMs: number; scale: number; source?: string }, w: Pick<Workload, 'maxWorkers' | 'serviceSec'>): LoadCheck {
  let peakJobs = 0;
  for (let i = 0; i < t.values.length; i++) {
    const v = t.values[i] as number;
    if (v > peakJobs) peakJobs = v;
  }
  const stepSec = t.stepMs / 1000;
  const peakRate = peakJobs / stepSec;
  const capacity = w.maxWorkers / w.serviceSec;
  const allowed = Math.min(capacity * stepSec, MAX_JOBS_PER_STEP);
  if (peakJobs <= allowed) return { ok: true, peakJobs, peakRate, capacity, fitScale: t.scale };
  const fitScale = floor2((t.scale * allowed) / peakJobs);
  const why =
    peakRate > capacity
      ? `more than the pool of at most ${w.maxWorkers} workers × ${fmt(1 / w.serviceSec)} jobs/s = ${fmt(capacity)} jobs/s can serve`
      : `more than the ${fmt(MAX_JOBS_PER_STEP)} jobs per step the replay draws at once`;
  const message = `${t.source ?? 'trace'}: at --scale ${t.scale} the load would peak at ${fmt(peakRate)} jobs/s (${fmt(peakJobs)} jobs in one ${stepSec} s step), ${why}; --scale ${fitScale} or less would fit`;
  return { ok: false, peakJobs, peakRate, capacity, fitScale, message };
}

/**
 * The scale that puts the trace's 99th-percentile step at `peak` jobs/s (`--peak`): robust to the
 * bursts of series like NAB's tweet volumes, whose largest step is 5–150 times their typical one.
 */
export function scaleForPeak(values: ArrayLike<number>, stepMs: number, peak: number): number {
  if (!(peak > 0)) throw new RangeError(`--peak must be a positive number of jobs/s, got ${peak}`);
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) present.push(values[i] as number);
  present.sort((a, b) => a - b);
  const p99 = present[Math.min(present.length - 1, Math.floor(0.99 * present.length))] ?? 0;
  if (!(p99 > 0)) throw new RangeError(`--peak: the trace's 99th-percentile step is ${p99}; cannot scale it to ${peak} jobs/s`);
  return (peak * stepMs) / 1000 / p99;
}
