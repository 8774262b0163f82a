import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from '../packages/cli/src/agents.js';
import { createRedis, deletePrefix, isCluster, Lease, parseConfig, partitionOf, PlanStore, primaries, QUEUES, RedisBus, Runtime, waitForReplicas, type MessageOf, type RedisClient } from '@awo/shared';
import { ExecutorAgent } from '@awo/executor';
import { Arrivals, sleepProcessor } from '@awo/sim';
import { AdaptiveWorker } from '@awo/worker';
import { loopConfigInput, migrateSlot, startRedisCluster, which, type RedisClusterHandle } from '@awo/testkit';
import { busConfig, quietLogger, testPrefix, waitFor } from './helpers.js';
import { commitConcurrency, KEY, waitShares } from './workers-helpers.js';
import { startApi, type Json } from './api-harness.js';

const HAS_REDIS = Boolean(which('redis-server') && which('redis-cli'));
if (!HAS_REDIS) console.warn('cluster.test: skipped, redis-server or redis-cli is not on PATH');

const metric = (series: string, value: number) => ({ v: 1 as const, series, value, ts: Date.now(), source: 'test' });

/**
 * awo on a real Redis Cluster (three masters, three replicas on loopback ports): the bus with
 * partitioned metrics, fenced publishes and dead letters, the plan store, BullMQ under a hash tag
 * per queue, and the four agents' loop, all through `redis.cluster`.
 */
describe.skipIf(!HAS_REDIS)('on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let redis: RedisClient;
  const prefixes: string[] = [];
  const prefix = () => {
    const p = testPrefix();
    prefixes.push(p);
    return p;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = createRedis({ cluster: cluster.seeds });
    redis.on('error', () => undefined);
  }, 90_000);

  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(redis, p).catch(() => undefined);
    await redis?.quit().catch(() => redis.disconnect());
    await cluster?.stop();
  });

  it('createRedis gives a Cluster client from redis.cluster, and deletePrefix clears every master', async () => {
    expect(isCluster(redis)).toBe(true);
    expect(await primaries(redis)).toHaveLength(3);
    const p = prefix();
    const keys = Array.from({ length: 30 }, (_, i) => `{${p}:p${i}}:k`);
    for (const key of keys) await redis.set(key, '1');
    await redis.set(`{${p}}:plan`, '1');
    await redis.set(`${p}:route:x`, '1');
    // The replica of the plan's master has every write so far (WAIT, sent to that master).
    expect(await waitForReplicas(redis, `{${p}}:plan`)).toBe(1);
    await deletePrefix(redis, p);
    for (const key of [...keys, `{${p}}:plan`, `${p}:route:x`]) expect(await redis.exists(key)).toBe(0);
  }, 30_000);

  it('the bus: partitions spread over the masters, each metric is delivered once, a malformed entry is dead-lettered with its reason', async () => {
    const p = prefix();
    const bus = new RedisBus({ redis, config: busConfig({ partitions: 4 }), prefix: p, log: quietLogger() });
    try {
      const masters = new Set<number>();
      for (let n = 0; n < 4; n++) masters.add((await cluster.masterOf(bus.keys.metricsPartition(n, 4))).port);
      expect(masters.size).toBeGreaterThan(1);
      const series = Array.from({ length: 40 }, (_, i) => `load.s${i}`);
      // One publish spans every partition: the publisher sends one pipeline per slot.
      await bus.publish('metrics', series.flatMap((s) => [1, 2, 3].map((v) => metric(s, v))));
      for (let n = 0; n < 4; n++) expect(await redis.xlen(bus.keys.metricsPartition(n, 4))).toBe(series.filter((s) => partitionOf(s, 4) === n).length * 3);
      await redis.xadd(bus.keys.metricsPartition(0, 4), '*', 'd', '{"not":"a metric"}');
      const seen = new Map<string, number>();
      const consumers = await Promise.all(
        [0, 1, 2, 3].map((partition) =>
          bus.consume('metrics', {
            group: 'test',
            consumer: `c${partition}`,
            partition,
            batchHandler: async (batch) => {
              // Ids are per stream: two partitions may give the same one.
              for (const d of batch) seen.set(`${partition}/${d.id}`, (seen.get(`${partition}/${d.id}`) ?? 0) + 1);
            },
          }),
        ),
      );
      await waitFor(() => seen.size === series.length * 3, 'every metric delivered', 20_000);
      await waitFor(async () => (await redis.xlen(bus.keys.stream('deadletter'))) === 1, 'the malformed entry dead-lettered', 20_000);
      await Promise.all(consumers.map((c) => c.close()));
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const rows = (await redis.xrange(bus.keys.stream('deadletter'), '-', '+')) as [string, string[]][];
      expect(rows[0]?.[1].join(' ')).toMatch(/metrics/);
    } finally {
      await bus.close();
    }
  }, 60_000);

  it('a lease fences publishes across slots: after another take, the old holder adds nothing to any partition', async () => {
    const p = prefix();
    const bus = new RedisBus({ redis, config: busConfig({ partitions: 4 }), prefix: p, log: quietLogger() });
    try {
      const k = bus.keys;
      const fence = { owner: 'monitor' as const, streams: [0, 1, 2, 3].map((n) => k.metricsPartition(n, 4)) };
      const key = k.monitorLease('fake:s');
      const old = new Lease(redis, key, 10_000, 'old', { fence });
      expect(await old.acquire()).toBe(true);
      const series = ['a.x', 'b.x', 'c.x', 'd.x', 'e.x', 'f.x'];
      expect(await bus.publish('metrics', series.map((s) => metric(s, 1)), { fence: old })).toHaveLength(series.length);
      await redis.del(key);
      const next = new Lease(redis, key, 10_000, 'new', { fence });
      expect(await next.acquire()).toBe(true);
      await expect(bus.publish('metrics', series.map((s) => metric(s, 2)), { fence: old })).rejects.toMatchObject({ code: 'AWO_LEASE_LOST' });
      expect(await bus.publish('metrics', series.map((s) => metric(s, 3)), { fence: next })).toHaveLength(series.length);
      let total = 0;
      for (let n = 0; n < 4; n++) total += await redis.xlen(k.metricsPartition(n, 4));
      expect(total).toBe(series.length * 2);
    } finally {
      await bus.close();
    }
  }, 30_000);

  it('BullMQ works a queue under its own hash tag', async () => {
    const p = prefix();
    const rt = new Runtime({ config: parseConfig({ prefix: p, redis: { cluster: cluster.seeds } }), redisUrl: '', log: quietLogger(), env: {} });
    const connection = rt.connect('queue', { blocking: true });
    const queue = new Queue(QUEUES.demo, { connection, prefix: rt.keys.queuePrefix(QUEUES.demo) });
    const done: string[] = [];
    const worker = new Worker(QUEUES.demo, async (job) => void done.push(job.id as string), { connection, prefix: rt.keys.queuePrefix(QUEUES.demo), concurrency: 4 });
    try {
      await queue.addBulk(Array.from({ length: 50 }, (_, i) => ({ name: 'job', data: { i }, opts: { jobId: `j${i}` } })));
      await waitFor(() => done.length === 50, 'the 50 jobs worked', 20_000);
      expect(new Set(done).size).toBe(50);
    } finally {
      await worker.close();
      await queue.close();
      await rt.close();
    }
  }, 40_000);

  it('@awo/worker members share the plan on the cluster, work the queue, and the executor\'s adaptive-workers action sees them', async () => {
    const p = prefix();
    const config = parseConfig(
      {
        prefix: p,
        redis: { cluster: cluster.seeds },
        bus: { block: 100, ackInterval: 5 },
        log: { level: 'warn' },
        signing: { required: true },
        workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'members' } } } },
        executor: { attempts: 1, actions: { members: { kind: 'adaptive-workers', step: 'work', timeout: '5s' } } },
      },
      { AWO_SIGNING_KEY: KEY },
    );
    const runtime = new Runtime({ config, redisUrl: '', log: quietLogger(), env: {} });
    const executor = new ExecutorAgent(runtime.deps('executor'));
    const done: string[] = [];
    const members = ['a', 'b'].map((id) => new AdaptiveWorker({ config, step: 'work', id, queue: 'work', queuePrefix: runtime.keys.queuePrefix('work'), processor: async (job) => void done.push(job.id as string), log: quietLogger(), ttl: 1000, heartbeat: 200, recheck: 200, nats: false, report: 200 }));
    const queue = new Queue('work', { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix('work') });
    try {
      await Promise.all([...members.map((m) => m.start()), executor.start()]);
      const store = new PlanStore(runtime.redis, runtime.keys, config);
      await commitConcurrency(store, 6);
      // The commit was answered once the plan's replica had it (WAIT).
      expect(store.unreplicated).toBe(0);
      await waitShares(runtime.redis, p, { a: 3, b: 3 }, 'the members at 3 and 3', 20_000);
      await waitFor(async () => JSON.parse((await runtime.redis.hget(runtime.keys.applied, 'work\u0000concurrency')) ?? '{}').value === 6, 'the executor recorded the value the members run', 20_000);
      await queue.addBulk(Array.from({ length: 40 }, (_, i) => ({ name: 'job', data: {}, opts: { jobId: `j${i}` } })));
      await waitFor(() => done.length >= 40, 'the 40 jobs worked by the members', 20_000);
      expect(new Set(done).size).toBe(40);
    } finally {
      await queue.close();
      await Promise.all(members.map((m) => m.close()));
      await executor.close();
      await runtime.close();
    }
  }, 60_000);

  it('the API on the cluster: records in, their runs, an action of a revision, a dead letter replayed once', async () => {
    await using api = await startApi({}, { cluster: cluster.seeds });
    const posted = await api.call('POST', '/api/v1/workflows/orders/records', 'operator', { records: [{ id: 'o1', amount: 1 }, { id: 'o2', amount: 2 }] });
    expect(posted.json).toMatchObject({ accepted: 2, duplicates: 0 });
    await waitFor(async () => (await api.call('GET', '/api/v1/runs?limit=10', 'viewer')).json.items.filter((r: Json) => r.status === 'completed').length === 2, 'two completed runs', 20_000);
    expect((await api.call('GET', '/api/v1/runs/o2', 'viewer')).json).toMatchObject({ id: 'o2', status: 'completed', route: ['ingest', 'validate', 'store'] });
    await api.commit([{ op: 'set', step: 'knob', param: 'level', from: 1, to: 5 }]);
    await waitFor(async () => (await api.runtime.redis.get(`${api.prefix}:level:knob`)) === '5', 'the action of the revision applied', 20_000);
    const revisions = api.runtime.keys.stream('revisions');
    await api.runtime.redis.xadd(revisions, '*', 'data', JSON.stringify({ v: 1, version: 'one' }));
    let items: Json[] = [];
    await waitFor(async () => (items = (await api.call('GET', '/api/v1/dead-letters', 'viewer')).json.items).length === 1, 'the executor to dead-letter the entry', 20_000);
    const replay = await api.call('POST', `/api/v1/dead-letters/${items[0].entryId}/replay`, 'operator');
    expect(replay.status).toBe(200);
    expect((await api.call('POST', `/api/v1/dead-letters/${items[0].entryId}/replay`, 'operator')).status).toBe(409);
    await waitFor(async () => (await api.call('GET', '/api/v1/dead-letters', 'viewer')).json.items.some((i: Json) => i.replayedAs === replay.json.replayedAs), 'the replay mark read back', 20_000);
  }, 60_000);

  it('the four agents close the loop: load on the queue leads to a signed revision and a scale action, on partitioned metrics', async () => {
    const p = prefix();
    const config = parseConfig(loopConfigInput(p, { goal: { target: 1500 }, top: { redis: { cluster: cluster.seeds }, bus: { block: 200, ackInterval: 5, partitions: 4 }, log: { level: 'warn' } } }));
    const runtime = new Runtime({ config, redisUrl: '', log: quietLogger(), env: {} });
    const agents = buildAgents(runtime, AGENT_NAMES, { executor: { processors: { sleep: sleepProcessor(50) } } });
    const queue = new Queue('work', { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix('work') });
    const results: MessageOf<'results'>[] = [];
    try {
      await startAgents(agents);
      const watcher = await runtime.bus.consume('results', { group: 'test', consumer: 't', handler: async (d) => void results.push(d.message) });
      const arrivals = new Arrivals();
      const start = Date.now();
      for (let tick = 0; !results.some((r) => r.ok && r.param === 'concurrency' && Number(r.value) > 1) && Date.now() - start < 30_000; tick++) {
        const n = arrivals.next(Math.min(80, 4 + 6 * ((Date.now() - start) / 1000)), 0.1);
        if (n > 0) await queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: {}, opts: { removeOnComplete: { count: 2000 } } })));
        await new Promise((r) => setTimeout(r, Math.max(0, start + (tick + 1) * 100 - Date.now())));
      }
      await watcher.close();
    } finally {
      await queue.close();
      await stopAgents(agents, 20_000);
    }
    const history = await new PlanStore(runtime.redis, runtime.keys, config).history(100);
    await runtime.close();
    const scaled = results.find((r) => r.ok && r.param === 'concurrency' && Number(r.value) > 1);
    expect(scaled, 'a scale action ran on the cluster').toBeDefined();
    expect(history.at(-1)?.revision.changes[0]).toMatchObject({ op: 'set', step: 'work', param: 'concurrency' });
    expect(results.every((r) => r.ok)).toBe(true);
  }, 90_000);

  it('publishes and consumes on through a slot migration (ASK, TRYAGAIN) and a master failover (MOVED): every acknowledged metric delivered once', async () => {
    const p = prefix();
    const bus = new RedisBus({ redis, config: busConfig({ partitions: 4 }), prefix: p, log: quietLogger() });
    const k = bus.keys;
    const n = 1;
    const stream = k.metricsPartition(n, 4);
    const series = Array.from({ length: 200 }, (_, i) => `s${i}`).filter((s) => partitionOf(s, 4) === n).slice(0, 5);
    const lease = new Lease(redis, k.monitorLease('fake:m'), 60_000, 'm', { fence: { owner: 'monitor', streams: [stream] } });
    expect(await lease.acquire()).toBe(true);
    const delivered = new Map<string, number>();
    const consumer = await bus.consume('metrics', { group: 'test', consumer: 'c', partition: n, batchHandler: async (batch) => void batch.forEach((d) => delivered.set(d.id, (delivered.get(d.id) ?? 0) + 1)) });
    const acked: string[] = [];
    let failed = 0;
    let stop = false;
    // Plain (pipelined) and fenced (script) publishes, one after the other, all the time.
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const batch = series.map((s) => metric(s, i));
        try {
          acked.push(...(await bus.publish('metrics', batch, i % 2 === 0 ? {} : { fence: lease })));
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const more = async (count: number, what: string) => {
      const until = acked.length + count;
      await waitFor(() => acked.length >= until, what, 30_000);
    };
    try {
      await more(20, 'publishes before the migration');
      const moved = await migrateSlot(cluster.seeds[0] as string, stream, () => more(30, 'publishes while the slot migrates'));
      expect(moved.to).not.toBe(moved.from);
      expect((await cluster.masterOf(stream)).port).toBe(moved.to);
      await more(30, 'publishes after the migration');
      const { killedAt } = await cluster.killMaster(stream);
      const { servedAt } = await cluster.waitFailover(stream, 30_000);
      expect(servedAt - killedAt).toBeLessThan(30_000);
      await more(30, 'publishes after the failover');
      stop = true;
      await load;
      await waitFor(() => acked.every((id) => delivered.has(id)), 'every acknowledged metric delivered', 30_000);
    } finally {
      stop = true;
      await load;
      await consumer.close();
      await bus.close();
    }
    expect([...delivered.values()].every((c) => c === 1)).toBe(true);
    expect(new Set(acked).size).toBe(acked.length);
    // A publish sent while the master was dead may fail (the caller is told); none is lost silently.
    expect(failed).toBeLessThan(acked.length);
    console.log(`cluster migration and failover: ${acked.length} metrics acknowledged, ${failed} publishes refused while the master was down, ${delivered.size} delivered once`);
  }, 120_000);
});
