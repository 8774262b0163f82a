import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keys as makeKeys } from '@awo/shared';
import { RunLog, type Attempt } from '@awo/workflow';
import { cleanupPrefix, REDIS_URL, testPrefix } from './helpers.js';

function attempt(step: string, n: number, outcome: Attempt['outcome'], start: number, ms: number): Attempt {
  return { step, attempt: n, queuedAt: start - 5, start, end: start + ms, outcome };
}

async function withLog(config: { enabled: boolean; maxCount: number; maxAge: number }, fn: (log: RunLog, redis: Redis, keys: ReturnType<typeof makeKeys>) => Promise<void>) {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  try {
    const keys = makeKeys(prefix);
    await fn(new RunLog(redis, keys, config), redis, keys);
  } finally {
    await redis.quit();
    await cleanupPrefix(prefix);
  }
}

describe('records of runs', () => {
  it('keeps every attempt of a run with its outcome, and the run\'s status', async () => {
    await withLog({ enabled: true, maxCount: 100, maxAge: 60_000 }, async (log) => {
      const now = Date.now();
      const header = { id: 'r1', version: 3, entered: now, route: ['a', 'b'] };
      await log.record({ header, attempt: attempt('a', 1, 'passed', now, 4) });
      await log.record({ header, attempt: { ...attempt('b', 1, 'error', now + 10, 7), error: 'boom' } });
      await log.record({ header, attempt: { ...attempt('b', 2, 'error', now + 30, 9), error: 'boom again', final: true }, status: 'failed' });
      const run = await log.get('r1');
      expect(run).toMatchObject({ id: 'r1', version: 3, route: ['a', 'b'], status: 'failed', dropped: 0 });
      expect(run?.steps.map((s) => [s.step, s.attempts.map((a) => a.outcome)])).toEqual([['a', ['passed']], ['b', ['error', 'error']]]);
      const { steps } = await log.stats();
      expect(steps.find((s) => s.step === 'b')).toMatchObject({ attempts: 2, errors: 2, done: 0, workerSeconds: 0.016, latencyMs: { mean: 0, p50: null, p95: null } });
      expect(steps.find((s) => s.step === 'a')).toMatchObject({ attempts: 1, passed: 1, done: 1, latencyMs: { mean: 9, p50: 10, p95: 10 } });
    });
  });

  it('is bounded by count: the oldest runs are trimmed (and counted), their hashes deleted', async () => {
    await withLog({ enabled: true, maxCount: 5, maxAge: 3_600_000 }, async (log, redis, keys) => {
      const now = Date.now();
      for (let i = 0; i < 8; i++) await log.record({ header: { id: `r${i}`, version: 1, entered: now + i, route: ['a'] }, attempt: attempt('a', 1, 'passed', now + i, 1), status: 'completed' });
      expect(await redis.zcard(keys.runs)).toBe(5);
      const { items } = await log.list(10);
      expect(items.map((r) => r.id)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
      expect(await redis.exists(keys.run('r0'), keys.run('r1'), keys.run('r2'))).toBe(0);
      expect((await log.stats()).trimmed).toBe(3);
      // The per-step figures still count every attempt.
      expect((await log.stats()).steps[0]?.attempts).toBe(8);
    });
  });

  it('is bounded by age: a run older than maxAge is trimmed, and each run\'s hash expires', async () => {
    await withLog({ enabled: true, maxCount: 100, maxAge: 1000 }, async (log, redis, keys) => {
      const now = Date.now();
      await log.record({ header: { id: 'old', version: 1, entered: now - 5000, route: ['a'] }, attempt: attempt('a', 1, 'passed', now - 5000, 1) });
      await log.record({ header: { id: 'new', version: 1, entered: now, route: ['a'] }, attempt: attempt('a', 1, 'passed', now, 1) });
      expect(await redis.zrange(keys.runs, 0, -1)).toEqual(['new']);
      expect(await log.get('old')).toBeUndefined();
      expect(await redis.pttl(keys.run('new'))).toBeGreaterThan(0);
      expect(await redis.pttl(keys.run('new'))).toBeLessThanOrEqual(1000);
    });
  });

  it('pages through runs with a cursor, ties on the start time included', async () => {
    await withLog({ enabled: true, maxCount: 100, maxAge: 3_600_000 }, async (log) => {
      const at = Date.now();
      for (const id of ['a', 'b', 'c', 'd', 'e']) await log.record({ header: { id, version: 1, entered: at, route: [] }, attempt: attempt('s', 1, 'passed', at, 1) });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const r = await log.list(2, cursor);
        seen.push(...r.items.map((x) => x.id));
        if (!r.nextCursor) break;
        cursor = r.nextCursor;
      }
      expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
    });
  });

  it('ignores what it cannot read back (an entry that fails its schema is left out)', async () => {
    await withLog({ enabled: true, maxCount: 100, maxAge: 60_000 }, async (log, redis, keys) => {
      const now = Date.now();
      await log.record({ header: { id: 'r', version: 1, entered: now, route: ['a'] }, attempt: attempt('a', 1, 'passed', now, 1) });
      await redis.hset(keys.run('r'), 'a#2', '{"step":"a","attempt":"two"}', 'b#1', 'not json');
      expect((await log.get('r'))?.steps).toEqual([{ step: 'a', attempts: [expect.objectContaining({ attempt: 1 })] }]);
      await redis.hset(keys.run('x'), '_run', '{"id":1}');
      expect(await log.get('x')).toBeUndefined();
    });
  });
});
