/**
 * `npm run bench -- autoscale --cv`: chooses the defaults of awo's headroom controller (its gain
 * and the wait model's tail) by blocked rolling-origin cross-validation over time, on every trace
 * built from the public data here (NASA ×50, and NAB's load-like series at `--peak 11`).
 *
 * Each trace is replayed once under every candidate (at slo 0.99) and the oracle, and scored per
 * block of consecutive minutes. Fold i tunes on blocks 0 … i−1 of every trace (the candidate of
 * least mean loss) and scores the choice on block i; the CV loss is the mean over folds and
 * traces. The in-sample loss is that of the candidate chosen on blocks 1 … B−1 themselves, on
 * those same blocks. Loss of a block: cost ÷ the oracle's cost + 100 × the SLO shortfall below
 * 0.99 (one point of SLO missed weighs as much as the oracle's whole cost).
 */
import type { BenchIo } from '../context.js';
import { NAB_ELB, NASA_PER_MINUTE } from '../data-paths.js';
import { round, table } from '../stats.js';
import { readTrace } from '../trace-csv.js';
import type { AwoTuning } from './awo-policy.js';
import { scaleForPeak } from './limits.js';
import type { Block, PolicyResult } from './replay.js';
import { runGroupInWorker, runGroup, type PolicySpec, type Workload } from './run.js';

const NAB = NAB_ELB.replace(/realAWSCloudwatch\/.*$/, '');

/** The traces: NASA at the bench's scale, NAB's request counts and the highest tweet volumes at a 99th percentile of 11 jobs/s. */
export const CV_TRACES: { name: string; path: string; scale?: number; peak?: number }[] = [
  { name: 'nasa', path: NASA_PER_MINUTE, scale: 50 },
  { name: 'elb', path: NAB_ELB, peak: 11 },
  { name: 'goog', path: `${NAB}realTweets/Twitter_volume_GOOG.csv`, peak: 11 },
  { name: 'amzn', path: `${NAB}realTweets/Twitter_volume_AMZN.csv`, peak: 11 },
];

export const CV_SLO = 0.99;
export const CV_GRID = { gain: [0.25, 0.5, 1], tail: [0.02, 0.05] } as const;

export interface Candidate {
  name: string;
  gain: number;
  tail: number;
}

export const candidates = (): Candidate[] => CV_GRID.gain.flatMap((gain) => CV_GRID.tail.map((tail) => ({ name: `awo gain ${gain} tail ${tail}`, gain, tail })));

/** A block's loss: cost ÷ the oracle's + 100 × the shortfall below the SLO. */
export function blockLoss(b: Block, oracle: Block, slo = CV_SLO): number {
  return b.workerMinutes / oracle.workerMinutes + 100 * Math.max(0, slo - b.met / b.minutes);
}

/** Per trace, per candidate, the loss of each block. */
export type Losses = Record<string, Record<string, number[]>>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The candidate of least mean loss over the given blocks of every trace (ties: the first). */
export function choose(losses: Losses, names: string[], blocks: number[]): string {
  let best = names[0] as string;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const l = mean(Object.values(losses).flatMap((t) => blocks.map((b) => (t[n] as number[])[b] as number)));
    if (l < bestLoss) {
      bestLoss = l;
      best = n;
    }
  }
  return best;
}

/** Blocked rolling-origin CV over the losses: the choice per fold, the CV and in-sample losses. */
export function rollingOrigin(losses: Losses, names: string[], nBlocks: number) {
  const folds: { tunedOn: number[]; scoredOn: number; chosen: string; loss: number }[] = [];
  for (let i = 1; i < nBlocks; i++) {
    const tunedOn = Array.from({ length: i }, (_, k) => k);
    const chosen = choose(losses, names, tunedOn);
    folds.push({ tunedOn, scoredOn: i, chosen, loss: mean(Object.values(losses).map((t) => (t[chosen] as number[])[i] as number)) });
  }
  const later = Array.from({ length: nBlocks - 1 }, (_, k) => k + 1);
  const inSampleChoice = choose(losses, names, later);
  const inSample = mean(Object.values(losses).flatMap((t) => later.map((b) => (t[inSampleChoice] as number[])[b] as number)));
  return { folds, cvLoss: mean(folds.map((f) => f.loss)), inSampleChoice, inSampleLoss: inSample, finalChoice: choose(losses, names, Array.from({ length: nBlocks }, (_, k) => k)) };
}

export interface CvArgs {
  minutes?: number;
  blocks?: number;
  threads?: boolean;
  json: boolean;
}

export async function cvBench(args: CvArgs, io: BenchIo, workload: Workload, tuning: AwoTuning) {
  const minutes = args.minutes ?? 20_000;
  const nBlocks = args.blocks ?? 5;
  const blockMinutes = Math.floor(minutes / nBlocks);
  const cands = candidates();
  const specs: PolicySpec[] = [{ kind: 'oracle' }, ...cands.map((c): PolicySpec => ({ kind: 'awo', name: c.name, tuning: { ...tuning, slo: CV_SLO, headroom: { gain: c.gain, tail: c.tail } } }))];
  const started = performance.now();
  const results: Record<string, Record<string, PolicyResult>> = {};
  const jobs = await Promise.all(
    CV_TRACES.map(async (t) => {
      const raw = t.peak !== undefined ? await readTrace(t.path) : undefined;
      const scale = raw && t.peak !== undefined ? scaleForPeak(raw.values, raw.stepMs, t.peak) : (t.scale as number);
      return { t, cfg: { trace: { path: t.path, scale }, workload, minutes: blockMinutes * nBlocks, blockMinutes } };
    }),
  );
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const { t, cfg } = jobs[next++] as (typeof jobs)[number];
      const progress = (line: string) => io.progress(`cv ${t.name}: ${line.replace(/^autoscale: /, '').slice(0, 160)}`);
      results[t.name] = args.threads === false ? await runGroup(cfg, specs, progress) : await runGroupInWorker(cfg, specs, progress);
    }
  };
  await Promise.all(Array.from({ length: args.threads === false ? 1 : 2 }, lane));
  const names = cands.map((c) => c.name);
  const losses: Losses = {};
  for (const [trace, r] of Object.entries(results)) {
    const oracle = (r.oracle as PolicyResult).blocks as Block[];
    const n = Math.min(nBlocks, oracle.length);
    losses[trace] = Object.fromEntries(names.map((name) => [name, ((r[name] as PolicyResult).blocks as Block[]).slice(0, n).map((b, i) => blockLoss(b, oracle[i] as Block))]));
  }
  const n = Math.min(...Object.values(results).map((r) => ((r.oracle as PolicyResult).blocks as Block[]).length));
  const cv = rollingOrigin(losses, names, n);
  const chosen = cands.find((c) => c.name === cv.finalChoice) as Candidate;
  const perTrace = Object.fromEntries(
    Object.entries(results).map(([trace, r]) => {
      const c = r[cv.finalChoice] as PolicyResult;
      return [trace, { sloAttainment: round(c.sloAttainment, 4), costVsOracle: round(c.workerMinutes / (r.oracle as PolicyResult).workerMinutes, 3), blocks: (losses[trace]?.[cv.finalChoice] ?? []).map((l) => round(l, 3)) }];
    }),
  );
  const report = {
    slo: CV_SLO,
    grid: CV_GRID,
    traces: CV_TRACES.map((t) => ({ name: t.name, path: t.path, ...(t.peak !== undefined ? { peak: t.peak } : { scale: t.scale }) })),
    minutesPerTrace: blockMinutes * n,
    blockMinutes,
    folds: cv.folds.map((f) => ({ ...f, loss: round(f.loss, 4) })),
    cvLoss: round(cv.cvLoss, 4),
    inSampleLoss: round(cv.inSampleLoss, 4),
    inSampleChoice: cv.inSampleChoice,
    chosen: { gain: chosen.gain, tail: chosen.tail },
    chosenPerTrace: perTrace,
    meanLoss: Object.fromEntries(names.map((name) => [name, round(mean(Object.values(losses).flatMap((t) => t[name] as number[])), 4)])),
    seconds: round((performance.now() - started) / 1000, 1),
  };
  if (io.json) io.out(JSON.stringify(report));
  else {
    io.out(`headroom defaults by blocked rolling-origin CV: ${CV_TRACES.map((t) => t.name).join(', ')}; ${n} blocks of ${blockMinutes} minutes each; awo at slo ${CV_SLO}; loss = cost/oracle + 100 × SLO shortfall`);
    io.out(table(report.folds.map((f) => ({ 'tuned on blocks': f.tunedOn.join(','), 'scored on': f.scoredOn, chosen: f.chosen, 'held-out loss': f.loss }))));
    io.out(`CV loss ${report.cvLoss} (held-out) vs in-sample ${report.inSampleLoss} (${report.inSampleChoice} tuned and scored on blocks 1-${n - 1})`);
    io.out(`chosen on all blocks: gain ${chosen.gain}, tail ${chosen.tail}; per trace ${JSON.stringify(perTrace)}`);
    io.out(`(${report.seconds}s)`);
  }
  return report;
}
