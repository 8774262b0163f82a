import { appendStep, diffPlans, insertStep, removeStep, switchVariant, VARIANT_PARAM, type Change, type Plan, type QualityGoalConfig, type WorkflowConfig } from '@awo/shared';
import type { Observation } from './autoscale.js';

/** A data-quality finding of the analyzer: the data is bad (or will be), or no longer. */
export interface QualitySignal {
  series: string;
  /** `limit`, `forecast-crossing`, `drift`, … */
  check: string;
  value: number;
  limit: number;
  violated: boolean;
  ts: number;
  id: string;
}

export interface QualityInputs {
  now: number;
  plan: Plan;
  /** Latest value of each limit's series. */
  metrics: ReadonlyMap<string, Observation>;
  /** Recent findings, oldest first; for each check of a series only the newest counts. */
  signals: readonly QualitySignal[];
}

/** What the goal remembers: when the data was last seen bad. */
export interface QualityMemory {
  lastBadAt?: number;
}

export interface QualityDecision {
  action: 'reroute' | 'revert' | 'hold';
  reason: string;
  /** The plan changes of a reroute or revert (empty on hold). */
  changes: Change[];
  insightIds: string[];
}

const HOLD = (reason: string, insightIds: string[] = []): QualityDecision => ({ action: 'hold', reason, changes: [], insightIds });

/** Whether the plan already runs the goal's reroute. */
export function isRerouted(goal: QualityGoalConfig, plan: Plan): boolean {
  const r = goal.reroute;
  if ('insert' in r) return r.insert in plan.steps;
  return plan.steps[r.switch]?.params[VARIANT_PARAM] === r.variant;
}

/**
 * Decides a quality goal. Pure. The data is bad when a limit's fresh metric is at or above its
 * limit, or a fresh finding of the analyzer says so — a limit crossed, forecast to be crossed
 * (with `forecast`), or a watched series drifted — and no newer finding of the same check on the
 * same series says it is over. Bad data and no reroute yet: reroute. Rerouted
 * and the data clean (fresh metrics, under every limit, no finding) for `stabilization`: revert.
 * With every limit's metric stale and no finding, the goal's fallback applies (`hold`, or
 * `reroute` to be safe); it never reverts on stale numbers.
 */
export function decideQuality(goal: QualityGoalConfig, workflow: WorkflowConfig, input: QualityInputs, memory: QualityMemory): QualityDecision {
  const { now, plan } = input;
  const rerouted = isRerouted(goal, plan);
  const reasons: string[] = [];
  const ids: string[] = [];
  let freshMetrics = 0;
  for (const [series, limit] of Object.entries(goal.limits)) {
    const o = input.metrics.get(series);
    if (!o || !Number.isFinite(o.value) || now - o.ts > goal.staleAfter) continue;
    freshMetrics++;
    if (o.value >= limit) {
      reasons.push(`${series} ${fmt(o.value)} ≥ ${limit}`);
      if (o.id) ids.push(o.id);
    }
  }
  for (const s of newestPerCheck(input.signals)) {
    if (!s.violated || now - s.ts > goal.staleAfter || !watches(goal, s)) continue;
    if (s.check === 'limit' && reasons.some((r) => r.startsWith(`${s.series} `))) {
      ids.push(s.id);
      continue;
    }
    reasons.push(describeSignal(s));
    ids.push(s.id);
  }
  const insightIds = [...new Set(ids)].slice(-64);
  if (reasons.length > 0) {
    memory.lastBadAt = now;
    if (rerouted) return HOLD(`still bad: ${reasons.join('; ')}`, insightIds);
    return { action: 'reroute', reason: `bad data: ${reasons.join('; ')}`, changes: rerouteChanges(goal, workflow, plan), insightIds };
  }
  if (freshMetrics === 0) {
    if (goal.fallback === 'reroute' && !rerouted) return { action: 'reroute', reason: 'quality metrics are stale: rerouting to be safe (fallback)', changes: rerouteChanges(goal, workflow, plan), insightIds };
    return HOLD('quality metrics are stale: holding the current route (fallback)');
  }
  if (!rerouted) return HOLD('data is clean');
  // A planner that starts with the reroute in place waits one whole window before reverting.
  memory.lastBadAt ??= now;
  const clean = now - memory.lastBadAt;
  if (clean < goal.stabilization) return HOLD(`clean for ${Math.round(clean / 1000)} s of ${Math.round(goal.stabilization / 1000)} s`);
  return { action: 'revert', reason: `data clean for ${Math.round(clean / 1000)} s: reverting the reroute`, changes: revertChanges(goal, workflow, plan), insightIds: [] };
}

function newestPerCheck(signals: readonly QualitySignal[]): QualitySignal[] {
  const newest = new Map<string, QualitySignal>();
  for (const s of signals) {
    const key = `${s.check}\u0000${s.series}`;
    const seen = newest.get(key);
    if (!seen || seen.ts <= s.ts) newest.set(key, s);
  }
  return [...newest.values()];
}

function watches(goal: QualityGoalConfig, s: QualitySignal): boolean {
  if (s.check === 'drift') return goal.drift.includes(s.series);
  if (s.check === 'forecast-crossing') return goal.forecast && s.series in goal.limits;
  return s.series in goal.limits;
}

function describeSignal(s: QualitySignal): string {
  if (s.check === 'forecast-crossing') return `${s.series} forecast ${fmt(s.value)} ≥ ${s.limit}`;
  if (s.check === 'drift') return `${s.series} drifted (${fmt(s.value)} ≥ ${s.limit})`;
  return `${s.series} ${s.check} ${fmt(s.value)} ≥ ${s.limit}`;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Number(n.toPrecision(3)).toString();
}

/** The changes that put the reroute in place: insert the step (and its `onFail` sink), or switch the variant. */
export function rerouteChanges(goal: QualityGoalConfig, workflow: WorkflowConfig, plan: Plan): Change[] {
  const r = goal.reroute;
  if (!('insert' in r)) return switchVariant(plan, r.switch, r.variant).changes;
  const extra = workflow.extraSteps[r.insert];
  let next = insertStep(plan, { step: r.insert, between: r.between, params: extra?.params ?? {}, ...(extra?.queue ? { queue: extra.queue } : {}) }).plan;
  const sink = extra?.onFail;
  if (sink !== undefined && !(sink in next.steps)) {
    const sinkConfig = workflow.extraSteps[sink];
    next = appendStep(next, { step: sink, after: [r.insert], params: sinkConfig?.params ?? {}, ...(sinkConfig?.queue ? { queue: sinkConfig.queue } : {}) }).plan;
  }
  return diffPlans(plan, next);
}

/** The changes that undo the reroute: remove the inserted step and the sink that came with it, or switch back. */
export function revertChanges(goal: QualityGoalConfig, workflow: WorkflowConfig, plan: Plan): Change[] {
  const r = goal.reroute;
  if (!('insert' in r)) {
    const original = workflow.steps[r.switch]?.params[VARIANT_PARAM];
    return switchVariant(plan, r.switch, typeof original === 'string' ? original : 'default').changes;
  }
  let next = plan;
  const sink = workflow.extraSteps[r.insert]?.onFail;
  // The sink goes first, so removing the inserted step does not re-link the sink to its upstream.
  if (sink !== undefined && sink in workflow.extraSteps && sink in next.steps) next = removeStep(next, sink).plan;
  if (r.insert in next.steps) next = removeStep(next, r.insert).plan;
  return diffPlans(plan, next);
}
