import type { JobSource } from './jobs.js';
import { minuteMet, type Oracle } from './oracle.js';
import type { Policy } from './policies.js';
import { PoolSim } from './sim.js';

export interface ReplayOptions {
  source: JobSource;
  policies: Policy[];
  oracle?: Oracle;
  /** s */
  startupDelay: number;
  /** s */
  targetWait: number;
  initialWorkers: number;
  /** Replay only the first N minutes. */
  minutes?: number;
  progress?: (line: string) => void;
  /** Progress lines about every this many simulated minutes (default: every 5% of the run). */
  progressEvery?: number;
  /** Also count met minutes and cost per block of this many minutes ({@link PolicyResult.blocks}). */
  blockMinutes?: number;
  /** Called after each minute is scored, per policy (for timelines and analysis). */
  onMinute?: (policy: string, minute: number, met: boolean, sim: PoolSim) => void;
}

export interface PolicyResult {
  /** Share of minutes whose wait p95 was within the target. */
  sloAttainment: number;
  /** ∫ workers dt (starting and retiring workers included), in worker-minutes. */
  workerMinutes: number;
  /** Changes of the pool size asked for. */
  scaleEvents: number;
  minutes: number;
  minutesMissed: number;
  jobs: number;
  /** Share of jobs that waited longer than the target. */
  jobsOverTarget: number;
  meanWaitMs: number;
  meanWorkers: number;
  maxWorkers: number;
  details: Record<string, unknown>;
  /** With `blockMinutes`: per block of the replay, its minutes, met minutes and worker-minutes. */
  blocks?: Block[];
}

export interface Block {
  minutes: number;
  met: number;
  workerMinutes: number;
}

interface Runner {
  name: string;
  sim: PoolSim;
  policy?: Policy;
  oracle?: Oracle;
  met: number;
  blocks: Block[];
  blockStart: number;
  lastWm: number;
}

/** Counts a scored minute (its sim already ran to the minute's end), per block too. */
function score(r: Runner, met: boolean, blockMinutes: number | undefined): void {
  if (met) r.met++;
  if (!blockMinutes) return;
  const wm = r.sim.workerSeconds / 60;
  let b = r.blocks[r.blocks.length - 1];
  if (b === undefined || b.minutes === blockMinutes) {
    b = { minutes: 0, met: 0, workerMinutes: 0 };
    r.blocks.push(b);
    r.blockStart = r.lastWm;
  }
  b.minutes++;
  if (met) b.met++;
  b.workerMinutes = wm - r.blockStart;
  r.lastWm = wm;
}

/**
 * Replays the source's jobs minute by minute through one simulator per policy, in lockstep (the
 * jobs of a minute are drawn once and fed to every simulator, so all see the same jobs). A policy
 * decides every `period` s, after the simulator has run to that time; at each minute's end the
 * minute is scored before the policy's decision at that instant. The oracle plans each minute
 * at its start.
 */
export function replay(opts: ReplayOptions): Record<string, PolicyResult> {
  const total = Math.min(Math.ceil(opts.source.duration / 60), opts.minutes ?? Number.POSITIVE_INFINITY);
  const every = opts.progressEvery ?? Math.max(1, Math.round(total / 20));
  const simFor = (sampleWaits: boolean) => new PoolSim({ startupDelay: opts.startupDelay, initialWorkers: opts.initialWorkers, targetWait: opts.targetWait, sampleWaits });
  const runners: Runner[] = opts.policies.map((p) => ({ name: p.name, sim: simFor(p.sampleWaits ?? false), policy: p, met: 0, blocks: [], blockStart: 0, lastWm: 0 }));
  if (opts.oracle) runners.push({ name: opts.oracle.name, sim: simFor(false), oracle: opts.oracle, met: 0, blocks: [], blockStart: 0, lastWm: 0 });
  const bm = opts.blockMinutes;
  for (const r of runners) {
    if (r.policy && 60 % r.policy.period !== 0) throw new RangeError(`${r.name}: period must divide 60, got ${r.policy.period}`);
  }
  const started = performance.now();
  for (let m = 0; m < total; m++) {
    const t0 = m * 60;
    const t1 = t0 + 60;
    const batch = opts.source.take(t1);
    for (const r of runners) {
      r.sim.feed(batch);
      if (r.oracle) {
        r.oracle.planMinute(r.sim, t1, batch.n);
        const met = minuteMet(r.sim.closeMinute());
        score(r, met, bm);
        opts.onMinute?.(r.name, m, met, r.sim);
        continue;
      }
      const policy = r.policy as Policy;
      for (let t = t0 + policy.period; t <= t1; t += policy.period) {
        r.sim.advance(t);
        if (t === t1) {
          const met = minuteMet(r.sim.closeMinute());
          score(r, met, bm);
          opts.onMinute?.(r.name, m, met, r.sim);
        }
        r.sim.setTarget(policy.decide(r.sim, r.sim));
      }
    }
    if (opts.progress && ((m + 1) % every === 0 || m + 1 === total)) {
      const s = ((performance.now() - started) / 1000).toFixed(0);
      const parts = runners.map((r) => `${r.name} ${((100 * r.met) / (m + 1)).toFixed(1)}% ${Math.round(r.sim.workerSeconds / 60)}wm`);
      opts.progress(`autoscale: minute ${m + 1}/${total} (${s}s): ${parts.join(', ')}`);
    }
  }
  const out: Record<string, PolicyResult> = {};
  for (const r of runners) {
    const sim = r.sim;
    out[r.name] = {
      sloAttainment: r.met / total,
      workerMinutes: sim.workerSeconds / 60,
      scaleEvents: sim.scaleEvents,
      minutes: total,
      minutesMissed: total - r.met,
      jobs: sim.arrivals,
      jobsOverTarget: sim.started > 0 ? sim.startedOverTarget / sim.started : 0,
      meanWaitMs: sim.started > 0 ? (1000 * sim.totalWait) / sim.started : 0,
      meanWorkers: sim.workerSeconds / (total * 60),
      maxWorkers: sim.maxWorkers,
      details: r.policy ? r.policy.describe() : (r.oracle?.describe() ?? {}),
      ...(bm ? { blocks: r.blocks } : {}),
    };
  }
  return out;
}
