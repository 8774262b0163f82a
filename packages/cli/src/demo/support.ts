import { Redis } from 'ioredis';
import { deletePrefix, GROUPS, type Agent, type Consumer, type Insight, type Logger, type Runtime } from '@awo/shared';
import { stopAgents } from '../agents.js';

/** Follows the insights a demo's analyzer publishes from now on (its own consumer group). */
export function watchInsights(runtime: Runtime, onInsight: (insight: Insight) => void): Promise<Consumer> {
  return runtime.bus.consume('insights', { group: GROUPS.demoStatus, consumer: 'demo', startId: '$', handler: async (d) => onInsight(d.message) });
}

/** Ends a demo: stops its agents (bounded), deletes its keys unless kept, closes its Redis. */
export async function finishDemo(d: { agents: readonly Agent[]; runtime: Runtime; redis: { url: string; stop(): Promise<void> }; prefix: string; keep: boolean | undefined; log: Logger }): Promise<void> {
  await stopAgents(d.agents, d.runtime.config.bus.closeGrace + 5000, (agent, err) => d.log.error({ agent, err }, 'agent did not close cleanly'));
  // Closing the runtime flushes the last spans into the span store: delete the keys after that.
  await d.runtime.close();
  if (!d.keep) {
    const conn = new Redis(d.redis.url, { maxRetriesPerRequest: 3 });
    try {
      await deletePrefix(conn, d.prefix);
    } finally {
      await conn.quit().catch(() => conn.disconnect());
    }
  }
  await d.redis.stop();
}
