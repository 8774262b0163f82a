import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyzerAgent } from '@awo/analyzer';
import { ExecutorAgent } from '@awo/executor';
import { MonitorAgent } from '@awo/monitor';
import { PlannerAgent } from '@awo/planner';
import { aclRules, createLogger, fillPath, keys, NAMES, PlanStore, Runtime, type Agent, type Config, type PlanRevision, verifyRevision } from '@awo/shared';
import { AGENTS, aclLog, config, KEY, type Name } from './acl-helpers.js';
import { freePort, startRedisServer, type RedisServer } from '@awo/testkit';
import { testPrefix, waitFor } from './helpers.js';

/**
 * Each agent under its own least-privilege ACL user (`aclRules`), on a private redis-server with
 * the default user off: the whole loop works (a metric → a forecast → a signed revision → a
 * `redis-set` action through BullMQ), and each user is refused what it must not write.
 */
describe('one ACL user per agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'awo-acl-'));
  const prefix = testPrefix();
  const k = keys(prefix);
  const password = (agent: string) => `pw-${agent}-${Math.random().toString(36).slice(2)}`;
  const passwords = Object.fromEntries(AGENTS.map((a) => [a, password(a)])) as Record<Name, string>;
  let server: RedisServer;
  let port = 0;
  let admin: Redis;
  const url = (agent: Name) => `redis://${agent}:${passwords[agent]}@127.0.0.1:${port}`;

  beforeAll(async () => {
    port = await freePort();
    const adminPw = password('admin');
    server = await startRedisServer({ port, dir, args: ['--user', 'default', 'off', '--user', 'admin', 'on', `>${adminPw}`, '~*', '&*', '+@all'] });
    admin = new Redis(`redis://admin:${adminPw}@127.0.0.1:${port}`);
    for (const agent of AGENTS) {
      const rules = aclRules(agent, prefix, config(prefix, url(agent)));
      await admin.call('ACL', 'SETUSER', agent, ...rules, `>${passwords[agent]}`);
    }
  }, 30_000);

  afterAll(async () => {
    await admin?.quit();
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the loop end to end, each agent as its own user, and refuses each user what it must not write', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger({ level: 'warn', destination });
    const runtimes = Object.fromEntries(AGENTS.map((a) => [a, new Runtime({ config: config(prefix, url(a)), redisUrl: url(a), log: log.child({ user: a }), env: {} })])) as Record<Name, Runtime>;
    const { monitor: m, analyzer: a, planner: p, executor: e, reader: r } = runtimes;
    const executor = new ExecutorAgent(e.deps('executor'));
    const agents: Agent[] = [executor, new PlannerAgent(p.deps('planner')), new AnalyzerAgent(a.deps('analyzer')), new MonitorAgent(m.deps('monitor'))];
    const flag = `${prefix}:flags.work.concurrency`;
    const refused = /NOPERM|can't (run|access)/;
    try {
      for (const agent of agents) await agent.start();
      // The load: a stream of 100 entries the monitor measures (its length is the arrival series).
      for (let i = 0; i < 100; i++) await admin.xadd(`${prefix}:raw`, '*', 'i', String(i));
      await waitFor(async () => Number(await admin.get(flag)) > 1, 'the scale-up applied by the executor, as its own user', 20_000, 50);
      const store = new PlanStore(r.redis, r.keys, r.config);
      const [entry] = await store.history(1);
      const revision = entry?.revision as PlanRevision;
      expect(verifyRevision(revision, KEY), 'the planner signed it').toBe(true);
      expect(String(revision.plan.steps.work?.params.concurrency)).toBe(await admin.get(flag));
      // Records run through the workflow as the executor's user; the monitor samples them as they enter.
      await executor.workflow.submit([{ id: 'r1' }, { id: 'r2' }]);
      await waitFor(async () => (await admin.hget(k.workflowCounts, 'out:store')) === '2', 'both records stored once, after the join', 10_000, 50);
      expect(await admin.xlen(k.sink('store'))).toBe(2);
      // The monitor read the actions queue and the tapped records it may only read; every agent stored spans.
      await waitFor(async () => JSON.stringify(await admin.xrevrange(k.stream('metrics'), '+', '-', 'COUNT', 500)).includes('records.in.'), 'the records source sampled the tapped step');
      await waitFor(async () => JSON.stringify(await admin.xrevrange(k.stream('metrics'), '+', '-', 'COUNT', 200)).includes('bullmq.actions.'), 'the bullmq source sampled the actions queue');
      await waitFor(async () => new Set((await admin.xrange(k.spans, '-', '+')).map(([, f]) => JSON.parse(f[1] ?? '{}').service)).size === 4, 'spans from all four agents', 10_000, 50);
      // Redis refused nothing the agents did (its ACL LOG lists every refusal).
      expect(await aclLog(admin)).toEqual([]);

      const forgeActionJob = async (rt: Runtime) => {
        const queue = new Queue('actions', { connection: rt.connect('forge'), prefix: rt.keys.queuePrefix('actions') });
        try {
          await queue.add('flag', { id: 'forged', step: 'work', param: 'concurrency', value: 99 }, { jobId: 'forged' });
        } finally {
          await queue.close();
        }
      };
      const revision2 = JSON.stringify({ ...revision, version: 99 });
      for (const name of ['monitor', 'analyzer', 'executor', 'reader'] as const) {
        const redis = runtimes[name].redis;
        await expect(redis.hset(r.keys.plan, 'version', '99'), `${name}: plan hash`).rejects.toThrow(refused);
        await expect(redis.hset(r.keys.planRevisionIndex, '99', '0-1'), `${name}: revision index`).rejects.toThrow(refused);
        await expect(redis.xadd(r.keys.stream('revisions'), '*', 'data', revision2), `${name}: revisions stream`).rejects.toThrow(refused);
        await expect(redis.del(r.keys.stream('revisions')), `${name}: delete the revisions`).rejects.toThrow(refused);
        await expect(redis.set(r.keys.lease, 'me'), `${name}: lease`).rejects.toThrow(refused);
        await expect(redis.set(fillPath(NAMES.leaseEpoch.path, [r.keys.lease]), '99999999999999'), `${name}: the lease's epoch`).rejects.toThrow(refused);
      }
      for (const name of ['monitor', 'analyzer', 'planner', 'reader'] as const) {
        await expect(forgeActionJob(runtimes[name]), `${name}: a job on the actions queue`).rejects.toThrow(refused);
        await expect(runtimes[name].redis.set(flag, '99'), `${name}: an action key`).rejects.toThrow(refused);
        await expect(runtimes[name].redis.hset(r.keys.applied, 'work\u0000concurrency', '{}'), `${name}: the applied ledger`).rejects.toThrow(refused);
      }
      // Only the monitor and the analyzer raise fences (a publish under an older epoch is then refused).
      for (const name of ['planner', 'executor', 'reader'] as const) await expect(runtimes[name].redis.hset(r.keys.fence(r.keys.stream('metrics'), 'monitor'), 'x', '1'), `${name}: a fence`).rejects.toThrow(refused);
      // Only the monitor adds metrics, only the analyzer insights, only the executor results.
      const metric = JSON.stringify({ v: 1, series: 'x', value: 1, ts: Date.now(), source: 'forged' });
      for (const name of ['analyzer', 'planner', 'executor', 'reader'] as const) await expect(runtimes[name].redis.xadd(r.keys.stream('metrics'), '*', 'data', metric), `${name}: metrics`).rejects.toThrow(refused);
      for (const name of ['monitor', 'planner', 'executor', 'reader'] as const) await expect(runtimes[name].redis.xadd(r.keys.stream('insights'), '*', 'data', '{}'), `${name}: insights`).rejects.toThrow(refused);
      for (const name of ['monitor', 'analyzer', 'planner', 'reader'] as const) await expect(runtimes[name].redis.xadd(r.keys.stream('results'), '*', 'data', '{}'), `${name}: results`).rejects.toThrow(refused);
      // Nobody touches a key outside the prefix, or one under it that is no name of the table.
      for (const name of AGENTS) {
        const redis = runtimes[name].redis;
        await expect(redis.get('elsewhere:key'), `${name}: read outside`).rejects.toThrow(refused);
        await expect(redis.set('elsewhere:key', '1'), `${name}: write outside`).rejects.toThrow(refused);
        await expect(redis.set(`${prefix}:other`, '1'), `${name}: an unnamed key`).rejects.toThrow(refused);
        await expect(redis.call('KEYS', '*'), `${name}: KEYS`).rejects.toThrow(refused);
        await expect(redis.call('FLUSHALL'), `${name}: FLUSHALL`).rejects.toThrow(refused);
        await expect(redis.call('CONFIG', 'GET', '*'), `${name}: CONFIG`).rejects.toThrow(refused);
      }
      // What each user may do still works after all those refusals: the plan is as the planner signed it.
      expect(await admin.get(flag)).toBe(String(revision.plan.steps.work?.params.concurrency));
    } finally {
      for (const agent of [...agents].reverse()) await agent.close();
      await Promise.all(Object.values(runtimes).map((rt) => rt.close()));
    }
    log.flush();
    const output = lines.join('');
    // Nothing the agents did in the loop was refused (the forged writes above are the test's own).
    expect(output).not.toMatch(/NOPERM/);
  }, 60_000);

  it('with bus.partitions 4: the monitor adds to partitions, analyzers own them by lease, take one over and publish fenced, nothing refused', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const partitioned = (agent: Name): Config => {
      const c = config(prefix, url(agent));
      return { ...c, bus: { ...c.bus, partitions: 4 }, analyzer: { ...c.analyzer, leaseTtl: 2000 } };
    };
    const log = createLogger({ level: 'silent' });
    const m = new Runtime({ config: partitioned('monitor'), redisUrl: url('monitor'), log, env: {} });
    const runtimes = [m];
    const series = 'redis-stream.raw.length';
    const fenced = async () => (await admin.xrange(k.stream('insights'), '-', '+')).filter(([, f]) => f.includes('lease')).length;
    try {
      for (const round of [0, 1]) {
        // One analyzer, then another after the first closed: the second takes the partition over (read back, claims).
        const rt = new Runtime({ config: partitioned('analyzer'), redisUrl: url('analyzer'), log, env: {}, instanceSuffix: `acl${round}` });
        runtimes.push(rt);
        const analyzer = new AnalyzerAgent(rt.deps('analyzer'));
        await analyzer.start();
        const before = await fenced();
        for (let i = 0; i < 5; i++) await m.bus.publish('metrics', { v: 1, series, value: i, ts: Date.now(), source: 'test' });
        await waitFor(async () => (await fenced()) > before, `fenced forecasts from analyzer ${round}`, 10_000, 20);
        await analyzer.close();
      }
      expect(await admin.exists(...[0, 1, 2, 3].map((n) => k.metricsPartition(n, 4)))).toBeGreaterThan(0);
      expect(await aclLog(admin)).toEqual([]);
    } finally {
      await Promise.all(runtimes.map((rt) => rt.close()));
    }
  }, 60_000);
});
