import { canonicalJson, type GoalConfig } from '@awo/shared';
import { autoscaleGoal } from './autoscale.js';
import { qualityGoal } from './quality.js';
import type { Goal, GoalEnv, GoalKind } from './types.js';

/** The kind of each goal of the config (`planner.goals[].kind`). */
export const GOAL_KINDS: { readonly [K in GoalConfig['kind']]: GoalKind<Extract<GoalConfig, { kind: K }>> } = {
  autoscale: autoscaleGoal,
  quality: qualityGoal,
};

/** Builds the goal a config entry describes (no I/O). */
export function createGoal(config: GoalConfig, env: GoalEnv): Goal {
  const kind = GOAL_KINDS[config.kind] as GoalKind;
  return kind.create(config, env);
}

/**
 * The goals a new config gives (hot reload): a goal whose config is unchanged is kept with its
 * state (learned throughput, cooldowns, stabilization); a new or changed one starts afresh.
 */
export function reuseGoals(current: readonly Goal[], configs: readonly GoalConfig[], env: GoalEnv): Goal[] {
  const known = new Map(current.map((g) => [canonicalJson(g.config), g]));
  return configs.map((c) => known.get(canonicalJson(c)) ?? createGoal(c, env));
}

export { autoscaleGoal, qualityGoal };
export type { Cause, Evaluation, Goal, GoalEnv, GoalKind, Proposal } from './types.js';
