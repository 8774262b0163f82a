import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, freePort, parseConfig, PlanStore, Runtime, type Config } from '@awo/shared';
import { ExecutorAgent } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { AgentProcess } from './chaos/harness.js';
import { commitParams, metricSample, readResults, scrapeMetrics } from './executor-harness.js';
import { cleanupPrefix, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** Two steps: `work` scales the managed pool `work` (in-process), `knob` writes a Redis key (the outside world). */
function executorConfig(prefix: string, processor: string, port = 0) {
  return {
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 200, ackInterval: 5, claimInterval: 100, closeGrace: '2s' },
    telemetry: { spanStore: { enabled: false } },
    workflow: {
      steps: {
        work: { queue: 'work', params: { concurrency: 1 }, apply: { concurrency: 'scale' } },
        knob: { queue: 'knob', params: { level: 0 }, apply: { level: 'setknob' } },
      },
    },
    executor: {
      resync: '10m',
      poolLease: '1s',
      closeGrace: '2s',
      health: { port },
      pools: { work: { queue: 'work', processor, initial: 1, max: 10, startupDelay: 0 } },
      actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' }, setknob: { kind: 'redis-set', key: 'knob:{{step}}' } },
    },
  };
}

/** Commits the next (unsigned) revision setting both steps' parameters, as a planner would. */
const commit = (store: PlanStore, concurrency: number, level: number) =>
  commitParams(store, [
    ['work', 'concurrency', concurrency],
    ['knob', 'level', level],
  ]);
describe('several executors side by side', () => {
  it('with two executors each action runs once, both apply every revision, and one of them runs the pool', async () => {
    const prefix = testPrefix();
    const config: Config = parseConfig(executorConfig(prefix, 'sleep'));
    const runtimes = ['a', 'b'].map((s) => new Runtime({ config, redisUrl: REDIS_URL, log: createLogger({ level: 'silent' }), env: {}, instanceSuffix: s }));
    const agents = runtimes.map((rt) => new ExecutorAgent(rt.deps('executor'), { processors: { sleep: sleepProcessor(5) } }));
    const [ra] = runtimes as [Runtime, Runtime];
    const store = new PlanStore(ra.redis, ra.keys, config);
    try {
      await Promise.all(agents.map((a) => a.start()));
      const owners = agents.filter((a) => a.ownership.owns('work'));
      expect(owners).toHaveLength(1);
      const owner = owners[0] as ExecutorAgent;
      const other = agents.find((a) => a !== owner) as ExecutorAgent;
      expect(other.pool('work')?.state).toBe('idle');
      expect(owner.status().detail).toMatchObject({ owns: ['work'] });
      expect(other.status().detail).toMatchObject({ owns: [] });

      const sizes = [4, 7, 2, 9, 5];
      for (const [i, n] of sizes.entries()) {
        await commit(store, n, i + 1);
        // Both reconcile every revision: each has one group of its own on the revisions stream.
        await waitFor(() => agents.every((a) => a.metrics().executor_revisions_total === i + 1), `both executors reconciled v${i + 1}`, 10_000);
        await waitFor(async () => owner.pool('work')?.size() === n && (await ra.redis.get(`${prefix}:knob:knob`)) === String(i + 1), `v${i + 1} applied`, 10_000);
      }
      await waitFor(async () => (await readResults(ra)).length >= 2 * sizes.length, 'every action\'s result', 10_000);
      const all = await readResults(ra);
      const perId = new Map<string, number>();
      for (const r of all) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
      expect([...perId.values()].every((n) => n === 1)).toBe(true);
      expect(perId.size).toBe(2 * sizes.length);
      expect(all.every((r) => r.ok)).toBe(true);
      // Handlers ran once per action, over both executors; the pool's only in its owner.
      const run = agents.reduce((n, a) => n + (a.metrics().executor_actions_run_total ?? 0), 0);
      expect(run).toBe(2 * sizes.length);
      expect(other.pool('work')?.state).toBe('idle');
      expect(other.metrics().executor_pool_leases_held).toBe(0);
      expect(owner.metrics().executor_pool_leases_held).toBe(1);
      const groups = (await ra.redis.xinfo('GROUPS', ra.keys.stream('revisions'))) as unknown[][];
      expect(groups.map((g) => g[1]).sort()).toEqual(agents.map((a) => a.ownership.group).sort());
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      await Promise.all(runtimes.map((rt) => rt.close()));
      await cleanupPrefix(prefix);
    }
  }, 60_000);

  it('destroys the revisions groups of executors that are gone (and the old shared group), and its own on a clean stop', async () => {
    const prefix = testPrefix();
    const config: Config = parseConfig(executorConfig(prefix, 'sleep'));
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: createLogger({ level: 'silent' }), env: {} });
    const stream = runtime.keys.stream('revisions');
    const groups = async () => ((await runtime.redis.xinfo('GROUPS', stream)) as unknown[][]).map((g) => String(g[1])).sort();
    const agent = new ExecutorAgent(runtime.deps('executor'), { processors: { sleep: sleepProcessor(5) } });
    try {
      await runtime.redis.xgroup('CREATE', stream, 'executor', '$', 'MKSTREAM');
      await runtime.redis.xgroup('CREATE', stream, 'executor.executor-1-deadbeef', '$');
      // A live executor elsewhere: its member lease is set, so its group stays.
      await runtime.redis.xgroup('CREATE', stream, 'executor.executor-2-0badf00d', '$');
      await runtime.redis.set(runtime.keys.executorMember('executor-2-0badf00d'), 'x', 'PX', 60_000);
      await runtime.redis.xgroup('CREATE', stream, 'someone-else', '$');
      await agent.start();
      expect(await groups()).toEqual([agent.ownership.group, 'executor.executor-2-0badf00d', 'someone-else'].sort());
      expect(agent.ownership.counts.groupsDestroyed).toBe(2);
      await agent.close();
      expect(await groups()).toEqual(['executor.executor-2-0badf00d', 'someone-else']);
      expect(await runtime.redis.exists(runtime.keys.executorMember(agent.ownership.member), runtime.keys.poolLease('work'))).toBe(0);
    } finally {
      await agent.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    }
  }, 30_000);

  it('after SIGKILL of the pool\'s owner, the other executor takes the pool over within the lease and brings it to the plan', async () => {
    const prefix = testPrefix();
    const dir = mkdtempSync(join(tmpdir(), 'awo-scaleout-'));
    const processor = join(dir, 'processor.mjs');
    writeFileSync(processor, 'export default async function noop() { return undefined; }\n');
    const ports = [await freePort(), await freePort()];
    const files = ports.map((port, i) => {
      const file = join(dir, `awo-${i}.yaml`);
      writeFileSync(file, JSON.stringify({ ...executorConfig(prefix, processor, port), log: { level: 'info' } }));
      return file;
    });
    const config = parseConfig(executorConfig(prefix, processor));
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: createLogger({ level: 'silent' }), env: {} });
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    const procs = files.map((f) => new AgentProcess('executor', f));
    const held = async (i: number) => metricSample(await scrapeMetrics(ports[i] as number), 'awo_pool_lease_held', 'pool="work"');
    try {
      await waitFor(async () => (await held(0)) !== undefined && (await held(1)) !== undefined, 'both executors up', 30_000, 50);
      await waitFor(async () => ((await held(0)) ?? 0) + ((await held(1)) ?? 0) === 1, 'one executor owns the pool', 10_000, 50);
      const owner = (await held(0)) === 1 ? 0 : 1;
      const other = 1 - owner;
      await commit(store, 8, 1);
      await waitFor(async () => metricSample(await scrapeMetrics(ports[owner] as number), 'awo_pool_size', 'pool="work"') === 8, 'the owner\'s pool at 8', 10_000, 50);
      // The other runs no pool: it exports no pool gauges.
      expect(metricSample(await scrapeMetrics(ports[other] as number), 'awo_pool_size', 'pool="work"')).toBeUndefined();

      await procs[owner]?.kill('SIGKILL');
      const killedAt = Date.now();
      let tookAt = 0;
      await waitFor(async () => ((await held(other)) === 1 ? (tookAt = Date.now()) > 0 : false), 'the other executor took the lease', 5000, 20);
      await waitFor(async () => metricSample(await scrapeMetrics(ports[other] as number), 'awo_pool_size', 'pool="work"') === 8, 'the pool back at 8 in the other executor', 5000, 20);
      const atPlan = Date.now();
      console.info(`pool takeover: lease ${tookAt - killedAt} ms, pool at the plan's 8 ${atPlan - killedAt} ms after SIGKILL (executor.poolLease 1s)`);
      // Within the lease: it expires at most 1 s after the owner's last renewal, and the other tries
      // again the moment it runs out (plus the 20 ms of this poll and a scrape on a loaded machine).
      expect(tookAt - killedAt).toBeLessThan(1000 + 500);
      expect(metricSample(await scrapeMetrics(ports[other] as number), 'awo_pool_takeovers_total', 'pool="work"')).toBe(1);
    } finally {
      for (const p of procs) await p.kill('SIGTERM');
      await runtime.close();
      await cleanupPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
