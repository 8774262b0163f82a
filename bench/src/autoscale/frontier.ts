/**
 * `npm run bench -- autoscale --frontier`: each policy's cost/SLO frontier. The main knob of each
 * policy is swept — awo's `slo`, the HPA's target utilisation, KEDA's list length — on the same
 * jobs; each policy's points and its frontier (the Pareto-optimal points: no other point of the
 * policy is as cheap with a higher SLO) are reported, with whether awo's frontier dominates the
 * others' and what awo costs against the oracle at an SLO of 0.99 or more.
 */
import { round } from '../stats.js';
import type { AwoTuning } from './awo-policy.js';
import type { PolicyResult } from './replay.js';
import type { PolicySpec } from './run.js';

/** The knob values swept. */
export const FRONTIER_SWEEP = {
  awo: [0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999],
  hpa: [0.5, 0.6, 0.7, 0.8, 0.9],
  keda: [0.5, 1, 2, 5, 10],
} as const;

export const FRONTIER_KNOBS = { awo: 'slo', hpa: 'targetUtilization', keda: 'listLength' } as const;

export interface FrontierPoint {
  knob: number;
  sloAttainment: number;
  workerMinutes: number;
}

/** The Pareto-optimal points, cheapest first: each has a higher SLO than every cheaper point. */
export function paretoFrontier<P extends { sloAttainment: number; workerMinutes: number }>(points: readonly P[]): P[] {
  const sorted = [...points].sort((a, b) => a.workerMinutes - b.workerMinutes || b.sloAttainment - a.sloAttainment);
  const out: P[] = [];
  for (const p of sorted) if (out.length === 0 || p.sloAttainment > (out[out.length - 1] as P).sloAttainment) out.push(p);
  return out;
}

/**
 * For each of `other`'s points, the cheapest `awo` point with a higher SLO at no more cost (or
 * null: not dominated). A point at an SLO of 1 cannot be exceeded: there an awo point at 1 that
 * costs less counts (Pareto dominance).
 */
export function dominance(awo: readonly FrontierPoint[], other: readonly FrontierPoint[]): { point: FrontierPoint; by: FrontierPoint | null }[] {
  return other.map((p) => {
    const beats = (q: FrontierPoint) => q.workerMinutes <= p.workerMinutes && (q.sloAttainment > p.sloAttainment || (p.sloAttainment >= 1 && q.sloAttainment >= 1 && q.workerMinutes < p.workerMinutes));
    const by = awo.filter(beats).sort((a, b) => a.workerMinutes - b.workerMinutes)[0];
    return { point: p, by: by ?? null };
  });
}

/** The groups of policies of a frontier run: awo's sweep in one thread (they share one analyzer), the rest in the other. */
export function frontierGroups(tuning: AwoTuning): PolicySpec[][] {
  const awo = FRONTIER_SWEEP.awo.map((slo): PolicySpec => ({ kind: 'awo', name: `awo@${slo}`, tuning: { ...tuning, slo } }));
  const hpa = FRONTIER_SWEEP.hpa.map((u): PolicySpec => ({ kind: 'hpa', name: `hpa@${u}`, targetUtilization: u }));
  const keda = FRONTIER_SWEEP.keda.map((l): PolicySpec => ({ kind: 'keda', name: `keda@${l}`, listLength: l }));
  return [[{ kind: 'awo', tuning }, ...awo], [{ kind: 'oracle' }, ...hpa, ...keda]];
}

const point = (knob: number, r: PolicyResult): FrontierPoint & { scaleEvents: number } => ({ knob, sloAttainment: round(r.sloAttainment, 4), workerMinutes: Math.round(r.workerMinutes), scaleEvents: r.scaleEvents });

/** Points, frontiers and goals from the results of {@link frontierGroups}. */
export function frontierReport(results: Record<string, PolicyResult>) {
  const oracle = (results.oracle as PolicyResult).workerMinutes;
  const policies = Object.fromEntries(
    (Object.keys(FRONTIER_SWEEP) as (keyof typeof FRONTIER_SWEEP)[]).map((name) => {
      const points = FRONTIER_SWEEP[name].map((k) => point(k, results[`${name}@${k}`] as PolicyResult));
      return [name, { knob: FRONTIER_KNOBS[name], points, frontier: paretoFrontier(points).map(({ knob, sloAttainment, workerMinutes }) => ({ knob, sloAttainment, workerMinutes })) }];
    }),
  ) as Record<keyof typeof FRONTIER_SWEEP, { knob: string; points: ReturnType<typeof point>[]; frontier: FrontierPoint[] }>;
  const awo = policies.awo.points;
  const vsHpa = dominance(awo, policies.hpa.points);
  const vsKeda = dominance(awo, policies.keda.points);
  const at99 = awo.filter((p) => p.sloAttainment >= 0.99).sort((a, b) => a.workerMinutes - b.workerMinutes)[0];
  const goal = {
    dominatesHpa: vsHpa.every((d) => d.by !== null),
    dominatesKeda: vsKeda.every((d) => d.by !== null),
    notDominated: [...vsHpa, ...vsKeda].filter((d) => d.by === null).map((d) => d.point),
    costVsOracleAtSlo99: at99 ? round(at99.workerMinutes / oracle, 3) : null,
    slo99Knob: at99?.knob ?? null,
    within130pctOfOracleAtSlo99: at99 !== undefined && at99.workerMinutes <= 1.3 * oracle,
    met: false,
  };
  goal.met = goal.dominatesHpa && goal.dominatesKeda && goal.within130pctOfOracleAtSlo99;
  return { policies, oracleWorkerMinutes: Math.round(oracle), goal };
}

/** The report as text lines: one row per point (frontier points marked), then the goals. */
export function frontierLines(report: ReturnType<typeof frontierReport>): string[] {
  const lines: string[] = [];
  for (const [name, p] of Object.entries(report.policies)) {
    const on = new Set(p.frontier.map((f) => f.knob));
    lines.push(`${name} (${p.knob}): ${p.points.map((q) => `${q.knob} → ${(100 * q.sloAttainment).toFixed(2)}% at ${q.workerMinutes} wm (${(q.workerMinutes / report.oracleWorkerMinutes).toFixed(2)}x)${on.has(q.knob) ? ' *' : ''}`).join('; ')}`);
  }
  lines.push(`(* on the policy's frontier; oracle ${report.oracleWorkerMinutes} wm)`);
  const g = report.goal;
  lines.push(`frontier goal (awo's points dominate every hpa and keda point; at SLO >= 0.99 within 1.3x the oracle): ${g.met ? 'met' : 'not met'} ${JSON.stringify(g)}`);
  return lines;
}
