import { ATTR, inSpan } from '@awo/shared';
import { SpanKind } from '@opentelemetry/api';
import { substitute, valueText } from '../template.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

/**
 * `redis-set`: `SET <prefix>:<key>` to the value (strings as they are, others as JSON), with
 * `PX ttl` when configured. Only `{{step}}` and `{{param}}` are replaced in the key.
 */
export const redisSetHandler: ActionHandler<ActionConfigOf<'redis-set'>> = (action, config, ctx) => {
  const key = ctx.keys.actionKey(substitute(config.key, { step: action.step, param: action.param }));
  return inSpan(ctx.tracer, `SET ${key}`, { kind: SpanKind.CLIENT, attributes: { [ATTR.DB_SYSTEM_NAME]: 'redis', [ATTR.DB_OPERATION_NAME]: 'SET' } }, async () => {
    const value = valueText(action.value);
    if (config.ttl !== undefined) await ctx.redis.set(key, value, 'PX', config.ttl);
    else await ctx.redis.set(key, value);
    return { output: `SET ${key}` };
  });
};
