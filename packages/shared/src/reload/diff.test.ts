import { describe, expect, it } from 'vitest';
import { changedPaths, mergeSlice } from './diff.js';

describe('changedPaths and mergeSlice', () => {
  const a = { prefix: 'awo', planner: { goals: [{ name: 'g', max: 20 }], lease: 10_000 }, executor: { actions: { hook: { url: 'http://a' } } } };
  it('walks objects key by key and compares arrays whole', () => {
    const b = { prefix: 'awo', planner: { goals: [{ name: 'g', max: 5 }], lease: 10_000 }, executor: { actions: { hook: { url: 'http://b' }, more: { url: 'x' } } } };
    expect(changedPaths(a, b)).toEqual(['executor.actions.hook.url', 'executor.actions.more', 'planner.goals']);
    expect(changedPaths(a, structuredClone(a))).toEqual([]);
  });

  it('applies the live paths, keeps the old value of the rest and names each refused path', () => {
    const b = { prefix: 'other', planner: { goals: [{ name: 'g', max: 5 }], lease: 1000 }, executor: a.executor };
    const { merged, applied, refused } = mergeSlice(a, b, ['planner.goals']);
    expect(applied).toEqual(['planner.goals']);
    expect(refused.map((r) => r.path)).toEqual(['planner.lease', 'prefix']);
    expect(merged).toEqual({ prefix: 'awo', planner: { goals: [{ name: 'g', max: 5 }], lease: 10_000 }, executor: a.executor });
    expect(Object.isFrozen(merged.planner)).toBe(true);
  });

  it('drops a refused key the old config did not have', () => {
    const { merged, refused } = mergeSlice<Record<string, unknown>>({ a: 1 }, { a: 1, b: 2 }, []);
    expect(refused.map((r) => r.path)).toEqual(['b']);
    expect(merged).toEqual({ a: 1 });
  });
});
