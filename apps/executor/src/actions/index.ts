import type { Action, ActionConfig, ParamValue } from '@awo/shared';
import type { ManagedPool } from '../pool.js';
import type { ActionConfigOf, ActionContext, ActionHandler, ActionKind, ActionOutcome } from '../types.js';
import { commandHandler } from './command.js';
import { httpHandler } from './http.js';
import { redisSetHandler } from './redis-set.js';
import { scaleHandler } from './scale.js';

export { commandHandler, httpHandler, redisSetHandler, scaleHandler };

/** Action kind → handler. */
export const handlers: { readonly [K in ActionKind]: ActionHandler<ActionConfigOf<K>> } = {
  'scale-bullmq-workers': scaleHandler,
  http: httpHandler,
  command: commandHandler,
  'redis-set': redisSetHandler,
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
  }
}

/**
 * What the world holds now for an action's config, where this executor can read it back (the
 * size of a pool it manages); undefined where it cannot (a URL, a command, a Redis key others own).
 */
export function observedValue(config: ActionConfig, pools: ReadonlyMap<string, ManagedPool>): ParamValue | undefined {
  return config.kind === 'scale-bullmq-workers' ? pools.get(config.pool)?.size() : undefined;
}
