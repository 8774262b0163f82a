import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorAgent, observe } from '@awo/executor';
import { decode, isAwoError, keys, parseConfig, PlanStore, Runtime, signRevision, type Config } from '@awo/shared';
import { adapt, AdaptiveWorker, readMembers, refusedJoins, type AdaptOptions } from '@awo/worker';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { commitConcurrency, KEY, revise, shares, waitShares } from './workers-helpers.js';

const FAST = { ttl: 1000, heartbeat: 200, recheck: 200, nats: false as const, report: 200 };
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

function setUp(extra: Record<string, unknown> = {}): { prefix: string; config: Config; redis: Redis; store: PlanStore } {
  const prefix = testPrefix();
  const config = parseConfig(
    {
      prefix,
      redis: { url: REDIS_URL },
      bus: { block: 100, ackInterval: 5 },
      signing: { required: true },
      workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'members' } } } },
      executor: { attempts: 1, actions: { members: { kind: 'adaptive-workers', step: 'work', timeout: '2s' } } },
      ...extra,
    },
    { AWO_SIGNING_KEY: KEY },
  );
  const redis = new Redis(REDIS_URL);
  closers.push(async () => {
    await cleanup(redis, prefix);
    await redis.quit();
  });
  return { prefix, config, redis, store: new PlanStore(redis, keys(prefix), config) };
}

function worker(config: Config, id: string, options: Partial<AdaptOptions> = {}, processor: () => Promise<unknown> = async () => 'ok'): AdaptiveWorker {
  const w = new AdaptiveWorker({ config, step: 'work', id, queue: 'work', queuePrefix: keys(config.prefix).queuePrefix('work'), processor, log: quietLogger(), ...FAST, ...options });
  closers.push(() => w.close());
  return w;
}

describe('@awo/worker in one process', () => {
  it('the executor\'s adaptive-workers action records the value once the members run it, reads it back, and fails clearly when they do not', async () => {
    const { prefix, config, redis, store } = setUp();
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const executor = new ExecutorAgent(runtime.deps('executor'));
    closers.push(() => runtime.close());
    closers.push(() => executor.close());
    const [a, b] = [worker(config, 'a'), worker(config, 'b')];
    await Promise.all([a.start(), b.start(), executor.start()]);
    await commitConcurrency(store, 6);
    const k = keys(prefix);
    await waitFor(async () => JSON.parse((await redis.hget(k.applied, 'work\u0000concurrency')) ?? '{}').value === 6, 'the applied value 6 recorded', 10_000);
    expect(await shares(redis, prefix)).toEqual({ a: 3, b: 3 });
    const action = config.executor.actions.members;
    if (!action) throw new Error('no action');
    expect(await observe(action, { pools: new Map(), redis, keys: k, log: quietLogger() })).toBe(6);
    // No member left: the action cannot see the plan's value and says why.
    await Promise.all([a.close(), b.close()]);
    expect(await observe(action, { pools: new Map(), redis, keys: k, log: quietLogger() })).toBe(0);
    await commitConcurrency(store, 4);
    let error = '';
    await waitFor(
      async () => {
        const entries = (await redis.xrange(k.stream('results'), '-', '+')) as [string, string[]][];
        const failed = entries.map(([, f]) => decode('results', f)).find((d) => d.ok && !d.message.ok);
        error = failed?.ok ? (failed.message.error ?? '') : '';
        return error !== '';
      },
      'a failed result',
      10_000,
      50,
    );
    expect(error).toMatch(/AWO_TIMEOUT: adaptive-workers work: after 2000 ms the 0 live members \(0 ready\) run 0 in total, the plan wants 4: no live member/);
  });

  it('links each job span to the revision that set the concurrency, and publishes the worker series', async () => {
    const { prefix, config, redis, store } = setUp();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    closers.push(() => provider.shutdown());
    const w = worker(config, 'solo', { tracer: provider.getTracer('test') }, async () => new Promise((r) => setTimeout(() => r('ok'), 5)));
    await w.start();
    const trace = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    const revision = signRevision({ ...revise(await store.current(), 3, null), trace }, KEY);
    await store.commit(revision);
    await waitFor(() => w.concurrency === 3, 'concurrency 3', 5000);
    const queue = new Queue('work', { connection: { url: REDIS_URL }, prefix: keys(prefix).queuePrefix('work') });
    closers.push(() => queue.close());
    await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'job', data: { i } })));
    await waitFor(() => exporter.getFinishedSpans().filter((s) => s.name === 'process work').length === 6, 'six job spans', 10_000);
    for (const span of exporter.getFinishedSpans().filter((s) => s.name === 'process work')) {
      expect(span.links.map((l) => [l.context.traceId, l.context.spanId, l.attributes?.['awo.plan.version']])).toEqual([[trace.traceId, trace.spanId, 1]]);
      expect(span.attributes['awo.worker.concurrency']).toBe(3);
      expect(span.attributes['awo.plan.version']).toBe(1);
    }
    const seen = new Set<string>();
    await waitFor(
      async () => {
        for (const [, f] of (await redis.xrange(keys(prefix).stream('metrics'), '-', '+')) as [string, string[]][]) {
          const d = decode('metrics', f);
          if (d.ok && d.message.labels.member === 'solo') seen.add(d.message.series);
        }
        return seen.size === 4;
      },
      'the four worker series',
      5000,
      50,
    );
    expect([...seen].sort()).toEqual(['worker.work.concurrency', 'worker.work.jobs_per_s', 'worker.work.members', 'worker.work.processing_ms']);
  });

  it('refuses and counts a member past maxMembers without evicting a live one; it joins once a place is free', async () => {
    const { prefix, config, redis, store } = setUp();
    await commitConcurrency(store, 6);
    const [a, b] = [worker(config, 'a', { maxMembers: 2 }), worker(config, 'b', { maxMembers: 2 })];
    await Promise.all([a.start(), b.start()]);
    await waitShares(redis, prefix, { a: 3, b: 3 }, '3/3');
    const c = worker(config, 'c', { maxMembers: 2 });
    await c.start();
    await waitFor(() => c.member.counters.refusedJoins >= 2, 'c refused twice', 5000);
    expect(c.concurrency).toBe(0);
    expect(await refusedJoins(redis, keys(prefix), 'work')).toBeGreaterThanOrEqual(2);
    expect(await shares(redis, prefix)).toEqual({ a: 3, b: 3 });
    await a.close();
    await waitShares(redis, prefix, { b: 3, c: 3 }, 'c took the free place', 5000);
  });

  it('while a member joins and another leaves, the members\' summed concurrency never exceeds the plan', async () => {
    const { prefix, config, redis, store } = setUp();
    await commitConcurrency(store, 12);
    const [a, b, c] = [worker(config, 'a'), worker(config, 'b'), worker(config, 'c')];
    await Promise.all([a.start(), b.start(), c.start()]);
    await waitShares(redis, prefix, { a: 4, b: 4, c: 4 }, '4/4/4');
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = await readMembers(redis, keys(prefix), 'work');
        most = Math.max(most, m.members.reduce((sum, x) => sum + x.info.concurrency, 0));
      }
    })();
    const d = worker(config, 'd');
    await d.start();
    await waitShares(redis, prefix, { a: 3, b: 3, c: 3, d: 3 }, '3/3/3/3', 5000);
    await a.close();
    await waitShares(redis, prefix, { b: 4, c: 4, d: 4 }, 'back to 4/4/4', 5000);
    sampling = false;
    await sampler;
    expect(most).toBe(12);
  });

  it('a member takes a share only after its warm-up', async () => {
    const { prefix, config, redis, store } = setUp();
    await commitConcurrency(store, 4);
    const a = worker(config, 'a');
    await a.start();
    await waitShares(redis, prefix, { a: 4 }, 'a alone runs 4');
    const started = Date.now();
    const b = worker(config, 'b', { warmup: 1500 });
    await b.start();
    const members = await readMembers(redis, keys(prefix), 'work');
    expect(members.members.find((m) => m.id === 'b')?.info).toMatchObject({ ready: false, concurrency: 0 });
    expect(await shares(redis, prefix)).toEqual({ a: 4, b: 0 });
    await waitShares(redis, prefix, { a: 2, b: 2 }, 'b ready after its warm-up', 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('adapt() drives a worker the user built; close() leaves the step at once and is idempotent', async () => {
    const { prefix, config, redis, store } = setUp();
    await commitConcurrency(store, 5);
    const own = new Worker('work', async () => 'mine', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: keys(prefix).queuePrefix('work'), autorun: false });
    closers.push(() => own.close());
    const member = await adapt(own, { config, step: 'work', id: 'own', log: quietLogger(), ...FAST, recheck: 60_000, heartbeat: 400 });
    closers.push(() => member.close());
    await waitFor(() => own.concurrency === 5 && own.isRunning(), 'the user\'s worker runs at 5', 5000);
    const queue = new Queue('work', { connection: { url: REDIS_URL }, prefix: keys(prefix).queuePrefix('work') });
    closers.push(() => queue.close());
    await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'job', data: { i } })));
    await waitFor(() => member.meter.counters.completed === 4, 'four jobs timed through the worker\'s events', 5000);
    const closing = member.close();
    expect(member.close()).toBe(closing);
    await closing;
    expect(await shares(redis, prefix)).toEqual({});
  });

  it('refuses bad options naming the field', () => {
    const { config } = setUp();
    const attempt = (o: Partial<AdaptOptions>) => {
      try {
        new AdaptiveWorker({ config, step: 'work', queue: 'work', processor: async () => 1, ...o });
        return 'accepted';
      } catch (err) {
        return isAwoError(err, 'AWO_CONFIG_INVALID') ? err.message : String(err);
      }
    };
    expect(attempt({ ttl: 1000, heartbeat: 800 })).toMatch(/heartbeat: expected at most ttl \/ 2/);
    expect(attempt({ step: 'nope' })).toMatch(/step: expected a step of workflow.steps, got "nope"/);
    expect(attempt({ id: 'has space' })).toMatch(/^invalid @awo\/worker options: id:/);
    expect(attempt({ maxMembers: 0 })).toMatch(/maxMembers:/);
  });
});
