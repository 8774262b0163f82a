import { describe, expect, it } from 'vitest';
import { parseConfig, type Action } from '@awo/shared';
import { driftAction, ofLineage, withObserved } from './drift.js';
import { appliedField, reconcile } from './reconcile.js';
import type { AppliedEntry } from './types.js';

const field = appliedField('work', 'concurrency');
const config = parseConfig({
  workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'scale' } } } },
  executor: { pools: { work: { queue: 'work', processor: 'sleep', max: 10 } }, actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } } },
});
const plan = (concurrency: number) => ({ version: 4, epoch: 'abcdef012345', steps: { work: { queue: 'work', after: [], params: { concurrency } } } });

describe('withObserved', () => {
  it('puts the world in place of the ledger and reports a drift with both values', () => {
    const applied = new Map<string, AppliedEntry>([[field, { value: 8, version: 4, epoch: 'abcdef012345' }]]);
    const { state, drifted } = withObserved(applied, new Map([[field, 1]]));
    expect(state.get(field)).toEqual({ value: 1, version: 4, epoch: 'abcdef012345' });
    expect(drifted.get(field)).toEqual({ step: 'work', param: 'concurrency', ledger: 8, observed: 1 });
    // The plan still wants 8: one action, from what the world holds.
    expect(reconcile(plan(8), state, config, 1000)).toMatchObject([{ id: 'eabcdef012345.v4.work.concurrency', value: 8, from: 1 }]);
  });

  it('reports no drift where the world holds what the ledger says, or where it cannot be read', () => {
    const applied = new Map<string, AppliedEntry>([[field, { value: 8, version: 4 }]]);
    expect(withObserved(applied, new Map([[field, 8]])).drifted.size).toBe(0);
    const unread = withObserved(applied, new Map());
    expect([unread.drifted.size, unread.state.get(field)?.value]).toEqual([0, 8]);
  });

  it('compares the plan with the world where the ledger knows nothing (no drift, a plain action)', () => {
    const { state, drifted } = withObserved(new Map(), new Map([[field, 5]]));
    expect(drifted.size).toBe(0);
    expect(state.get(field)).toEqual({ value: 5, version: 0 });
    expect(reconcile(plan(2), state, config, 1000)).toMatchObject([{ value: 2, from: 5 }]);
    expect(reconcile(plan(5), state, config, 1000)).toEqual([]);
  });
});

describe('driftAction', () => {
  it('gives the correction an id of its own, derived from the action and the time, within 200 characters', () => {
    const [action] = reconcile(plan(8), new Map([[field, { value: 1, version: 0 }]]), config, 1000) as [Action];
    const a = driftAction(action, 1_764_000_000_000);
    const b = driftAction(action, 1_764_000_000_001);
    expect(a.id).toBe(`${action.id}.d${(1_764_000_000_000).toString(36)}`);
    expect(a.id).not.toBe(b.id);
    expect({ ...a, id: action.id }).toEqual(action);
    const long = { ...action, id: 'x'.repeat(198) };
    expect(driftAction(long, 1).id).toBe(long.id);
  });
});

describe('ofLineage', () => {
  it('keeps only the ledger entries of the plan\'s epoch, so an old lineage\'s late write never makes a new decision look applied', () => {
    const applied = new Map<string, AppliedEntry>([[field, { value: 5, version: 1, epoch: 'aaaaaaaaaaaa' }]]);
    const fresh = ofLineage(applied, { epoch: 'bbbbbbbbbbbb' });
    expect(fresh.size).toBe(0);
    expect(reconcile({ ...plan(5), version: 1, epoch: 'bbbbbbbbbbbb' }, fresh, config, 1000)).toMatchObject([{ id: 'ebbbbbbbbbbbb.v1.work.concurrency', value: 5 }]);
    expect(reconcile({ ...plan(5), version: 1, epoch: 'bbbbbbbbbbbb' }, applied, config, 1000)).toEqual([]);
    expect(ofLineage(applied, { epoch: 'aaaaaaaaaaaa' }).get(field)?.value).toBe(5);
    expect(ofLineage(new Map([[field, { value: 2, version: 1 }]]), {}).size).toBe(1);
  });
});
