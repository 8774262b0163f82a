import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { bullmqSource, type Sample, type Source, type SourceDeps } from '@awo/monitor';
import { bullmqSourceSchema, createLogger } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

interface Timed {
  samples: Sample[];
  start: number;
  end: number;
}

/** A queue under its own prefix, a producer, and a monitor source on it; all removed after. */
function setup(eventsMaxLen?: number, log = quietLogger()) {
  const prefix = testPrefix();
  const queueName = `q-${randomUUID().slice(0, 8)}`;
  const conns: Redis[] = [];
  const connect = () => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    conns.push(r);
    return r;
  };
  const deps: SourceDeps = { connect, log, now: () => Date.now() };
  const config = bullmqSourceSchema.parse({ kind: 'bullmq', name: 'work', queue: queueName, queuePrefix: prefix, waitSample: 100 });
  const source: Source = bullmqSource(config, deps);
  const queue = new Queue(queueName, { connection: connect(), prefix, ...(eventsMaxLen ? { streams: { events: { maxLen: eventsMaxLen } } } : {}) });
  const workers: Worker[] = [];
  return {
    prefix,
    queueName,
    source,
    queue,
    worker(processor: (name: string) => Promise<unknown>, concurrency = 4) {
      const w = new Worker(queueName, async (job) => processor(job.name), { connection: connect(), prefix, concurrency });
      workers.push(w);
      return w;
    },
    async sample(): Promise<Timed> {
      const start = Date.now();
      const samples = await source.sample(new AbortController().signal);
      return { samples, start, end: Date.now() };
    },
    async [Symbol.asyncDispose]() {
      // Closing a worker whose blocking client is still starting rejects its start-up commands
      // with nobody awaiting them (an unhandled "Connection is closed"): let them finish first.
      await Promise.all(workers.map(async (w) => (await w.waitUntilReady().catch(() => undefined), await w.close())));
      await queue.waitUntilReady().catch(() => undefined);
      await queue.close();
      await source.close();
      const r = connect();
      await cleanup(r, prefix);
      await Promise.all(conns.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

const value = (t: Timed, metric: string) => t.samples.find((s) => s.series === `bullmq.work.${metric}`)?.value;

/** Bounds of `count` per second between two samples, whatever moment inside each call Redis's clock was read. */
function rateBounds(count: number, a: Timed, b: Timed): [number, number] {
  const longest = b.end - a.start + 1;
  const shortest = Math.max(1, b.start - a.end - 1);
  return [(count / longest) * 1000, (count / shortest) * 1000];
}

describe('bullmq source', () => {
  it('reports counts, arrival and completion rates, and waits that grow while jobs wait', async () => {
    await using t = setup();
    await t.source.start?.();
    const first = await t.sample();
    expect(value(first, 'waiting')).toBe(0);
    expect(value(first, 'arrival_rate')).toBeUndefined(); // the first sample is the baseline
    expect(value(first, 'wait_p95_ms')).toBeUndefined();
    expect(first.samples.every((s) => s.labels?.queue === t.queueName)).toBe(true);

    // 30 jobs removed on completion, one that will fail, one delayed for a minute: 32 arrivals.
    await t.queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'ok', data: { i }, opts: { removeOnComplete: true } })));
    await t.queue.add('fail', {}, { attempts: 1 });
    await t.queue.add('later', {}, { delay: 60_000 });
    const second = await t.sample();
    expect(value(second, 'waiting')).toBe(31);
    expect(value(second, 'delayed')).toBe(1);
    expect(value(second, 'active')).toBe(0);
    const [lo, hi] = rateBounds(32, first, second);
    expect(value(second, 'arrival_rate')).toBeGreaterThanOrEqual(lo);
    expect(value(second, 'arrival_rate')).toBeLessThanOrEqual(hi);
    expect(value(second, 'completion_rate')).toBe(0);

    // Nothing consumes: the oldest job's wait, and so the p95, keep growing.
    const p95s: number[] = [value(second, 'wait_p95_ms') as number];
    let last = second;
    await waitFor(async () => {
      last = await t.sample();
      p95s.push(value(last, 'wait_p95_ms') as number);
      return (p95s.at(-1) as number) >= 300;
    }, 'a growing wait', 10_000, 50);
    for (let i = 1; i < p95s.length; i++) expect(p95s[i]).toBeGreaterThanOrEqual(p95s[i - 1] as number);
    expect(value(last, 'oldest_wait_ms')).toBe(value(last, 'wait_p95_ms'));
    expect(value(last, 'arrival_rate')).toBe(0);

    let completed = 0;
    let failed = 0;
    const worker = t.worker(async (name) => {
      if (name === 'fail') throw new Error('fails on purpose');
      return 'done';
    });
    worker.on('completed', () => void completed++);
    worker.on('failed', () => void failed++);
    await waitFor(() => completed === 30 && failed === 1, 'all jobs processed');
    const done = await t.sample();
    expect(value(done, 'waiting')).toBe(0);
    expect(value(done, 'completed')).toBe(0); // removed on completion, yet counted below
    expect(value(done, 'failed')).toBe(1);
    expect(value(done, 'delayed')).toBe(1);
    const [clo, chi] = rateBounds(30, last, done);
    expect(value(done, 'completion_rate')).toBeGreaterThanOrEqual(clo);
    expect(value(done, 'completion_rate')).toBeLessThanOrEqual(chi);
    const [flo, fhi] = rateBounds(1, last, done);
    expect(value(done, 'failure_rate')).toBeGreaterThanOrEqual(flo);
    expect(value(done, 'failure_rate')).toBeLessThanOrEqual(fhi);
    // Every job waited at least until the worker came, 300+ ms after they were added.
    expect(value(done, 'wait_p50_ms')).toBeGreaterThanOrEqual(300);
    expect(value(done, 'wait_p95_ms')).toBeGreaterThanOrEqual(value(done, 'wait_p50_ms') as number);
    expect(value(done, 'oldest_wait_ms')).toBe(0);

    // Idle: nothing started, nothing waits.
    const idle = await t.sample();
    expect(value(idle, 'wait_p95_ms')).toBe(0);
    expect(value(idle, 'completion_rate')).toBe(0);
  });

  it('takes the completion rate over what is left when BullMQ trimmed the events it had not read', async () => {
    // Events capped at ~10 entries (approximate trimming keeps a few hundred at most).
    const lines: string[] = [];
    await using t = setup(10, createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } }));
    await t.source.start?.();
    await t.sample();
    const began = Date.now();
    await t.queue.addBulk(Array.from({ length: 600 }, (_, i) => ({ name: 'ok', data: { i }, opts: { removeOnComplete: true } })));
    let completed = 0;
    t.worker(async () => 'done', 20).on('completed', () => void completed++);
    await t.sample(); // reads part of the events, then many more are written and trimmed
    await waitFor(() => completed === 600, 'all jobs processed', 20_000);
    const average = (600 / (Date.now() - began)) * 1000;
    const r = await t.source.sample(new AbortController().signal);
    const rate = r.find((s) => s.series === 'bullmq.work.completion_rate')?.value as number;
    expect(lines.some((l) => l.includes('events stream was trimmed'))).toBe(true);
    // Sane: of the order of the average rate over the whole run.
    expect(rate).toBeGreaterThan(average / 10);
    expect(rate).toBeLessThan(average * 10);
  });

  it('fails a sample before start and closes without having started', async () => {
    await using t = setup();
    await expect(t.source.sample(new AbortController().signal)).rejects.toThrow(/before start/);
  });
});
