import type { RedisClient } from '@awo/shared';
import type { Action, ActionConfig, Keys, Logger, ParamValue } from '@awo/shared';
import type { ManagedPool } from '../pool.js';
import type { ActionConfigOf, ActionContext, ActionHandler, ActionKind, ActionOutcome } from '../types.js';
import { adaptiveWorkersHandler, observeAdaptiveWorkers } from './adaptive-workers.js';
import { commandHandler } from './command.js';
import { httpHandler } from './http.js';
import { checkKubernetesActions, kubernetesScaleHandler, observeKubernetesScale } from './kubernetes.js';
import { redisSetHandler } from './redis-set.js';
import { scaleHandler } from './scale.js';

export { adaptiveWorkersHandler, checkKubernetesActions, commandHandler, httpHandler, kubernetesScaleHandler, redisSetHandler, scaleHandler };

/** Action kind → handler. */
export const handlers: { readonly [K in ActionKind]: ActionHandler<ActionConfigOf<K>> } = {
  'scale-bullmq-workers': scaleHandler,
  http: httpHandler,
  command: commandHandler,
  'redis-set': redisSetHandler,
  'kubernetes-scale': kubernetesScaleHandler,
  'adaptive-workers': adaptiveWorkersHandler,
};

/** Runs the handler of the config's kind. The config, never the action, says what to act on. */
export function runAction(action: Action, config: ActionConfig, ctx: ActionContext): Promise<ActionOutcome> {
  switch (config.kind) {
    case 'scale-bullmq-workers':
      return handlers[config.kind](action, config, ctx);
    case 'http':
      return handlers[config.kind](action, config, ctx);
    case 'command':
      return handlers[config.kind](action, config, ctx);
    case 'redis-set':
      return handlers[config.kind](action, config, ctx);
    case 'kubernetes-scale':
      return handlers[config.kind](action, config, ctx);
    case 'adaptive-workers':
      return handlers[config.kind](action, config, ctx);
  }
}

/** What reading the world back needs: never globals. */
export interface ObserveContext {
  /** The worker pools this executor manages, by `executor.pools` name. */
  pools: ReadonlyMap<string, ManagedPool>;
  redis: RedisClient;
  keys: Keys;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * What the world holds now for an action's config, where this executor can read it back (the
 * size of a pool it manages); undefined where it cannot (a URL, a command, a Redis key others
 * own). Each action kind that can read its world back adds its case here. Async, since most
 * worlds are read over the network; a read that fails throws, and the caller treats the value
 * as unknown.
 */
export async function observe(config: ActionConfig, ctx: ObserveContext): Promise<ParamValue | undefined> {
  switch (config.kind) {
    case 'scale-bullmq-workers':
      return ctx.pools.get(config.pool)?.size();
    case 'kubernetes-scale':
      return observeKubernetesScale(config, ctx.signal);
    case 'adaptive-workers':
      return observeAdaptiveWorkers(config, ctx.redis, ctx.keys);
    default:
      return undefined;
  }
}
