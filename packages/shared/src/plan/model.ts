import type { Config } from '../config/schema.js';
import type { Change, ParamValue, Plan, PlanStep } from '../contracts/messages.js';
import { AwoError } from '../errors.js';

/** The plan at version 0: the workflow as the config declares it. */
export function planFromConfig(workflow: Config['workflow']): Plan {
  const steps: Record<string, PlanStep> = {};
  for (const [name, step] of Object.entries(workflow.steps)) {
    steps[name] = { ...(step.queue ? { queue: step.queue } : {}), after: [...step.after], params: { ...step.params } };
  }
  return { version: 0, steps };
}

/** Throws when a step depends on a missing step or the steps form a cycle. */
export function validateDag(steps: Plan['steps']): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const mark = state.get(name);
    if (mark === 'done') return;
    if (mark === 'visiting') throw new AwoError('AWO_PLAN_CONFLICT', `the workflow has a cycle: ${[...path, name].join(' → ')}`);
    const step = steps[name];
    if (!step) throw new AwoError('AWO_PLAN_CONFLICT', `step "${path[path.length - 1]}" depends on unknown step "${name}"`);
    state.set(name, 'visiting');
    for (const dep of step.after) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(steps)) visit(name, []);
}

/**
 * The changes that turn plan `a` into plan `b`, in a stable order: removed steps first, then
 * step by step (sorted by name) an `add-step` or a `link`, then its parameter `set`s.
 * A `link` is given only when a kept step's `after` differs from what removing steps alone
 * leaves of it (`remove-step` already drops the edges to a removed step).
 */
export function diffPlans(a: Plan, b: Plan): Change[] {
  const changes: Change[] = [];
  for (const name of Object.keys(a.steps).sort()) if (!(name in b.steps)) changes.push({ op: 'remove-step', step: name });
  for (const name of Object.keys(b.steps).sort()) {
    const before = a.steps[name];
    const after = b.steps[name] as PlanStep;
    if (!before) changes.push({ op: 'add-step', step: name, after: [...after.after], ...(after.queue !== undefined ? { queue: after.queue } : {}) });
    else if (!sameList(before.after.filter((d) => d in b.steps), after.after)) changes.push({ op: 'link', step: name, from: [...before.after], to: [...after.after] });
    const params = new Set([...Object.keys(before?.params ?? {}), ...Object.keys(after.params)]);
    for (const param of [...params].sort()) {
      const from = before?.params[param] ?? null;
      const to = after.params[param];
      if (to !== undefined && to !== from) changes.push({ op: 'set', step: name, param, from, to });
    }
  }
  return changes;
}

/**
 * Applies changes to a plan, giving a new plan at `version` of the same epoch; the result must be a valid DAG
 * (checked once, after every change). As with `set`, a `link`'s `from` is informative and not
 * compared with the plan.
 */
export function applyChanges(plan: Plan, changes: readonly Change[], version: number): Plan {
  const steps: Record<string, PlanStep> = structuredClone(plan.steps);
  for (const c of changes) {
    if (c.op === 'set') {
      const step = steps[c.step];
      if (!step) throw new AwoError('AWO_PLAN_CONFLICT', `cannot set ${c.param} of unknown step "${c.step}"`);
      step.params[c.param] = c.to;
    } else if (c.op === 'add-step') {
      if (steps[c.step]) throw new AwoError('AWO_PLAN_CONFLICT', `step "${c.step}" already exists`);
      steps[c.step] = { ...(c.queue !== undefined ? { queue: c.queue } : {}), after: [...c.after], params: {} };
    } else if (c.op === 'link') {
      const step = steps[c.step];
      if (!step) throw new AwoError('AWO_PLAN_CONFLICT', `cannot re-link unknown step "${c.step}"`);
      step.after = [...c.to];
    } else {
      delete steps[c.step];
      for (const s of Object.values(steps)) s.after = s.after.filter((d) => d !== c.step);
    }
  }
  validateDag(steps);
  return { ...(plan.epoch !== undefined ? { epoch: plan.epoch } : {}), version, steps, ...(plan.pins !== undefined ? { pins: plan.pins } : {}) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A parameter's value in a plan, if the step and parameter exist. */
export function paramOf(plan: Plan, step: string, param: string): ParamValue | undefined {
  return plan.steps[step]?.params[param];
}

/** A change in words, e.g. `work.concurrency 2 → 5`, `add step strict after validate`. */
export function describeChange(c: Change): string {
  switch (c.op) {
    case 'set':
      return `${c.step}.${c.param} ${c.from ?? '∅'} → ${c.to}`;
    case 'add-step':
      return `add step ${c.step}${c.after.length ? ` after ${c.after.join(', ')}` : ''}`;
    case 'remove-step':
      return `remove step ${c.step}`;
    case 'link':
      return `${c.step} now after ${c.to.join(', ') || 'nothing'} (was ${c.from.join(', ') || 'nothing'})`;
  }
}
