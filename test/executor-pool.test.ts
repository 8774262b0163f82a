import { writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createRedis, keys as makeKeys, poolSchema, type ConnectionOptions, type RedisClient } from '@awo/shared';
import { ManagedPool, type JobStart } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** A pool on the real Redis under a fresh prefix, a queue to feed it, and cleanup on dispose. */
function poolHarness(input: Record<string, unknown>, closeGrace = 5000) {
  const prefix = testPrefix();
  const keys = makeKeys(prefix);
  const connections: RedisClient[] = [];
  const connect = (_name: string, options?: ConnectionOptions) => {
    const c = createRedis({ url: REDIS_URL }, options);
    connections.push(c);
    return c;
  };
  const { serviceTime = 100, ...rest } = input;
  const config = poolSchema.parse({ queue: 'work', processor: 'sleep', ...rest });
  const pool = new ManagedPool('work', config, { connect, keys, log: quietLogger(), closeGrace, processors: { sleep: sleepProcessor(serviceTime as number) } });
  const queue = new Queue('work', { connection: connect('queue', { blocking: true }), prefix: keys.queuePrefix('work') });
  const starts: JobStart[] = [];
  pool.onJobStart((s) => starts.push(s));
  return {
    prefix,
    pool,
    queue,
    starts,
    async [Symbol.asyncDispose]() {
      await pool.close();
      await queue.waitUntilReady();
      await queue.close();
      const redis = connect('cleanup');
      await cleanup(redis, prefix);
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

describe('ManagedPool', () => {
  it('brings up new workers only after startupDelay and lets surplus ones go at once', async () => {
    await using t = poolHarness({ initial: 1, startupDelay: 300, max: 8 });
    await t.pool.start();
    expect([t.pool.size(), t.pool.ready(), t.pool.starting()]).toEqual([1, 1, 0]);
    const asked = Date.now();
    t.pool.setSize(3);
    expect([t.pool.size(), t.pool.ready(), t.pool.starting()]).toEqual([3, 1, 2]);
    let readyAt = 0;
    await waitFor(() => {
      if (t.pool.ready() === 3) readyAt = Date.now();
      return readyAt > 0;
    }, 'three ready workers');
    expect(readyAt - asked).toBeGreaterThanOrEqual(299);
    expect(t.pool.starting()).toBe(0);
    t.pool.setSize(1);
    expect([t.pool.size(), t.pool.ready(), t.pool.starting()]).toEqual([1, 1, 0]);
    // Cancelling a start costs nothing more: the slot is gone at once.
    t.pool.setSize(4);
    t.pool.setSize(2);
    expect([t.pool.ready(), t.pool.starting()]).toEqual([1, 1]);
  });

  it('refuses a size that is not an integer from 0 to max', async () => {
    await using t = poolHarness({ initial: 1, max: 4 });
    await t.pool.start();
    for (const n of [-1, 1.5, 5, Number.NaN]) expect(() => t.pool.setSize(n)).toThrow(expect.objectContaining({ code: 'AWO_ACTION_NOT_ALLOWED' }));
    expect(t.pool.size()).toBe(1);
  });

  it('runs jobs for serviceMs, reports each start with its wait, and stops taking jobs at size 0', async () => {
    await using t = poolHarness({ initial: 1, serviceTime: 60 });
    await t.pool.start();
    await t.queue.addBulk([1, 2, 3].map((i) => ({ name: 'job', data: { i } })));
    await waitFor(() => t.starts.length === 3, 'three job starts');
    const waits = t.starts.map((s) => s.waitMs);
    // One worker, 60 ms a job: each job waits for the ones before it.
    expect(waits[1]).toBeGreaterThanOrEqual(50);
    expect(waits[2]).toBeGreaterThanOrEqual(110);
    expect(t.starts[0]).toMatchObject({ pool: 'work', queue: 'work', name: 'job' });
    await waitFor(async () => (await t.queue.getCompletedCount()) === 3, 'three completed jobs');
    t.pool.setSize(0);
    expect(t.pool.ready()).toBe(0);
    await waitFor(() => t.pool.stopping() === 0, 'the worker closed');
    await t.queue.add('job', { serviceMs: 1 });
    expect(await t.queue.getWaitingCount()).toBe(1);
    expect(t.pool.jobsStarted()).toBe(3);
    t.pool.setSize(1);
    await waitFor(async () => (await t.queue.getCompletedCount()) === 4, 'the job after scaling back up');
  });

  it('lets a busy worker that is let go finish its job', async () => {
    await using t = poolHarness({ initial: 2, serviceTime: 10 });
    await t.pool.start();
    const job = await t.queue.add('long', { serviceMs: 300 });
    await waitFor(() => t.pool.busy() === 1, 'a busy worker');
    t.pool.setSize(0);
    expect([t.pool.ready(), t.pool.busy()]).toEqual([0, 1]);
    expect(t.pool.stopping()).toBe(2);
    await waitFor(async () => (await job.getState()) === 'completed', 'the long job completed');
    await waitFor(() => t.pool.busy() === 0 && t.pool.stopping() === 0, 'both workers closed');
  });

  it('counts worker-seconds as the integral of ready + starting workers', async () => {
    await using t = poolHarness({ initial: 2, serviceTime: 50, startupDelay: 100_000 });
    const before = performance.now();
    await t.pool.start();
    const after = performance.now();
    await t.queue.addBulk([1, 2, 3, 4].map((i) => ({ name: 'job', data: { i } })));
    await waitFor(async () => (await t.queue.getCompletedCount()) === 4, 'four completed jobs');
    const lo = performance.now();
    const ws = t.pool.workerSeconds();
    const hi = performance.now();
    expect(ws).toBeGreaterThanOrEqual((2 * (lo - after)) / 1000);
    expect(ws).toBeLessThanOrEqual((2 * (hi - before)) / 1000);
    // A starting worker costs as much as a ready one (this one never becomes ready).
    const mark = t.pool.workerSeconds();
    const t0 = performance.now();
    t.pool.setSize(3);
    await t.queue.addBulk([5, 6].map((i) => ({ name: 'job', data: { i, serviceMs: 80 } })));
    await waitFor(async () => (await t.queue.getCompletedCount()) === 6, 'two more completed jobs');
    const t1 = performance.now();
    expect(t.pool.starting()).toBe(1);
    expect(t.pool.workerSeconds() - mark).toBeGreaterThanOrEqual((3 * (t1 - t0)) / 1000 - 0.001);
    await t.pool.close();
    const closed = t.pool.workerSeconds();
    expect(await t.queue.getCompletedCount()).toBe(6);
    expect(t.pool.workerSeconds()).toBe(closed);
  });

  it('close() waits for running jobs; past the grace period it aborts them', async () => {
    await using t = poolHarness({ initial: 1 }, 150);
    await t.pool.start();
    const job = await t.queue.add('long', { serviceMs: 60_000 });
    await waitFor(() => t.pool.busy() === 1, 'a busy worker');
    const started = Date.now();
    await t.pool.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.pool.state).toBe('closed');
    expect(await job.getState()).toBe('failed');
    expect((await t.queue.getJob(job.id as string))?.failedReason).toMatch(/pool closing|aborted/);
  });

  it('close() lets a short job finish', async () => {
    await using t = poolHarness({ initial: 1 }, 5000);
    await t.pool.start();
    const job = await t.queue.add('short', { serviceMs: 200 });
    await waitFor(() => t.pool.busy() === 1, 'a busy worker');
    await t.pool.close();
    expect(await job.getState()).toBe('completed');
  });

  it('runs a processor module given by path', async () => {
    const file = join(tmpdir(), `awo-processor-${randomUUID()}.mjs`);
    await writeFile(file, 'export default async function (job) { return job.data.x * 2; }\n');
    try {
      await using t = poolHarness({ initial: 1, processor: file });
      await t.pool.start();
      const job = await t.queue.add('double', { x: 21 });
      await waitFor(async () => (await job.getState()) === 'completed', 'the job completed');
      expect((await t.queue.getJob(job.id as string))?.returnvalue).toBe(42);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('refuses to start with a processor module that has no default function', async () => {
    await using t = poolHarness({ initial: 1, processor: '/nonexistent/awo-processor.mjs' });
    await expect(t.pool.start()).rejects.toMatchObject({ code: 'AWO_CONFIG_INVALID' });
  });
});
