import { describe, expect, it } from 'vitest';
import { decode, parseConfig, PlanStore, Runtime, type Plan } from '@awo/shared';
import { deletePrefix, Ledger, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';
import { buildAgents, startAgents, stopAgents } from './agents.js';

const FALLBACKS = { a: 'hold', b: { fixed: 2 }, c: 'min' } as const;

/** The newest sample of a series on the metrics stream (value and its stream time). */
async function latest(runtime: Runtime, series: string): Promise<{ value: number; at: number } | undefined> {
  const entries = (await runtime.redis.xrevrange(runtime.keys.stream('metrics'), '+', '-', 'COUNT', 50)) as [string, string[]][];
  for (const [id, fields] of entries) {
    const d = decode('metrics', fields);
    if (d.ok && d.message.series === series) return { value: d.message.value, at: Number(id.split('-')[0]) };
  }
  return undefined;
}

const sizes = (plan: Plan) => Object.fromEntries(Object.keys(FALLBACKS).map((s) => [s, plan.steps[s]?.params.concurrency]));

/**
 * The monitor and the planner on the real Redis, one goal per fallback kind on the same load
 * source. The source goes silent (HTTP 503): the monitor marks it down and stale, and each goal
 * applies its own fallback once its inputs are older than `staleAfter`.
 */
describe('a source goes silent', () => {
  it('its metrics are marked stale and each goal applies its configured fallback (hold, fixed, min)', async () => {
    const ledger = new Ledger();
    const url = await ledger.start();
    ledger.arrival = 6;
    const prefix = testPrefix();
    const goal = (step: keyof typeof FALLBACKS) => ({
      kind: 'autoscale', name: `goal-${step}`, step, metric: 'none.wait', target: 1000,
      arrivalSeries: 'http-json.load.arrival', completionSeries: 'none.done', activeSeries: 'none.active', backlogSeries: 'none.waiting',
      min: 1, max: 8, initialThroughput: 1, targetUtilization: 1, cooldown: '100ms', scaleDownStabilization: '100ms', maxStep: 8, staleAfter: '1s', fallback: FALLBACKS[step],
    });
    const config = parseConfig({
      prefix,
      redis: { url: REDIS_URL },
      bus: { block: 200, ackInterval: 5 },
      telemetry: { spanStore: { enabled: false } },
      workflow: { steps: { a: { params: { concurrency: 1 } }, b: { params: { concurrency: 1 } }, c: { params: { concurrency: 1 } } } },
      monitor: { interval: '200ms', sources: [{ kind: 'http-json', name: 'load', url: `${url}/load`, path: 'arrival', metric: 'arrival', timeout: '150ms' }] },
      planner: { lease: '2s', evaluateInterval: '200ms', goals: [goal('a'), goal('b'), goal('c')] },
    });
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const agents = buildAgents(runtime, ['monitor', 'planner']);
    const planner = agents.find((a) => a.name === 'planner');
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    try {
      await startAgents(agents);
      await waitFor(async () => Object.values(sizes(await store.current())).every((n) => n === 6), 'every step at 6 workers', 20_000, 20);

      ledger.silent = true;
      const silencedAt = Date.now();
      // The monitor: the source is down, and its staleness grows past staleAfter.
      await waitFor(async () => {
        const [up, stale] = await Promise.all([latest(runtime, 'http-json.load.up'), latest(runtime, 'http-json.load.staleness_ms')]);
        return up !== undefined && up.at > silencedAt && up.value === 0 && (stale?.value ?? 0) > 1000;
      }, 'up = 0 and staleness past 1 s', 20_000, 20);
      // The planner: fixed → 2, min → 1, hold → stays at 6, each said in its decision's reason.
      await waitFor(async () => {
        const s = sizes(await store.current());
        return s.b === 2 && s.c === 1;
      }, 'the fixed and min fallbacks in the plan', 20_000, 20);
      const decisions = (planner?.status().detail?.goals as { name: string; lastDecision?: { desired: number; reason: string } }[]) ?? [];
      const reason = (name: string) => decisions.find((g) => g.name === name)?.lastDecision;
      expect(sizes(await store.current())).toEqual({ a: 6, b: 2, c: 1 });
      expect(reason('goal-a')).toMatchObject({ desired: 6, reason: expect.stringMatching(/stale after 1s\): fallback is to hold/) });
      expect(reason('goal-b')?.reason).toMatch(/fallback is to use the fixed size 2/);
      expect(reason('goal-c')?.reason).toMatch(/fallback is to go to the minimum/);
      const history = await store.history(50);
      expect(history.filter((h) => h.revision.at >= silencedAt).map((h) => h.revision.goal).sort()).toEqual(['goal-b', 'goal-c']);
    } finally {
      await stopAgents(agents, 20_000);
      await deletePrefix(runtime.redis, prefix);
      await runtime.close();
      await ledger.close();
    }
  }, 90_000);
});
