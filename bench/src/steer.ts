import { randomUUID } from 'node:crypto';
import { ExecutorAgent } from '@awo/executor';
import { PlannerAgent } from '@awo/planner';
import { sleepProcessor } from '@awo/sim';
import { configSlices, createLogger, delay, deletePrefix, parseConfig, PlanStore, Runtime, Steering } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { median, quantile, round, table } from './stats.js';

/** Waits (polling every 2 ms, bounded) until `done`; returns the ms it took from `from`. */
async function until(done: () => boolean | Promise<boolean>, from: number, what: string, timeoutMs = 15_000): Promise<number> {
  while (!(await done())) {
    if (performance.now() - from > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
  return performance.now() - from;
}

/**
 * How long an operator's request takes to move the world, with the example's default timings
 * (planner.evaluateInterval 1s: the leader is woken by the `steer` control message, not its
 * timer): from `Steering.pin()` / `unpin()` / `rollback()` to the signed revision committed and to
 * a real managed pool resized by the executor. Signing on. `rounds` of each.
 */
export async function steerBench(argv: { rounds?: number }, io: BenchIo) {
  const rounds = argv.rounds ?? 10;
  const redis = await benchRedis();
  const prefix = `bench-steer-${randomUUID()}`;
  const config = parseConfig(
    {
      prefix,
      workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'scale-work' } } } },
      executor: { pools: { work: { queue: 'work', processor: 'sleep', initial: 2, max: 64, startupDelay: 0 } }, actions: { 'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' } } },
    },
    { AWO_SIGNING_KEY: 'bench-steer-signing-key-0123456789' },
  );
  const runtime = new Runtime({ config, redisUrl: redis.url, log: createLogger({ level: 'warn' }), env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'), { processors: { sleep: sleepProcessor(10) } });
  const planner = new PlannerAgent(runtime.deps('planner'));
  const steering = new Steering(runtime.redis, runtime.keys, configSlices(config).planner);
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const size = () => executor.pool('work')?.size();
  const timings = { pinRevision: [] as number[], pinApplied: [] as number[], unpinRevision: [] as number[], rollbackRevision: [] as number[], rollbackApplied: [] as number[] };
  try {
    await executor.start();
    await planner.start();
    await until(() => planner.isLeader, performance.now(), 'leadership');
    for (let i = 0; i < rounds; i++) {
      const value = 10 + (i % 2) * 10 + i;
      const before = await store.currentVersion();
      let t0 = performance.now();
      const pin = await steering.pin({ step: 'work', param: 'concurrency', value, reason: 'bench' }, 'bench');
      timings.pinRevision.push(await until(async () => (await store.currentVersion()) > before, t0, 'the pin revision'));
      timings.pinApplied.push(await until(() => size() === value, t0, 'the pool resized'));
      const pinned = await store.currentVersion();
      t0 = performance.now();
      await steering.unpin(pin.id, 'bench');
      timings.unpinRevision.push(await until(async () => (await store.currentVersion()) > pinned, t0, 'the unpin revision'));
      // Back to the version before the pin: the pool goes back to its size then.
      const back = (await store.revision(before))?.revision.plan.steps.work?.params.concurrency ?? 2;
      const unpinned = await store.currentVersion();
      t0 = performance.now();
      await steering.rollback({ toVersion: before }, 'bench');
      timings.rollbackRevision.push(await until(async () => (await store.currentVersion()) > unpinned, t0, 'the rollback revision'));
      timings.rollbackApplied.push(await until(() => size() === back, t0, 'the pool back'));
      io.progress(`round ${i + 1}/${rounds}: pin → pool ${round(timings.pinApplied.at(-1) as number, 1)} ms, rollback → pool ${round(timings.rollbackApplied.at(-1) as number, 1)} ms`);
    }
  } finally {
    await Promise.allSettled([planner.close(), executor.close()]);
    await deletePrefix(runtime.redis, prefix).catch(() => undefined);
    await runtime.close();
    await redis.stop();
  }
  const rows = Object.entries(timings).map(([what, xs]) => ({ what, median_ms: round(median(xs), 1), p90_ms: round(quantile(xs, 0.9), 1), n: xs.length }));
  if (io.json) io.out(JSON.stringify({ rounds, rows }));
  else io.out(table(rows));
  return rows;
}
