import type { AutoscaleGoalConfig } from '@awo/shared';
import { sloFloor, sloHeadroom, sloLoad, sloWorkers, type SloHeadroom } from './headroom.js';

/** A value of a series as last seen, with where it came from. */
export interface Observation {
  value: number;
  ts: number;
  /** Insight id (forecasts) or metric stream id. */
  id?: string;
}

export interface ForecastInput extends Observation {
  upper: number;
  horizonMs: number;
  model: string;
}

export interface AutoscaleInputs {
  now: number;
  /** The step parameter's value in the current plan. */
  current: number;
  forecast?: ForecastInput;
  arrival?: Observation;
  backlog?: Observation;
  /** The goal's own metric (e.g. wait p95). */
  metric?: Observation;
  /** Jobs per second one worker completes (learned online). */
  throughput: number;
  /** ms between the planner's decisions (default 0): a backlog is drained over the start-up delay plus this. */
  interval?: number;
  /** The most workers that still raise throughput (the capacity model's peak N*, `capacity.ts`), and why: never scaled past. */
  ceiling?: { n: number; reason: string };
}

/** What the goal remembers between decisions (anti-flapping). */
export interface AutoscaleMemory {
  lastChangeAt?: number;
  /** Recent recommendations, for the scale-down stabilisation window. */
  recommendations: { ts: number; value: number }[];
  /** With `slo`: the headroom controller (made on the first decision; see headroom.ts). */
  headroom?: SloHeadroom;
}

export interface Decision {
  desired: number;
  /** The size the load calls for before limits. */
  recommended: number;
  basis: 'forecast' | 'observed' | 'fallback';
  reason: string;
  insightIds: string[];
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1));

function fresh(o: Observation | undefined, now: number, staleAfter: number): o is Observation {
  return o !== undefined && Number.isFinite(o.value) && now - o.ts <= staleAfter;
}

/**
 * Sizes a worker pool for an autoscale goal. Pure: the same inputs give the same decision.
 *
 * Load is the arrival-rate forecast at a horizon covering the worker start-up delay (its point
 * value, or with `forecastBound: upper` the upper bound of its prediction interval, so that the
 * headroom grows with the forecast's uncertainty; never below the observed rate), else the
 * observed rate; with neither fresh, the goal's fallback.
 * Workers = load / (per-worker throughput × target utilisation), plus what drains the backlog
 * over the time new workers need to help (the start-up delay plus the decision interval, at
 * least the target), plus one when the metric already breaks the target and nothing else
 * would add a worker (not with `slo`: there the headroom controller answers broken minutes). Limits: [min, max], at most maxStep per decision, a cooldown between
 * changes, scale-down only to the highest load-based recommendation of the stabilisation window
 * (the drain term is transient, so it is not remembered), and no change while the load-based
 * size is within the tolerance band around the current size.
 */
export function decideAutoscale(goal: AutoscaleGoalConfig, inputs: AutoscaleInputs, memory: AutoscaleMemory): Decision {
  const { now, current } = inputs;
  const headroom = sloHeadroom(goal, inputs, memory);
  const ids: string[] = [];
  const parts: string[] = [];
  let load: number | undefined;
  let basis: Decision['basis'];
  if (fresh(inputs.forecast, now, goal.staleAfter)) {
    const f = inputs.forecast;
    const observed = fresh(inputs.arrival, now, goal.staleAfter) ? inputs.arrival.value : 0;
    const upper = goal.forecastBound === 'upper';
    const expected = headroom ? sloLoad(f, headroom) : upper ? Math.max(f.upper, f.value) : f.value;
    load = Math.max(expected, headroom ? sloFloor(observed, headroom) : observed);
    basis = 'forecast';
    if (f.id) ids.push(f.id);
    if (headroom) parts.push(`arrival forecast ${fmt(f.value)}/s + ${headroom.level.toFixed(2)}σ = ${fmt(expected)}/s ${Math.round(f.horizonMs / 1000)}s ahead (${f.model})${observed > expected ? `, observed ${fmt(observed)}/s is higher` : ''}`);
    else parts.push(`arrival forecast ${upper ? `upper bound ${fmt(expected)}/s (point ${fmt(f.value)}/s)` : `${fmt(f.value)}/s`} ${Math.round(f.horizonMs / 1000)}s ahead (${f.model})${observed > expected ? `, observed ${fmt(observed)}/s is higher` : ''}`);
  } else if (fresh(inputs.arrival, now, goal.staleAfter)) {
    load = inputs.arrival.value;
    basis = 'observed';
    parts.push(`forecast missing or stale; observed arrival ${fmt(load)}/s`);
  } else {
    const fb = goal.fallback;
    // A fixed size never goes past the capacity model's peak either.
    const cap = inputs.ceiling && fb !== 'hold' && fb !== 'min' && fb.fixed > inputs.ceiling.n ? Math.max(goal.min, inputs.ceiling.n) : undefined;
    const desired = fb === 'hold' ? current : fb === 'min' ? goal.min : Math.min(cap ?? goal.max, Math.max(goal.min, fb.fixed));
    const how = fb === 'hold' ? 'hold' : fb === 'min' ? 'go to the minimum' : `use the fixed size ${fb.fixed}`;
    return { desired, recommended: desired, basis: 'fallback', reason: `no fresh forecast or arrival rate (stale after ${goal.staleAfter / 1000}s): fallback is to ${how}${cap !== undefined ? `; ${inputs.ceiling?.reason}` : ''}`, insightIds: [] };
  }
  const mu = Math.max(inputs.throughput, 1e-9);
  const base = headroom ? sloWorkers(goal, load, mu, headroom) : load / (mu * goal.targetUtilization);
  let need = base;
  if (headroom) parts.push(`${fmt(mu)}/s per worker: ${need} keep P(${goal.metric} > ${goal.target}) ≤ ${headroom.params.tail} (M/M/c); ${headroom.describe()}`);
  else parts.push(`÷ ${fmt(mu)}/s per worker at ${Math.round(goal.targetUtilization * 100)}% → ${fmt(need)}`);
  if (fresh(inputs.backlog, now, goal.staleAfter) && inputs.backlog.value > 0) {
    const drainMs = Math.max(goal.target, goal.startupDelay + (inputs.interval ?? 0), 1000);
    const drain = inputs.backlog.value / (mu * (drainMs / 1000));
    need += drain;
    parts.push(`backlog ${Math.round(inputs.backlog.value)} drained over ${fmt(drainMs / 1000)}s adds ${fmt(drain)}`);
  }
  // The capacity model's peak N* caps max (never below min): past it more workers lower throughput.
  const ceiling = inputs.ceiling && inputs.ceiling.n < goal.max ? Math.max(goal.min, inputs.ceiling.n) : undefined;
  const top = ceiling ?? goal.max;
  const limit = (n: number) => Math.min(top, Math.max(goal.min, n));
  let recommended = Math.ceil(need - 1e-9);
  const metric = fresh(inputs.metric, now, goal.staleAfter) ? inputs.metric : undefined;
  const breached = metric !== undefined && metric.value > goal.target;
  if (breached && recommended <= current && !headroom) {
    recommended = current + 1;
    parts.push(`${goal.metric} ${fmt(metric.value)} > target ${goal.target}: one more`);
  }
  let capped = ceiling !== undefined && recommended > ceiling;
  recommended = limit(recommended);

  // Stabilisation: scale down only to the highest load-based recommendation of the window.
  memory.recommendations.push({ ts: now, value: limit(Math.ceil(base - 1e-9)) });
  memory.recommendations = memory.recommendations.filter((r) => now - r.ts <= goal.scaleDownStabilization);
  let desired = recommended;
  // A size outside [min, max] (a reload lowered max, an override ended) is never kept by the
  // tolerance band or the cooldown: it goes back within the limits.
  const outside = current > top || current < goal.min;
  if (!outside && !breached && desired !== current && current > 0 && Math.abs(need - current) <= goal.tolerance * current) {
    parts.push(`${fmt(need)} is within ${Math.round(goal.tolerance * 100)}% of ${current}`);
    desired = current;
  }
  if (desired < current) {
    const high = Math.max(...memory.recommendations.map((r) => r.value));
    if (high > desired) {
      desired = Math.min(current, high);
      parts.push(`scale-down held at ${desired} by the ${goal.scaleDownStabilization / 1000}s stabilisation window`);
    }
  }
  if (ceiling !== undefined && desired > ceiling) {
    desired = ceiling;
    capped = true;
  }
  if (capped) parts.push(inputs.ceiling?.reason ?? `capacity ceiling ${ceiling}`);
  if (desired > current + goal.maxStep || desired < current - goal.maxStep) {
    desired = desired > current ? current + goal.maxStep : current - goal.maxStep;
    parts.push(`limited to ${goal.maxStep} per step`);
  }
  if (!outside && desired !== current && memory.lastChangeAt !== undefined && now - memory.lastChangeAt < goal.cooldown) {
    parts.push(`cooldown: last change ${fmt((now - memory.lastChangeAt) / 1000)}s ago`);
    desired = current;
  }
  parts.push(`${current} → ${desired} workers`);
  return { desired, recommended, basis, reason: parts.join('; '), insightIds: ids };
}
