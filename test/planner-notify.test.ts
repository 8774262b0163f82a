import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { PlannerAgent } from '@awo/planner';
import { parseConfig, planSubject, PlanStore, Runtime } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const NATS_URL = process.env.AWO_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('plan change notices', () => {
  it('the leading planner publishes `<prefix>.plan` on NATS after each commit', async () => {
    const prefix = testPrefix();
    const config = parseConfig({
      prefix,
      nats: { servers: NATS_URL },
      bus: { block: 100, ackInterval: 5 },
      workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 } } } },
      planner: {
        lease: '2s',
        evaluateInterval: '200ms',
        goals: [{ kind: 'autoscale', name: 'w', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 2000, arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting', min: 1, max: 20, initialThroughput: 10, cooldown: 0, maxStep: 10 }],
      },
    });
    const nc = await connect({ servers: NATS_URL });
    const notices: string[] = [];
    nc.subscribe(planSubject(prefix), { callback: (err, msg) => void (err ? undefined : notices.push(msg.string())) });
    await nc.flush();
    const rt = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const planner = new PlannerAgent(rt.deps('planner'));
    try {
      await planner.start();
      await waitFor(() => planner.isLeader, 'leadership');
      const value = 60;
      await rt.bus.publish('insights', { v: 1, id: 'f-60', kind: 'forecast', series: 'bullmq.work.arrival_rate', ts: Date.now(), metricIds: [], model: 'linear-trend', value, lower: value - 5, upper: value + 5, horizonMs: 10_000, observed: value / 2 });
      const store = new PlanStore(rt.redis, rt.keys, config);
      await waitFor(async () => (await store.current()).version === 1, 'revision 1');
      await waitFor(() => notices.length === 1, 'one notice', 5000);
      const plan = await store.current();
      expect(JSON.parse(notices[0] as string)).toEqual({ version: 1, epoch: plan.epoch });
    } finally {
      await planner.close();
      await rt.close();
      await nc.close();
      await cleanupPrefix(prefix);
    }
  });
});
