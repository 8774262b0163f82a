import type { z } from 'zod';
import type { GoalConfig } from './goals.js';
import type { SourceConfig } from './sources.js';
import type { StepConfig, WorkflowConfig } from './workflow.js';

/** The parts of the config the cross-field checks read (the schema's output before refinement). */
interface Checked {
  redis: { cluster?: string[] | undefined };
  workflow: WorkflowConfig;
  executor: { actions: Record<string, { kind: string }>; pools: Record<string, { queuePrefix?: string | undefined }> };
  signing: { key?: string | undefined; keyEnv: string };
  planner: { goals: GoalConfig[] };
  monitor: { sources: SourceConfig[] };
}

type Ctx = z.core.$RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

/** Edges, `onFail`, `apply` and variants name things that exist. */
export function checkWorkflow(cfg: Checked, ctx: Ctx): void {
  const { steps, extraSteps } = cfg.workflow;
  const check = (group: 'steps' | 'extraSteps', stepName: string, step: StepConfig) => {
    const at = ['workflow', group, stepName];
    if (group === 'extraSteps' && stepName in steps) issue(ctx, at, `expected a name not used in workflow.steps, "${stepName}" is both`);
    for (const dep of step.after) {
      if (!(dep in steps) && !(group === 'extraSteps' && dep in extraSteps)) issue(ctx, [...at, 'after'], `expected a step name, got unknown step "${dep}"`);
    }
    if (step.onFail !== undefined && !(step.onFail in steps) && !(step.onFail in extraSteps)) {
      issue(ctx, [...at, 'onFail'], `expected a step of workflow.steps or workflow.extraSteps, got "${step.onFail}"`);
    }
    for (const [param, action] of Object.entries(step.apply)) {
      if (!(action in cfg.executor.actions)) issue(ctx, [...at, 'apply', param], `expected an action from executor.actions, got "${action}"`);
    }
    if (Object.keys(step.variants).length > 0 && step.handler === undefined) issue(ctx, [...at, 'handler'], 'expected a handler (the default variant) on a step with variants');
  };
  for (const [stepName, step] of Object.entries(steps)) check('steps', stepName, step);
  for (const [stepName, step] of Object.entries(extraSteps)) check('extraSteps', stepName, step);
  if (cfg.workflow.schema === undefined) {
    const uses = [...Object.entries(steps), ...Object.entries(extraSteps)].find(([, s]) => s.handler === 'strict-validation' || Object.values(s.variants).includes('strict-validation'));
    if (uses) issue(ctx, ['workflow', 'schema'], `expected a record schema: step "${uses[0]}" runs strict-validation`);
  }
  cfg.monitor.sources.forEach((source, i) => {
    if (source.kind !== 'records') return;
    const step = steps[source.step] ?? extraSteps[source.step];
    if (!step?.handler) issue(ctx, ['monitor', 'sources', i, 'step'], `expected a workflow step with a handler, got "${source.step}"`);
    if (cfg.workflow.schema === undefined) issue(ctx, ['workflow', 'schema'], `expected a record schema: source "${source.name}" measures records against it`);
  });
}

/** Each goal names steps, variants and extra steps that exist. */
export function checkGoals(cfg: Checked, ctx: Ctx): void {
  const { steps, extraSteps } = cfg.workflow;
  cfg.planner.goals.forEach((goal, i) => {
    const at = ['planner', 'goals', i];
    if (goal.kind === 'autoscale') {
      if (!(goal.step in steps)) issue(ctx, [...at, 'step'], `expected a step from workflow.steps, got "${goal.step}"`);
      return;
    }
    const r = goal.reroute;
    if ('insert' in r) {
      if (!(r.insert in extraSteps)) issue(ctx, [...at, 'reroute', 'insert'], `expected a step from workflow.extraSteps, got "${r.insert}"`);
      r.between.forEach((s, j) => {
        if (!(s in steps)) issue(ctx, [...at, 'reroute', 'between', j], `expected a step from workflow.steps, got "${s}"`);
      });
    } else {
      const step = steps[r.switch];
      if (!step) issue(ctx, [...at, 'reroute', 'switch'], `expected a step from workflow.steps, got "${r.switch}"`);
      else if (!(r.variant in step.variants)) issue(ctx, [...at, 'reroute', 'variant'], `expected a variant of step "${r.switch}" (${Object.keys(step.variants).join(', ') || 'it has none'}), got "${r.variant}"`);
    }
  });
}

/** How to make a key, for every message that asks for one. */
export const MAKE_A_KEY = 'make one with "npx awo keys init" and set signing.keyFile to its path, or set AWO_SIGNING_KEY';

/**
 * Secure by default: an action that runs a command or calls a URL can act on anything, so it is
 * never allowed without signed plans.
 */
export function checkSigning(cfg: Checked, ctx: Ctx): void {
  if (cfg.signing.key) return;
  for (const [name, action] of Object.entries(cfg.executor.actions)) {
    if (action.kind === 'command' || action.kind === 'http') {
      issue(ctx, ['signing'], `expected a signing key: executor.actions.${name} is a ${action.kind} action, and those run only on signed plans (${MAKE_A_KEY})`);
      return;
    }
  }
}

/** Whether a BullMQ prefix carries a hash tag (a non-empty `{…}`), so that a queue's keys share one Redis Cluster slot. */
function hasHashTag(prefix: string): boolean {
  return /\{[^}]+\}/.test(prefix);
}

/**
 * On Redis Cluster (`redis.cluster`), a BullMQ queue's keys must share a slot (its scripts touch
 * several at once): a queue prefix awo is given must hold a hash tag. awo's own queues always do.
 */
export function checkClusterQueues(cfg: Checked, ctx: Ctx): void {
  if (!cfg.redis.cluster) return;
  const why = 'on Redis Cluster (redis.cluster) BullMQ needs a queue\'s keys in one slot';
  cfg.monitor.sources.forEach((s, i) => {
    if (s.kind !== 'bullmq') return;
    const prefix = s.queuePrefix ?? 'bull';
    if (!hasHashTag(prefix)) issue(ctx, ['monitor', 'sources', i, 'queuePrefix'], `expected a queue prefix with a hash tag, such as "{${prefix}}" (${why}), got "${prefix}"`);
  });
  for (const [name, pool] of Object.entries(cfg.executor.pools)) {
    if (pool.queuePrefix !== undefined && !hasHashTag(pool.queuePrefix)) issue(ctx, ['executor', 'pools', name, 'queuePrefix'], `expected a queue prefix with a hash tag, such as "{${pool.queuePrefix}}" (${why}), or none (awo's own), got "${pool.queuePrefix}"`);
  }
}
