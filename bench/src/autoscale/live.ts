/**
 * `npm run bench -- autoscale --mode live`: a window of the trace through awo's real agents
 * (monitor with two BullMQ sources, analyzer, planner, executor with a managed pool of BullMQ
 * workers) on Redis, time compressed: one trace minute lasts 60 / speedup seconds, and the
 * service time, the start-up delay, the wait target and awo's intervals shrink by the same
 * factor. It runs `awo demo`'s loop (`runAutoscaleDemo`) with the trace as the load and awo's goal
 * as the autoscale bench configures it; the sim's figures for the same window are printed beside.
 */
import { mulberry32 } from '@awo/shared';
import { runAutoscaleDemo } from '@awo/cli';
import type { BenchIo } from '../context.js';
import { round, table } from '../stats.js';
import { awoGoal, SERIES, type AwoTuning } from './awo-policy.js';
import type { PolicyResult } from './replay.js';
import { AWO_ANALYZER, runGroup, type PolicySpec, type Workload } from './run.js';

export interface LiveOptions {
  trace: { path: string; column?: string; scale: number };
  /** The trace's values (jobs per step), gaps cut out, and its step. */
  values: readonly number[];
  stepSec: number;
  minutes: number;
  /** Trace seconds per real second. */
  speedup: number;
  workload: Workload;
  tuning: AwoTuning;
  /** The policies the sim runs on the same window, for comparison. */
  compare: PolicySpec[];
}

/** awo's goal and analyzer settings of the sim, with every duration divided by `speedup`. */
export function liveSettings(o: Pick<LiveOptions, 'speedup' | 'workload' | 'tuning'>) {
  const k = o.speedup;
  const w = o.workload;
  const workload = { targetMs: w.targetMs / k, serviceMs: (w.serviceSec * 1000) / k, startupDelayMs: (w.startupDelaySec * 1000) / k };
  const intervalSec = AWO_ANALYZER.intervalSec / k;
  const arrivalIntervalSec = AWO_ANALYZER.arrivalIntervalSec / k;
  const tuning = { ...o.tuning, scaleDownStabilization: o.tuning.scaleDownStabilization / k, cooldown: o.tuning.cooldown / k };
  const goal = awoGoal({ tuning, targetMs: workload.targetMs, startupDelayMs: workload.startupDelayMs, serviceSec: workload.serviceMs / 1000, min: w.minWorkers, max: w.maxWorkers, intervalSec, arrivalIntervalSec, window: AWO_ANALYZER.window, season: AWO_ANALYZER.season });
  const overrides = {
    goal,
    sources: [
      { name: 'work', interval: intervalSec * 1000 },
      { name: 'work1m', interval: arrivalIntervalSec * 1000 },
    ],
    forecast: { series: SERIES.arrival, horizon: workload.startupDelayMs + arrivalIntervalSec * 1000, step: arrivalIntervalSec * 1000, season: AWO_ANALYZER.season },
    window: AWO_ANALYZER.window,
    pool: { initial: w.initialWorkers, max: w.maxWorkers },
  };
  return { workload, overrides };
}

export async function liveRun(o: LiveOptions, io: BenchIo) {
  const values = o.values.slice(0, o.minutes);
  const k = o.speedup;
  const { workload, overrides } = liveSettings(o);
  const rand = mulberry32(o.workload.seed);
  const mean = workload.serviceMs;
  const durationS = (values.length * o.stepSec) / k;
  io.progress(`autoscale live: ${values.length} trace minutes in ${round(durationS, 1)} s (×${k}); jobs take ${round(mean, 1)} ms on average, workers start in ${round(workload.startupDelayMs, 0)} ms, target wait p95 ${round(workload.targetMs, 1)} ms`);
  const summary = await runAutoscaleDemo({
    durationS,
    dayS: durationS,
    io: { out: (line) => io.progress(line), err: (line) => io.progress(line), env: process.env, signal: new AbortController().signal },
    quiet: false,
    rate: (t) => ((values[Math.min(values.length - 1, Math.floor((t * k) / o.stepSec))] ?? 0) / o.stepSec) * k,
    workload,
    overrides,
    jobServiceMs: () => (o.workload.service === 'fixed' ? mean : -mean * Math.log(1 - rand())),
    sloBucketMs: (60 * 1000) / k,
  });
  io.progress('autoscale live: the sim on the same window');
  const sim = await runGroup({ trace: o.trace, workload: o.workload, minutes: values.length }, o.compare);
  return { summary, sim, workload };
}

export function liveReport(o: LiveOptions, r: Awaited<ReturnType<typeof liveRun>>) {
  const { summary, sim } = r;
  const live = { sloAttainment: summary.sloAttainment, workerMinutes: Math.round((summary.workerSeconds * o.speedup) / 60), scaleEvents: summary.planRevisions, jobs: summary.jobs, maxWorkers: summary.peakWorkers };
  const fig = (p: PolicyResult) => ({ sloAttainment: round(p.sloAttainment, 4), workerMinutes: Math.round(p.workerMinutes), scaleEvents: p.scaleEvents, jobs: p.jobs, maxWorkers: p.maxWorkers });
  return {
    mode: 'live' as const,
    minutes: Math.min(o.minutes, o.values.length),
    speedup: o.speedup,
    workloadReal: r.workload,
    policies: { awo: { ...live, actions: summary.actions, traceId: summary.traceId } },
    sim: Object.fromEntries(Object.entries(sim).map(([n, p]) => [n, fig(p)])),
  };
}

export function liveTable(report: ReturnType<typeof liveReport>): string {
  const { actions: _a, traceId: _t, ...awo } = report.policies.awo;
  return table([{ policy: 'awo (live)', ...awo }, ...Object.entries(report.sim).map(([n, p]) => ({ policy: `${n} (sim)`, ...p }))]);
}
