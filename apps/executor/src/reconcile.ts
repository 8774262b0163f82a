import { createHash } from 'node:crypto';
import { encodePart, planFromConfig, type Action, type Config, type Plan } from '@awo/shared';
import type { AppliedState } from './types.js';

/** Job ids and keys are at most this long (the `Action` schema allows 200). */
const MAX_ID = 200;

/** `record[key]` if it is the record's own property (never something from `Object.prototype`). */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The applied-state hash field of a step's parameter. */
export function appliedField(step: string, param: string): string {
  return `${step}\u0000${param}`;
}

/**
 * The action key of a step's parameter, e.g. `work.concurrency`: injective, and safe for BullMQ
 * job ids (no `:`). Names too long to spell out become `h-<sha256 prefix>`.
 */
export function actionKey(step: string, param: string): string {
  const key = `${encodePart(step)}.${encodePart(param)}`;
  if (key.length <= MAX_ID - 16) return key;
  return `h-${createHash('sha256').update(appliedField(step, param)).digest('hex').slice(0, 40)}`;
}

/**
 * The BullMQ job id of an action: `e<epoch>.v<version>.<key>`, e.g. `e3f9a0c1d2b4e.v12.work.concurrency`
 * (`v<version>.<key>` for a plan without an epoch). The epoch keeps ids unique when plan
 * versions restart at 1 after Redis lost its data. Never an integer, never a `:`.
 */
export function actionId(version: number, step: string, param: string, epoch = ''): string {
  return `${epoch ? `e${epoch}.` : ''}v${version}.${actionKey(step, param)}`;
}

/**
 * The actions that bring the world from the applied state to `plan`: one per parameter whose
 * value differs from what was applied (or, never applied, from the config's workflow) and whose
 * step names an action for it in `apply`. Pure: no I/O. Plan version 0 (the config itself)
 * needs no action. Ordered by step, then parameter.
 */
export function reconcile(plan: Plan, applied: AppliedState, config: Pick<Config, 'workflow' | 'executor'>, now = Date.now()): Action[] {
  if (plan.version < 1) return [];
  const baseline = planFromConfig(config.workflow);
  const actions: Action[] = [];
  for (const [stepName, step] of Object.entries(plan.steps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const apply = own(config.workflow.steps, stepName)?.apply ?? {};
    for (const param of Object.keys(step.params).sort()) {
      const actionName = own(apply, param);
      const actionConfig = actionName === undefined ? undefined : own(config.executor.actions, actionName);
      const to = own(step.params, param);
      if (actionName === undefined || actionConfig === undefined || to === undefined) continue;
      const current = applied.get(appliedField(stepName, param));
      const before = own(baseline.steps, stepName);
      const from = current ? current.value : ((before && own(before.params, param)) ?? null);
      if (from === to) continue;
      actions.push({
        v: 1,
        id: actionId(plan.version, stepName, param, plan.epoch),
        key: actionKey(stepName, param),
        ...(plan.epoch !== undefined ? { epoch: plan.epoch } : {}),
        version: plan.version,
        action: actionName,
        kind: actionConfig.kind,
        step: stepName,
        param,
        value: to,
        from,
        at: now,
      });
    }
  }
  return actions;
}
