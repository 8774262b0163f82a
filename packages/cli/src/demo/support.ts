import type { Redis } from 'ioredis';
import type { Consumer, Insight, Runtime } from '@awo/shared';

/** Follows the insights a demo's analyzer publishes from now on (its own consumer group). */
export function watchInsights(runtime: Runtime, onInsight: (insight: Insight) => void): Promise<Consumer> {
  return runtime.bus.consume('insights', { group: 'demo-status', consumer: 'demo', startId: '$', handler: async (d) => onInsight(d.message) });
}

/** Deletes every key under `<prefix>:` (a demo's plan, streams, queues and spans). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
