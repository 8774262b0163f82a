/**
 * `npm run bench -- autoscale`: replays a real load trace through a simulated queue and worker
 * pool under four autoscalers — awo's own analyzer and planner, the Kubernetes HPA, KEDA on the
 * queue length, and an oracle that knows the future — and reports SLO attainment (share of
 * minutes with wait p95 within the target), worker-minutes and scale events.
 */
import type { BenchIo } from '../context.js';
import { NASA_PER_MINUTE } from '../data-paths.js';
import { round, table } from '../stats.js';
import { describeTrace, missingSteps, readTrace, type Trace } from '../trace-csv.js';
import type { AwoTuning } from './awo-policy.js';
import { frontierGroups, frontierLines, frontierReport } from './frontier.js';
import { checkLoad, scaleForPeak } from './limits.js';
import { liveReport, liveRun, liveTable, type LiveOptions } from './live.js';
import type { PolicyResult } from './replay.js';
import { runGroups, type PolicySpec, type RunConfig, type Workload } from './run.js';

export { AwoPolicy, awoGoal, SERIES, type AwoSettings, type AwoTuning, type AwoWhatIf } from './awo-policy.js';
export { DEFAULT_BEHAVIOR, externalReplicas, HpaController, resourceReplicas, type HpaBehavior } from './hpa.js';
export { emptyBatch, JobSource, type JobBatch } from './jobs.js';
export { minuteMet, Oracle } from './oracle.js';
export { FixedPolicy, HpaPolicy, KedaPolicy, type Policy } from './policies.js';
export { replay, type PolicyResult, type ReplayOptions } from './replay.js';
export { buildPolicy, runGroup, runGroups, type PolicySpec, type RunConfig, type Workload } from './run.js';
export { PoolSim, type PoolView } from './sim.js';
export { interpolatedQuantile } from './arrays.js';

export interface AutoscaleArgs {
  /** CSV trace (default: NASA-HTTP 1995 requests per minute). Values are jobs per step. */
  trace?: string;
  column?: string;
  /** Multiplies the trace (default 50: NASA's ~42 req/min becomes ~35 jobs/s). */
  scale?: number;
  /** `sim` (default) replays in a model; `live` runs a window through the real agents on Redis. */
  mode?: 'sim' | 'live';
  /** Live: trace seconds per real second (default 10). */
  speedup?: number;
  json: boolean;
  /** Replay only the first N minutes (quick runs; live: default 20). */
  minutes?: number;
  seed?: number;
  /** Also run HPA and KEDA at other settings (their cost/SLO frontier). */
  sweep?: boolean;
  /** Also run the what-if emulations of the recommended planner changes. */
  whatIf?: boolean;
  /** Run policy groups in worker threads (default true). */
  threads?: boolean;
  /** Sweep each policy's main knob and report the cost/SLO frontiers (see frontier.ts). */
  frontier?: boolean;
  /** Choose the headroom controller's defaults by blocked rolling-origin CV over the public traces (see cv.ts). */
  cv?: boolean;
  /** Scale the trace so its 99th-percentile step is this many jobs/s (instead of `scale`). */
  peak?: number;
}

/** The workload and the SLO: the same for every policy. */
export const WORKLOAD: Workload = {
  serviceSec: 0.5,
  service: 'exponential',
  startupDelaySec: 60,
  targetMs: 1000,
  minWorkers: 1,
  maxWorkers: 400,
  initialWorkers: 25,
  seed: 1,
};

/**
 * awo's goal settings, one for the whole trace, picked on its first 20,000 minutes
 * (targetUtilization 0.65–0.9, scaleDownStabilization 60–600 s, maxStep 4–100, tolerance 0 or
 * 0.1, sizing for the forecast's point or upper bound): a cheap setting with a better SLO than
 * the hpa baseline there, with some margin (a 180 s window is 1% cheaper with less margin).
 * Sizing for the upper bound of the forecast's 90% interval at 85% utilisation costs 2–3% less
 * than the point forecast at a lower utilisation for the same SLO, with about half the scale
 * events; a scale-down window of 60–120 s loses SLO in the trace's bursts; a cooldown up to the
 * 15 s sampling interval changes nothing, since decisions come 15 s apart.
 */
export const AWO_TUNING: AwoTuning = { targetUtilization: 0.85, scaleDownStabilization: 300_000, cooldown: 0, maxStep: 4, tolerance: 0.1, forecastBound: 'upper' };

/** The baselines: a common HPA CPU target, and KEDA's per-worker backlog that drains within the target. */
export const HPA_TARGET_UTILIZATION = 0.7;
export const KEDA_LIST_LENGTH = WORKLOAD.targetMs / 1000 / WORKLOAD.serviceSec;
const HPA_SWEEP = [0.5, 0.6, 0.8];
const KEDA_SWEEP = [1, 5, 10, 20];

const summary = (r: PolicyResult) => ({
  sloAttainment: round(r.sloAttainment, 4),
  workerMinutes: Math.round(r.workerMinutes),
  scaleEvents: r.scaleEvents,
  minutesMissed: r.minutesMissed,
  jobsOverTarget: round(r.jobsOverTarget, 4),
  meanWaitMs: round(r.meanWaitMs, 1),
  meanWorkers: round(r.meanWorkers, 2),
  maxWorkers: r.maxWorkers,
  settings: r.details,
});

/** The SLO attainment of a frontier (sorted by cost) interpolated linearly at `cost`; undefined outside it. */
export function frontierAt(points: { workerMinutes: number; sloAttainment: number }[], cost: number): number | undefined {
  const p = [...points].sort((a, b) => a.workerMinutes - b.workerMinutes);
  for (let i = 1; i < p.length; i++) {
    const a = p[i - 1] as (typeof p)[number];
    const b = p[i] as (typeof p)[number];
    if (cost >= a.workerMinutes && cost <= b.workerMinutes) return a.sloAttainment + ((b.sloAttainment - a.sloAttainment) * (cost - a.workerMinutes)) / (b.workerMinutes - a.workerMinutes);
  }
  return undefined;
}

async function liveBench(argv: AutoscaleArgs, io: BenchIo, t: { path: string; scale: number; trace: Trace; workload: Workload }) {
  const o: LiveOptions = {
    trace: { path: t.path, column: argv.column, scale: t.scale },
    values: Array.from(t.trace.values).filter(Number.isFinite),
    stepSec: t.trace.stepMs / 1000,
    minutes: argv.minutes ?? 20,
    speedup: argv.speedup ?? 10,
    workload: t.workload,
    tuning: AWO_TUNING,
    compare: [{ kind: 'awo', tuning: AWO_TUNING }, { kind: 'hpa', targetUtilization: HPA_TARGET_UTILIZATION }, { kind: 'oracle' }],
  };
  const started = performance.now();
  const report = { ...liveReport(o, await liveRun(o, io)), seconds: round((performance.now() - started) / 1000, 1) };
  if (io.json) io.out(JSON.stringify(report));
  else {
    io.out(`${describeTrace(t.trace)}; live: the first ${report.minutes} minutes at ×${report.speedup} through the real agents; SLO: wait p95 <= ${t.workload.targetMs} ms per trace minute`);
    io.out(liveTable(report));
    io.out(`(${report.seconds}s)`);
  }
  return report;
}

export async function autoscaleBench(argv: AutoscaleArgs, io: BenchIo) {
  const w: Workload = { ...WORKLOAD, seed: argv.seed ?? WORKLOAD.seed };
  if (argv.cv) return (await import('./cv.js')).cvBench({ minutes: argv.minutes, threads: argv.threads, json: argv.json }, io, w, AWO_TUNING);
  const path = argv.trace ?? NASA_PER_MINUTE;
  if (argv.peak !== undefined && argv.scale !== undefined) throw new Error('autoscale: give --scale or --peak, not both');
  let scale = argv.scale ?? 50;
  if (argv.peak !== undefined) {
    const raw = await readTrace(path, { column: argv.column });
    scale = scaleForPeak(raw.values, raw.stepMs, argv.peak);
  }
  const trace = await readTrace(path, { column: argv.column, scale });
  io.progress(`autoscale: ${describeTrace(trace)}`);
  // Refused before a job is drawn or a worker started.
  const load = checkLoad({ ...trace, source: path }, w);
  if (!load.ok) throw new Error(`autoscale: ${load.message}`);
  if (argv.mode === 'live') return liveBench(argv, io, { path, scale, trace, workload: w });
  const cfg: RunConfig = { trace: { path, column: argv.column, scale }, workload: w, minutes: argv.minutes };
  const groups: PolicySpec[][] = [
    [{ kind: 'awo', tuning: AWO_TUNING }, { kind: 'hpa', targetUtilization: HPA_TARGET_UTILIZATION }, { kind: 'keda', listLength: KEDA_LIST_LENGTH }],
    [{ kind: 'oracle' }],
  ];
  if (argv.frontier) groups.splice(0, groups.length, ...frontierGroups(AWO_TUNING));
  if (argv.sweep) {
    groups.push([...HPA_SWEEP.map((u): PolicySpec => ({ kind: 'hpa', name: `hpa@${u}`, targetUtilization: u })), { kind: 'keda', name: `keda@${KEDA_SWEEP[0]}`, listLength: KEDA_SWEEP[0] as number }]);
    groups.push(KEDA_SWEEP.slice(1).map((l): PolicySpec => ({ kind: 'keda', name: `keda@${l}`, listLength: l })));
  }
  if (argv.whatIf) {
    const big: AwoTuning = { ...AWO_TUNING, maxStep: 100 };
    groups.push([
      { kind: 'awo', name: 'awo maxStep 100', tuning: big },
      { kind: 'awo', name: 'awo + true throughput', tuning: AWO_TUNING, whatIf: { throughput: 1 / w.serviceSec } },
    ]);
  }
  const started = performance.now();
  const results = await runGroups(cfg, groups, (line) => io.progress(line), argv.threads ?? true);
  const seconds = (performance.now() - started) / 1000;
  results.hpa ??= results[`hpa@${HPA_TARGET_UTILIZATION}`] as PolicyResult;
  results.keda ??= results[`keda@${KEDA_LIST_LENGTH}`] as PolicyResult;
  const frontier = argv.frontier ? frontierReport(results) : undefined;
  const a = results.awo as PolicyResult;
  const h = results.hpa as PolicyResult;
  const k = results.keda as PolicyResult;
  const o = results.oracle as PolicyResult;
  const goal = {
    beatsHpaAndKedaOnSlo: a.sloAttainment > h.sloAttainment && a.sloAttainment > k.sloAttainment,
    costNoMoreThanHpaAndKeda: a.workerMinutes <= h.workerMinutes && a.workerMinutes <= k.workerMinutes,
    costVsOracle: round(a.workerMinutes / o.workerMinutes, 3),
    withinOracle15pct: a.workerMinutes <= 1.15 * o.workerMinutes,
    met: false,
  };
  goal.met = goal.beatsHpaAndKedaOnSlo && goal.costNoMoreThanHpaAndKeda && goal.withinOracle15pct;
  const point = (r: PolicyResult, setting: number) => ({ setting, sloAttainment: round(r.sloAttainment, 4), workerMinutes: Math.round(r.workerMinutes), scaleEvents: r.scaleEvents });
  let sweep;
  if (argv.sweep) {
    const hpa = [HPA_TARGET_UTILIZATION, ...HPA_SWEEP].sort().map((u) => point((u === HPA_TARGET_UTILIZATION ? h : results[`hpa@${u}`]) as PolicyResult, u));
    const keda = [...new Set([KEDA_LIST_LENGTH, ...KEDA_SWEEP])].sort((x, y) => x - y).map((l) => point((l === KEDA_LIST_LENGTH ? k : results[`keda@${l}`]) as PolicyResult, l));
    const at = frontierAt(hpa, a.workerMinutes);
    sweep = { hpa: { setting: 'targetUtilization', points: hpa }, keda: { setting: 'listLength', points: keda }, hpaSloAtAwoCost: at === undefined ? null : round(at, 4) };
  }
  const whatIf = argv.whatIf ? Object.fromEntries(Object.entries(results).filter(([name]) => name.startsWith('awo ')).map(([name, r]) => [name, summary(r)])) : undefined;
  const result = {
    mode: 'sim' as const,
    trace: { path, column: trace.column, scale, stepSec: trace.stepMs / 1000, steps: trace.values.length, missingSteps: missingSteps(trace), gaps: 'missing steps (gap rows) are cut out of the replay: its clock runs over the covered steps only' },
    workload: { ...w, arrivals: "each step's count spread uniformly over the step (Poisson given the count)", slo: `wait p95 of each minute <= ${w.targetMs} ms` },
    policies: Object.fromEntries(['awo', 'hpa', 'keda', 'oracle'].map((name) => [name, { ...summary(results[name] as PolicyResult), ...(frontier?.policies[name as keyof typeof frontier.policies] ?? {}) }])),
    goal,
    ...(frontier ? { frontierGoal: frontier.goal } : {}),
    ...(sweep ? { sweep } : {}),
    ...(whatIf ? { whatIf } : {}),
    minutes: a.minutes,
    jobs: a.jobs,
    seconds: round(seconds, 1),
  };
  if (io.json) io.out(JSON.stringify(result));
  else {
    const row = (name: string, r: PolicyResult) => ({
      policy: name,
      'SLO attainment': `${(100 * r.sloAttainment).toFixed(2)}%`,
      'worker-minutes': Math.round(r.workerMinutes),
      'vs oracle': `${(r.workerMinutes / o.workerMinutes).toFixed(2)}x`,
      'scale events': r.scaleEvents,
      'mean wait ms': r.meanWaitMs.toFixed(1),
      'max workers': r.maxWorkers,
    });
    io.out(`${describeTrace(trace)}; ${a.minutes} minutes, ${a.jobs} jobs; SLO: wait p95 <= ${w.targetMs} ms per minute`);
    io.out(table(['awo', 'hpa', 'keda', 'oracle'].map((n) => row(n, results[n] as PolicyResult))));
    io.out(`awo: ${JSON.stringify(AWO_TUNING)}; hpa: targetUtilization ${HPA_TARGET_UTILIZATION}; keda: listLength ${KEDA_LIST_LENGTH}`);
    if (frontier) {
      io.out('\nfrontiers (workerMinutes, sloAttainment) per knob value:');
      for (const line of frontierLines(frontier)) io.out(line);
    }
    if (sweep) {
      io.out('\nfrontiers:');
      io.out(table([...sweep.hpa.points.map((p) => ({ policy: `hpa targetUtilization ${p.setting}`, ...p })), ...sweep.keda.points.map((p) => ({ policy: `keda listLength ${p.setting}`, ...p }))].map(({ setting: _s, ...p }) => p)));
      io.out(`hpa frontier at awo's cost: ${sweep.hpaSloAtAwoCost === null ? 'outside the sweep' : `${(100 * sweep.hpaSloAtAwoCost).toFixed(2)}%`} (awo ${(100 * a.sloAttainment).toFixed(2)}%)`);
    }
    if (argv.whatIf) {
      io.out('\nwhat-if (emulated planner changes, not awo as shipped):');
      io.out(table(Object.entries(results).filter(([name]) => name.startsWith('awo ')).map(([name, r]) => ({ ...row(name, r), 'learned throughput': String((r.details as { learnedThroughput?: number }).learnedThroughput ?? '') }))));
    }
    io.out(`goal (awo beats hpa and keda on SLO at no more cost, within 15% of the oracle's cost): ${goal.met ? 'met' : 'not met'} ${JSON.stringify(goal)}`);
    io.out(`(${result.seconds}s)`);
  }
  return result;
}
