import type { Action, ActionConfig } from '@awo/shared';
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
