import type { Change, ParamValue, Plan, PlanStep } from '../contracts/messages.js';
import { AwoError, isAwoError } from '../errors.js';
import { applyChanges, diffPlans, validateDag } from './model.js';

/**
 * DAG rewrites the planner can propose: insert a step between two others, remove a step, switch
 * a step's variant. Each one builds the target plan, checks that it is a DAG (a cycle or an
 * unknown step is refused with an `AWO_PLAN_CONFLICT` error saying which rewrite and why), and
 * returns the changes that lead there — exactly `diffPlans(plan, result.plan)` — with the plan
 * those changes give (`applyChanges(plan, changes, plan.version + 1)`). The planner commits the
 * changes under its own version. Pure: the input plan is never modified.
 */

/** What a rewrite gives: the changes to publish and the plan they lead to. */
export interface PlanRewrite {
  changes: Change[];
  /** `applyChanges(plan, changes, plan.version + 1)`. */
  plan: Plan;
}

/** Where and what to insert with {@link insertStep}. */
export interface InsertStepSpec {
  /** Name of the new step (must not exist yet). */
  step: string;
  /**
   * `[upstream, downstream]`: the new step runs after `upstream`, and `downstream` runs after the
   * new step. When `downstream` depended on `upstream`, that edge is replaced by the new step (in
   * place); otherwise the new step is added to `downstream`'s dependencies, which may close a
   * cycle — then the insertion is refused.
   */
  between: readonly [upstream: string, downstream: string];
  params?: Readonly<Record<string, ParamValue>>;
  queue?: string;
}

/** Name of the parameter that selects a step's implementation. */
export const VARIANT_PARAM = 'variant';

/** Inserts `spec.step` between `spec.between[0]` and `spec.between[1]`. */
export function insertStep(plan: Plan, spec: InsertStepSpec): PlanRewrite {
  const [upstream, downstream] = spec.between;
  const what = `inserting "${spec.step}" between "${upstream}" and "${downstream}"`;
  if (plan.steps[spec.step]) throw conflict(`${what}: step "${spec.step}" already exists`);
  requireStep(plan, upstream, what);
  const down = requireStep(plan, downstream, what);
  const steps = structuredClone(plan.steps);
  steps[spec.step] = { ...(spec.queue !== undefined ? { queue: spec.queue } : {}), after: [upstream], params: { ...spec.params } };
  const i = down.after.indexOf(upstream);
  const after = i >= 0 ? down.after.map((d) => (d === upstream ? spec.step : d)) : [...down.after, spec.step];
  (steps[downstream] as PlanStep).after = unique(after);
  return finish(plan, steps, what);
}

/** Adds `spec.step` after `spec.after` (e.g. a sink such as a quarantine); nothing runs after it. */
export function appendStep(plan: Plan, spec: { step: string; after: readonly string[]; params?: Readonly<Record<string, ParamValue>>; queue?: string }): PlanRewrite {
  const what = `adding "${spec.step}" after ${spec.after.map((s) => `"${s}"`).join(', ') || 'nothing'}`;
  if (plan.steps[spec.step]) throw conflict(`${what}: step "${spec.step}" already exists`);
  for (const s of spec.after) requireStep(plan, s, what);
  const steps = structuredClone(plan.steps);
  steps[spec.step] = { ...(spec.queue !== undefined ? { queue: spec.queue } : {}), after: unique(spec.after), params: { ...spec.params } };
  return finish(plan, steps, what);
}

/**
 * Removes `step`; each step that ran after it now runs after its dependencies instead (spliced in
 * where the removed step was, without duplicates), so the order it imposed is kept.
 */
export function removeStep(plan: Plan, step: string): PlanRewrite {
  const what = `removing "${step}"`;
  const removed = requireStep(plan, step, what);
  const steps = structuredClone(plan.steps);
  delete steps[step];
  for (const s of Object.values(steps)) {
    if (s.after.includes(step)) s.after = unique(s.after.flatMap((d) => (d === step ? removed.after : [d])));
  }
  return finish(plan, steps, what);
}

/** Sets `step`'s `variant` parameter; no change when it already has that variant. */
export function switchVariant(plan: Plan, step: string, variant: string): PlanRewrite {
  const what = `switching "${step}" to variant "${variant}"`;
  requireStep(plan, step, what);
  if (variant.length === 0) throw conflict(`${what}: the variant is empty`);
  const steps = structuredClone(plan.steps);
  (steps[step] as PlanStep).params[VARIANT_PARAM] = variant;
  return finish(plan, steps, what);
}

function finish(plan: Plan, steps: Plan['steps'], what: string): PlanRewrite {
  try {
    validateDag(steps);
  } catch (err) {
    if (isAwoError(err)) throw conflict(`${what} is refused: ${err.message}`, err);
    throw err;
  }
  const changes = diffPlans(plan, { version: plan.version + 1, steps });
  return { changes, plan: applyChanges(plan, changes, plan.version + 1) };
}

function requireStep(plan: Plan, name: string, what: string): PlanStep {
  const step = plan.steps[name];
  if (!step) throw conflict(`${what}: unknown step "${name}"`);
  return step;
}

function conflict(message: string, cause?: unknown): AwoError {
  return new AwoError('AWO_PLAN_CONFLICT', message, cause === undefined ? {} : { cause });
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
