import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { recordsSource, type SourceDeps } from '@awo/monitor';
import { keys as keysOf, recordsSourceSchema, TAP_RECORD_FIELD, workflowSchema } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix } from './helpers.js';

describe('records source', () => {
  it('measures the records tapped since the last sample against the schema', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    const keys = keysOf(prefix);
    const now = 1_800_000_000_000;
    const workflow = workflowSchema.parse({
      steps: { validate: { handler: 'validate' } },
      schema: { fields: { id: { type: 'string', required: true }, amount: { type: 'number', required: true, min: 0, max: 100 }, note: { type: 'string' } }, key: 'id', timestampField: 'at' },
    });
    const deps: SourceDeps = { connect: () => new Redis(REDIS_URL), log: quietLogger(), now: () => now, keys, workflow };
    const source = recordsSource(recordsSourceSchema.parse({ kind: 'records', name: 'orders', step: 'validate', values: ['amount'] }), deps);
    try {
      const tap = (r: unknown) => redis.xadd(keys.tap('validate'), '*', TAP_RECORD_FIELD, JSON.stringify(r));
      await tap({ id: 'old', amount: 1, at: now });
      await source.start?.();
      expect(await source.sample(new AbortController().signal)).toEqual([{ series: 'records.orders.records', value: 0, unit: 'records' }]);
      await tap({ id: 'a', amount: 10, note: 'x', at: now - 1000 });
      await tap({ id: 'b', amount: null, note: 'x', at: now - 2000 });
      await tap({ id: 'c', amount: 500, at: now - 3000 });
      await tap({ id: 'a', amount: 20, note: 'x', at: now - 4000 });
      await redis.xadd(keys.tap('validate'), '*', TAP_RECORD_FIELD, '{not json');
      const samples = await source.sample(new AbortController().signal);
      const value = (series: string) => samples.find((s) => s.series === `records.orders.${series}`)?.value;
      expect(value('records')).toBe(5);
      // The entry that is not JSON counts as a record with every field missing.
      expect(value('null_rate.amount')).toBeCloseTo(2 / 5);
      expect(value('null_rate.note')).toBeCloseTo(2 / 5);
      expect(value('null_rate')).toBeCloseTo(2 / 5);
      expect(value('schema_violation_rate')).toBeCloseTo(2 / 5);
      expect(value('out_of_range_rate')).toBeCloseTo(1 / 5);
      expect(value('duplicate_rate')).toBeCloseTo(1 / 4);
      expect(value('freshness_lag_ms')).toBe(4000);
      expect(samples.filter((s) => s.series === 'records.orders.value.amount').map((s) => s.value)).toEqual([10, 500, 20]);
      // The next sample starts after what was read.
      expect(await source.sample(new AbortController().signal)).toHaveLength(1);
    } finally {
      await source.close();
      await cleanup(redis, prefix);
      await redis.quit();
    }
  });
});
