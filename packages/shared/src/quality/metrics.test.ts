import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { computeQualityMetrics, freshnessOf, nearestRank } from './metrics.js';
import { RecentKeys } from './recent-keys.js';
import type { QualitySpec } from './types.js';

const spec: QualitySpec = {
  fields: {
    id: { type: 'string', required: true },
    amount: { type: 'number', required: true, min: 0, max: 100 },
    score: { type: 'number', min: 0 },
    note: { type: 'string' },
    ok: { type: 'boolean' },
  },
  key: 'id',
  timestampField: 'ts',
};
const now = 1_000_000;

describe('computeQualityMetrics', () => {
  it('computes each rate on a hand-made batch', () => {
    const records = [
      { id: 'a', amount: 10, score: 1, note: 'x', ok: true, ts: now - 100 }, // clean
      { id: 'b', amount: 150, score: -1, ts: now - 200 }, // out of range twice, note and ok null
      { id: 'a', amount: null, ok: 'yes', ts: now - 300 }, // duplicate; required null; wrong type
      { amount: Number.NaN, ts: 'not a date' }, // id missing (required), NaN is not a number
      ['not', 'an', 'object'],
    ];
    const m = computeQualityMetrics(records, spec, { now });
    expect(m.records).toBe(5);
    expect(m.nullRate).toEqual({ id: 2 / 5, amount: 2 / 5, score: 3 / 5, note: 4 / 5, ok: 3 / 5 });
    expect(m.schemaViolationRate).toBe(3 / 5);
    expect(m.outOfRangeRate).toBe(1 / 5);
    expect(m.outOfRangeRateByField).toEqual({ amount: 1 / 5, score: 1 / 5 });
    expect(m.keyed).toBe(3);
    expect(m.duplicateRate).toBe(1 / 3);
    expect(m.freshness).toEqual({ lagMs: 100, p95LagMs: 300, records: 3 });
  });

  it('counts duplicates against the recent-key memory, and remembers this batch', () => {
    const memory = new RecentKeys(3);
    memory.add('s:x');
    const first = computeQualityMetrics([{ id: 'x' }, { id: 'y' }, { id: 1 }, { id: '1' }], { fields: {}, key: 'id' }, { now, recentKeys: memory });
    expect(first.duplicateRate).toBe(1 / 4); // x was seen before; the number 1 and the string "1" differ
    expect(memory.size).toBe(3); // x, y, 1, "1" with room for 3: x (refreshed first) is evicted
    expect(memory.has('s:x')).toBe(false);
    const second = computeQualityMetrics([{ id: 'y' }, { id: 1 }, { id: 'z' }, { id: 'z' }], { fields: {}, key: 'id' }, { now, recentKeys: memory });
    expect(second.duplicateRate).toBe(3 / 4);
  });

  it('gives zeros and no duplicate rate or freshness when there is nothing to measure', () => {
    const empty = computeQualityMetrics([], spec, { now });
    expect(empty).toMatchObject({ records: 0, schemaViolationRate: 0, outOfRangeRate: 0, duplicateRate: undefined, freshness: undefined });
    expect(empty.nullRate).toEqual({ id: 0, amount: 0, score: 0, note: 0, ok: 0 });
    const noKey = computeQualityMetrics([{ a: 1 }], { fields: { a: { type: 'number' } } }, { now });
    expect(noKey.duplicateRate).toBeUndefined();
    expect(noKey.freshness).toBeUndefined();
  });

  it('reads own properties only and accepts ISO timestamps', () => {
    const protoSpec: QualitySpec = { fields: Object.fromEntries([['toString', { type: 'string' as const, required: true }]]), timestampField: 'ts' };
    const m = computeQualityMetrics([JSON.parse('{"ts":"1970-01-01T00:16:39.000Z"}') as unknown], protoSpec, { now });
    expect(m.nullRate.toString).toBe(1);
    expect(m.schemaViolationRate).toBe(1);
    expect(m.freshness?.lagMs).toBe(1000);
  });

  it('matches independent counts on a seeded random batch', () => {
    const rand = mulberry32(42);
    const records = Array.from({ length: 2000 }, (_, i) => {
      const r: Record<string, unknown> = { id: `k${Math.floor(rand() * 1500)}`, ts: now - Math.floor(rand() * 10_000) };
      if (rand() > 0.1) r.amount = rand() * 120;
      if (rand() < 0.05) r.note = i;
      return r;
    });
    const m = computeQualityMetrics(records, spec, { now });
    const count = (f: (r: Record<string, unknown>) => boolean) => records.filter(f).length / records.length;
    expect(m.nullRate.amount).toBeCloseTo(count((r) => r.amount === undefined), 12);
    expect(m.outOfRangeRate).toBeCloseTo(count((r) => typeof r.amount === 'number' && r.amount > 100), 12);
    expect(m.schemaViolationRate).toBeCloseTo(count((r) => r.amount === undefined || r.note !== undefined), 12);
    expect(m.duplicateRate).toBeCloseTo(1 - new Set(records.map((r) => r.id)).size / records.length, 12);
    expect(m.nullRate.amount).toBeGreaterThan(0.07);
    expect(m.nullRate.amount).toBeLessThan(0.13);
  });
});

describe('freshness', () => {
  it('takes the newest lag and the nearest-rank 95th percentile', () => {
    const lags = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(freshnessOf(lags)).toEqual({ lagMs: 10, p95LagMs: 950, records: 100 });
    expect(freshnessOf([5])).toEqual({ lagMs: 5, p95LagMs: 5, records: 1 });
    expect(freshnessOf([])).toBeUndefined();
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0)).toBe(1);
    expect(nearestRank([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('RecentKeys', () => {
  it('evicts the least recently added key and refreshes on re-add', () => {
    const keys = new RecentKeys(2);
    expect(keys.add('a')).toBeUndefined();
    expect(keys.add('b')).toBeUndefined();
    expect(keys.add('a')).toBeUndefined(); // refresh: b is now the oldest
    expect(keys.add('c')).toBe('b');
    expect(keys.has('a') && keys.has('c') && !keys.has('b')).toBe(true);
    expect(() => new RecentKeys(0)).toThrow(RangeError);
  });
});
