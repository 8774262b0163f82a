import { epochOf, errorMessage, type Action, type Config, type ParamValue } from '@awo/shared';
import { observe, type ObserveContext } from './actions/index.js';
import { appliedField, own } from './reconcile.js';
import type { AppliedEntry, AppliedState } from './types.js';

/** Where the ledger and the world disagree about one step parameter. */
export interface Drift {
  step: string;
  param: string;
  /** What the applied-state ledger says was applied. */
  ledger: ParamValue;
  /** What the world holds now. */
  observed: ParamValue;
}

/**
 * A correction of drift gets an id of its own: the plan's action for this (epoch, version) may
 * have run already (its job id is kept to deduplicate), and must run again now that the world
 * moved away from it. The id stays within the schema's 200 characters.
 */
export function driftAction(action: Action, now: number): Action {
  const id = `${action.id}.d${now.toString(36)}`;
  return id.length <= 200 ? { ...action, id } : action;
}

/**
 * What the world holds now for every step parameter whose action can read its world back
 * (`observe`), by applied field. A read that fails is logged and left out: the caller then
 * trusts the ledger for that parameter.
 */
export async function observeWorld(config: Pick<Config, 'workflow' | 'executor'>, ctx: ObserveContext): Promise<Map<string, ParamValue>> {
  const out = new Map<string, ParamValue>();
  for (const [step, stepConfig] of Object.entries(config.workflow.steps)) {
    for (const [param, actionName] of Object.entries(stepConfig.apply)) {
      const actionConfig = own(config.executor.actions, actionName);
      if (!actionConfig) continue;
      try {
        const value = await observe(actionConfig, ctx);
        if (value !== undefined) out.set(appliedField(step, param), value);
      } catch (err) {
        ctx.log.warn({ step, param, err: errorMessage(err) }, 'could not read the world back; trusting the ledger');
      }
    }
  }
  return out;
}

/**
 * The ledger entries of the plan's lineage (its epoch). An entry of another epoch says nothing
 * about this plan: after Redis lost its data, an action of the old lineage that was still running
 * may record its value into the new, empty ledger, and must not make the new lineage's first
 * decision look applied. Pure.
 */
export function ofLineage(applied: AppliedState, plan: { epoch?: string | undefined }): Map<string, AppliedEntry> {
  const epoch = epochOf(plan);
  return new Map([...applied].filter(([, entry]) => epochOf(entry) === epoch));
}

/**
 * The applied state with what the world holds in place of what the ledger says: reconciliation
 * compares the world with the plan, never a belief about it. A parameter the ledger records with
 * another value than the world holds has drifted (a restart that brought a pool back at its
 * `initial`, someone resizing behind the executor's back); one the ledger does not know takes
 * the world's value at version 0. Pure.
 */
export function withObserved(applied: AppliedState, observed: ReadonlyMap<string, ParamValue>): { state: Map<string, AppliedEntry>; drifted: Map<string, Drift> } {
  const state = new Map(applied);
  const drifted = new Map<string, Drift>();
  for (const [field, value] of observed) {
    const entry = state.get(field);
    if (entry?.value === value) continue;
    if (entry) {
      const [step = '', param = ''] = field.split('\u0000');
      drifted.set(field, { step, param, ledger: entry.value, observed: value });
    }
    state.set(field, { value, version: entry?.version ?? 0, ...(entry?.epoch !== undefined ? { epoch: entry.epoch } : {}) });
  }
  return { state, drifted };
}
