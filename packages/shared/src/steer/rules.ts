import type { Change, Plan, PlanPin } from '../contracts/messages.js';
import { describeChange } from '../plan/model.js';
import { canonicalJson } from '../plan/sign.js';
import { LIVE_OVERRIDE, type Override } from './schemas.js';

/** `step\u0000param`: one pinnable parameter. */
export function pinKey(step: string, param: string): string {
  return `${step}\u0000${param}`;
}

/** The pins of a plan (none: an empty record). */
export function pinsOf(plan: Plan): Record<string, PlanPin> {
  return plan.pins ?? {};
}

/** The override id pinning `step.param` in `plan`, if any. */
export function pinnedBy(plan: Plan, step: string, param: string): string | undefined {
  for (const [id, pin] of Object.entries(pinsOf(plan))) if (pin.step === step && pin.param === param) return id;
  return undefined;
}

/** What the overrides ask of the plan now. */
export interface DesiredPins {
  /** Override id → pin: the newest live override of each step parameter whose `until` has not passed. */
  pins: Record<string, PlanPin>;
  /** Live overrides that a newer one of the same step parameter replaces. */
  superseded: Override[];
  /** Live overrides whose `until` has passed. */
  expired: Override[];
}

/**
 * The rule for overrides: of the live ones (`pending`, `active`) whose `until` is still ahead,
 * the one with the highest request number (`seq`, a counter in Redis, so two API servers agree)
 * holds each step parameter: the newest request wins, and the older is `superseded`.
 */
export function desiredPins(overrides: readonly Override[], now: number): DesiredPins {
  const out: DesiredPins = { pins: {}, superseded: [], expired: [] };
  const winner = new Map<string, Override>();
  for (const o of overrides) {
    if (!LIVE_OVERRIDE.has(o.status)) continue;
    if (o.until !== undefined && o.until <= now) {
      out.expired.push(o);
      continue;
    }
    const key = pinKey(o.step, o.param);
    const held = winner.get(key);
    if (!held || o.seq > held.seq) {
      if (held) out.superseded.push(held);
      winner.set(key, o);
    } else out.superseded.push(o);
  }
  for (const o of winner.values()) out.pins[o.id] = pinOf(o);
  return out;
}

/** The pin an override holds in a plan. */
export function pinOf(o: Override): PlanPin {
  return {
    step: o.step,
    param: o.param,
    value: o.value,
    at: o.at,
    ...(o.until !== undefined ? { until: o.until } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.by !== undefined ? { by: o.by } : {}),
  };
}

/** Whether two pin sets are the same (same ids holding the same values). */
export function samePins(a: Record<string, PlanPin>, b: Record<string, PlanPin>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => canonicalJson(a[k]) === canonicalJson(b[k]));
}

/**
 * Whether `plan` is the very plan a proposal was computed on: its version, and its lineage (at
 * version 0 there is no lineage yet: each read of it gets a fresh epoch).
 */
export function samePlan(plan: Plan, baseVersion: number, epoch: string | undefined): boolean {
  return plan.version === baseVersion && (baseVersion === 0 || plan.epoch === epoch);
}

/**
 * Drops the changes that would move a pinned parameter (a goal never overrides a pin), saying
 * which were held back, so the revision's reason and `awo explain` can tell.
 */
export function keepPins(plan: Plan, changes: readonly Change[]): { changes: Change[]; held: string[] } {
  const held: string[] = [];
  const kept = changes.filter((c) => {
    if (c.op !== 'set') return true;
    const by = pinnedBy(plan, c.step, c.param);
    if (by === undefined) return true;
    held.push(`${describeChange(c)} held back: ${c.step}.${c.param} is pinned to ${String(pinsOf(plan)[by]?.value)} by override ${by}`);
    return false;
  });
  return { changes: kept, held };
}

/**
 * Why changes computed on an older plan no longer apply to `plan`, or undefined when they do:
 * every `set` must start from the value the plan holds and move no pinned parameter, every step
 * added must still be missing, every step removed or re-linked must still be as it was.
 */
export function whyNotApplicable(plan: Plan, changes: readonly Change[]): string | undefined {
  for (const c of changes) {
    const step = plan.steps[c.step];
    if (c.op === 'set') {
      const now = step?.params[c.param] ?? null;
      if (!step) return `step "${c.step}" is no longer in the plan`;
      if (now !== c.from) return `${c.step}.${c.param} is ${String(now)} now, not ${String(c.from)} as the proposal started from`;
      const by = pinnedBy(plan, c.step, c.param);
      if (by !== undefined) return `${c.step}.${c.param} is pinned by override ${by}`;
    } else if (c.op === 'add-step') {
      if (step) return `step "${c.step}" already exists`;
    } else if (c.op === 'remove-step') {
      if (!step) return `step "${c.step}" is no longer in the plan`;
    } else if (!step || JSON.stringify(step.after) !== JSON.stringify(c.from)) return `step "${c.step}" is no longer after ${c.from.join(', ') || '(nothing)'}`;
  }
  return undefined;
}
