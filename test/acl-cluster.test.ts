import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyzerAgent } from '@awo/analyzer';
import { ExecutorAgent } from '@awo/executor';
import { MonitorAgent } from '@awo/monitor';
import { PlannerAgent } from '@awo/planner';
import { aclRules, createLogger, createRedis, deletePrefix, keys, PlanStore, Runtime, verifyRevision, type Agent, type PlanRevision, type RedisClient } from '@awo/shared';
import { startRedisCluster, which, type RedisClusterHandle } from '@awo/testkit';
import { AGENTS, aclLog, config, KEY, type Name } from './acl-helpers.js';
import { testPrefix, waitFor } from './helpers.js';

const HAS_REDIS = Boolean(which('redis-server') && which('redis-cli'));
if (!HAS_REDIS) console.warn('acl-cluster.test: skipped, redis-server or redis-cli is not on PATH');

/**
 * The least-privilege ACL users of `awo acl <agent>` on a real Redis Cluster: created on every
 * node (ACL SETUSER is per node), each agent runs as its own user through the Cluster client
 * (which reads the slot map with CLUSTER SLOTS and CLUSTER INFO), with partitioned metrics, and
 * no node refuses anything.
 */
describe.skipIf(!HAS_REDIS)('one ACL user per agent on Redis Cluster', () => {
  const prefix = testPrefix();
  const k = keys(prefix);
  const passwords = Object.fromEntries(AGENTS.map((a) => [a, `pw-${a}-${Math.random().toString(36).slice(2)}`])) as Record<Name, string>;
  let cluster: RedisClusterHandle;
  let admin: RedisClient;
  const nodes: Redis[] = [];
  const agentConfig = (agent: Name) =>
    config(prefix, '', { cluster: cluster.seeds, username: agent, password: passwords[agent] }, { bus: { block: 100, ackInterval: 5, partitions: 4 }, analyzer: { leaseTtl: '3s', forecast: [{ series: 'redis-stream.raw.length', horizon: '1s', step: '200ms' }] } });

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admin = createRedis({ cluster: cluster.seeds });
    admin.on('error', () => undefined);
    for (const node of cluster.nodes) {
      const conn = new Redis({ host: '127.0.0.1', port: node.port, maxRetriesPerRequest: 2 });
      conn.on('error', () => undefined);
      nodes.push(conn);
      for (const agent of AGENTS) await conn.call('ACL', 'SETUSER', agent, ...aclRules(agent, prefix, agentConfig(agent)), `>${passwords[agent]}`);
    }
  }, 90_000);

  afterAll(async () => {
    await deletePrefix(admin, prefix).catch(() => undefined);
    for (const n of nodes) n.disconnect();
    await admin?.quit().catch(() => admin.disconnect());
    await cluster?.stop();
  });

  it('runs the loop, each agent as its own user on every node, and no node refuses anything', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }) });
    const runtimes = Object.fromEntries(AGENTS.map((a) => [a, new Runtime({ config: agentConfig(a), redisUrl: '', log: log.child({ user: a }), env: {} })])) as Record<Name, Runtime>;
    const { monitor: m, analyzer: a, planner: p, executor: e, reader: r } = runtimes;
    const executor = new ExecutorAgent(e.deps('executor'));
    const agents: Agent[] = [executor, new PlannerAgent(p.deps('planner')), new AnalyzerAgent(a.deps('analyzer')), new MonitorAgent(m.deps('monitor'))];
    const flag = `${prefix}:flags.work.concurrency`;
    try {
      for (const agent of agents) await agent.start();
      for (let i = 0; i < 100; i++) await admin.xadd(`${prefix}:raw`, '*', 'i', String(i));
      await waitFor(async () => Number(await admin.get(flag)) > 1, 'the scale-up applied by the executor, as its own user on the cluster', 30_000, 50);
      const [entry] = await new PlanStore(r.redis, r.keys, r.config).history(1);
      expect(verifyRevision(entry?.revision as PlanRevision, KEY), 'the planner signed it').toBe(true);
      // Records through the workflow's queues, joins and sink as the executor's user.
      await executor.workflow.submit([{ id: 'r1' }, { id: 'r2' }]);
      await waitFor(async () => (await admin.hget(k.workflowCounts, 'out:store')) === '2', 'both records stored once, after the join', 20_000, 50);
      // The analyzer published fenced forecasts from the partitions it holds.
      await waitFor(async () => (await admin.xrange(k.stream('insights'), '-', '+')).some(([, f]) => f.includes('lease')), 'a fenced insight', 20_000, 50);
    } finally {
      for (const agent of agents.reverse()) await agent.close().catch(() => undefined);
      for (const rt of Object.values(runtimes)) await rt.close().catch(() => undefined);
    }
    // No node refused anything (ACL LOG is per node); no agent logged a permission error.
    for (const node of nodes) expect(await aclLog(node)).toEqual([]);
    expect(lines.filter((l) => /NOPERM/.test(l)).map((l) => l.slice(0, 400))).toEqual([]);
  }, 120_000);
});
