import { SpanKind } from '@opentelemetry/api';
import { AwoError, inSpan, spanName } from '@awo/shared';
import { AWO_ATTR } from '../semconv.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

/**
 * `scale-bullmq-workers`: sets the size of the configured pool. The value must be an integer
 * from 0 to the pool's `max`. The span is INTERNAL: the pool lives in this process.
 */
export const scaleHandler: ActionHandler<ActionConfigOf<'scale-bullmq-workers'>> = (action, config, ctx) =>
  inSpan(ctx.tracer, spanName('scale', config.pool), { kind: SpanKind.INTERNAL, attributes: { [AWO_ATTR.POOL]: config.pool } }, async () => {
    const pool = ctx.pools.get(config.pool);
    if (!pool) throw new AwoError('AWO_ACTION_NOT_ALLOWED', `pool "${config.pool}" is not managed by this executor`);
    const n = action.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > pool.max) {
      throw new AwoError('AWO_ACTION_NOT_ALLOWED', `scale ${config.pool}: expected an integer from 0 to ${pool.max}, got ${JSON.stringify(n)}`);
    }
    const before = pool.size();
    pool.setSize(n);
    return { output: `pool ${config.pool}: ${before} -> ${n} workers (ready ${pool.ready()}, starting ${pool.starting()})` };
  });
