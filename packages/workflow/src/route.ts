import { QUEUES, VARIANT_PARAM, type HandlerName, type Plan, type StepConfig, type WorkflowConfig } from '@awo/shared';

/** Where a record goes after a step, in the plan version it entered with. */
export interface Route {
  /** Steps that get the record next; `join` when the step waits for several upstream steps. */
  next: { step: string; join: number }[];
  /** The record ends here (no step follows). */
  terminal: boolean;
}

/** The config of a workflow step, from `steps` or `extraSteps`. */
export function stepConfig(workflow: WorkflowConfig, step: string): StepConfig | undefined {
  return Object.hasOwn(workflow.steps, step) ? workflow.steps[step] : Object.hasOwn(workflow.extraSteps, step) ? workflow.extraSteps[step] : undefined;
}

/** The steps of the workflow that records run through (they have a handler), in config order. */
export function runnableSteps(workflow: WorkflowConfig): [string, StepConfig][] {
  return [...Object.entries(workflow.steps), ...Object.entries(workflow.extraSteps)].filter(([, s]) => s.handler !== undefined);
}

/** The BullMQ queue of a workflow step. */
export function stepQueue(step: string, config: StepConfig): string {
  return config.queue ?? QUEUES.step(step);
}

/**
 * The handler a step runs in a plan: the one of its `variant` parameter when the config declares
 * that variant, else its default handler. A plan can only choose among what the config declares.
 */
export function handlerOf(config: StepConfig, plan: Plan, step: string): HandlerName | undefined {
  const variant = plan.steps[step]?.params[VARIANT_PARAM];
  if (typeof variant === 'string' && Object.hasOwn(config.variants, variant)) return config.variants[variant];
  return config.handler;
}

/** The steps a plan starts records at: those with a handler and nothing before them. */
export function entrySteps(plan: Plan, workflow: WorkflowConfig): string[] {
  return Object.keys(plan.steps).filter((s) => plan.steps[s]!.after.length === 0 && stepConfig(workflow, s)?.handler !== undefined);
}

/** Plan steps that the config does not declare: a plan naming one is not acted on. */
export function unknownSteps(plan: Plan, workflow: WorkflowConfig): string[] {
  return Object.keys(plan.steps).filter((s) => stepConfig(workflow, s) === undefined);
}

/**
 * Where a record goes after `step` in `plan`. A passed record goes to every step after this one
 * except its `onFail` step; a refused one goes only to the `onFail` step, when the plan has it
 * after this step. Nothing next: the record ends here (a refused record without an `onFail` step
 * is kept as rejected by the caller). Pure.
 */
export function routeAfter(plan: Plan, workflow: WorkflowConfig, step: string, passed: boolean): Route {
  const onFail = stepConfig(workflow, step)?.onFail;
  const next: Route['next'] = [];
  for (const [name, s] of Object.entries(plan.steps)) {
    if (!s.after.includes(step)) continue;
    if (passed ? name === onFail : name !== onFail) continue;
    next.push({ step: name, join: s.after.length });
  }
  next.sort((a, b) => (a.step < b.step ? -1 : a.step > b.step ? 1 : 0));
  return { next, terminal: next.length === 0 };
}
