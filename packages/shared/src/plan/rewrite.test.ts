import { describe, expect, it } from 'vitest';
import { changeSchema, type Plan } from '../contracts/messages.js';
import { isAwoError } from '../errors.js';
import { applyChanges, diffPlans, validateDag } from './model.js';
import { appendStep, insertStep, removeStep, switchVariant } from './rewrite.js';

const plan: Plan = {
  version: 3,
  steps: {
    ingest: { queue: 'q-ingest', after: [], params: { concurrency: 2 } },
    validate: { after: ['ingest'], params: { variant: 'basic' } },
    enrich: { after: ['validate'], params: {} },
    store: { after: ['enrich', 'validate'], params: {} },
  },
};
const frozen = structuredClone(plan);

describe('insertStep', () => {
  it('puts the step on the edge, keeps the DAG valid and returns exactly the diff', () => {
    const r = insertStep(plan, { step: 'strict-validation', between: ['validate', 'enrich'], params: { mode: 'strict' }, queue: 'q-strict' });
    expect(r.plan.version).toBe(4);
    expect(r.plan.steps['strict-validation']).toEqual({ queue: 'q-strict', after: ['validate'], params: { mode: 'strict' } });
    expect(r.plan.steps.enrich?.after).toEqual(['strict-validation']);
    expect(r.plan.steps.store?.after).toEqual(['enrich', 'validate']);
    expect(() => validateDag(r.plan.steps)).not.toThrow();
    expect(r.changes).toEqual([
      { op: 'link', step: 'enrich', from: ['validate'], to: ['strict-validation'] },
      { op: 'add-step', step: 'strict-validation', after: ['validate'], queue: 'q-strict' },
      { op: 'set', step: 'strict-validation', param: 'mode', from: null, to: 'strict' },
    ]);
    expect(diffPlans(plan, r.plan)).toEqual(r.changes);
    expect(applyChanges(plan, r.changes, 4)).toEqual(r.plan);
    for (const c of r.changes) expect(changeSchema.safeParse(c).success).toBe(true);
    expect(plan).toEqual(frozen);
  });

  it('replaces the edge in place, keeping the order of the other dependencies', () => {
    const r = insertStep(plan, { step: 'dedupe', between: ['enrich', 'store'] });
    expect(r.plan.steps.store?.after).toEqual(['dedupe', 'validate']);
    expect(r.plan.steps.dedupe).toEqual({ after: ['enrich'], params: {} });
  });

  it('adds a dependency when the two steps were not directly linked', () => {
    const r = insertStep(plan, { step: 'audit', between: ['ingest', 'store'] });
    expect(r.plan.steps.store?.after).toEqual(['enrich', 'validate', 'audit']);
    expect(() => validateDag(r.plan.steps)).not.toThrow();
  });

  it('refuses a cycle, with the rewrite and the path in the message', () => {
    let err: unknown;
    try {
      insertStep(plan, { step: 'loop', between: ['store', 'validate'] });
    } catch (e) {
      err = e;
    }
    expect(isAwoError(err, 'AWO_PLAN_CONFLICT')).toBe(true);
    expect((err as Error).message).toMatch(/inserting "loop" between "store" and "validate" is refused: the workflow has a cycle: .*loop.*/);
    expect(() => insertStep(plan, { step: 'self', between: ['validate', 'validate'] })).toThrow(/cycle/);
  });

  it('refuses unknown steps and a name already taken', () => {
    expect(() => insertStep(plan, { step: 'x', between: ['ghost', 'store'] })).toThrow(/unknown step "ghost"/);
    expect(() => insertStep(plan, { step: 'x', between: ['ingest', 'ghost'] })).toThrow(/unknown step "ghost"/);
    expect(() => insertStep(plan, { step: 'enrich', between: ['ingest', 'store'] })).toThrow(/step "enrich" already exists/);
  });
});

describe('removeStep', () => {
  it('re-links dependents to its dependencies and returns exactly the diff', () => {
    const r = removeStep(plan, 'enrich');
    expect(r.plan.steps.enrich).toBeUndefined();
    // store was after [enrich, validate]; enrich was after [validate]: no duplicate.
    expect(r.plan.steps.store?.after).toEqual(['validate']);
    expect(r.changes).toEqual([{ op: 'remove-step', step: 'enrich' }]);
    expect(diffPlans(plan, r.plan)).toEqual(r.changes);
    expect(applyChanges(plan, r.changes, 4)).toEqual(r.plan);
  });

  it('emits a link when the dependents inherit new dependencies', () => {
    const r = removeStep(plan, 'validate');
    expect(r.plan.steps.enrich?.after).toEqual(['ingest']);
    expect(r.plan.steps.store?.after).toEqual(['enrich', 'ingest']);
    expect(r.changes).toEqual([
      { op: 'remove-step', step: 'validate' },
      { op: 'link', step: 'enrich', from: ['validate'], to: ['ingest'] },
      { op: 'link', step: 'store', from: ['enrich', 'validate'], to: ['enrich', 'ingest'] },
    ]);
    expect(applyChanges(plan, r.changes, 4)).toEqual(r.plan);
    expect(() => validateDag(r.plan.steps)).not.toThrow();
  });

  it('round-trips: insert then remove gives the original plan', () => {
    for (const between of [['validate', 'enrich'], ['enrich', 'store'], ['ingest', 'validate'], ['validate', 'store']] as const) {
      const inserted = insertStep(plan, { step: 'strict-validation', between, params: { level: 3 } });
      const back = removeStep(inserted.plan, 'strict-validation');
      expect(back.plan.steps).toEqual(plan.steps);
      expect(applyChanges(applyChanges(plan, inserted.changes, 4), back.changes, 5).steps).toEqual(plan.steps);
    }
  });

  it('refuses an unknown step', () => {
    expect(() => removeStep(plan, 'ghost')).toThrow(/removing "ghost": unknown step "ghost"/);
  });
});

describe('switchVariant', () => {
  it('sets the variant parameter, and changes nothing when it is already set', () => {
    const r = switchVariant(plan, 'validate', 'strict');
    expect(r.changes).toEqual([{ op: 'set', step: 'validate', param: 'variant', from: 'basic', to: 'strict' }]);
    expect(r.plan.steps.validate?.params.variant).toBe('strict');
    expect(diffPlans(plan, r.plan)).toEqual(r.changes);
    expect(switchVariant(plan, 'validate', 'basic').changes).toEqual([]);
    expect(switchVariant(plan, 'enrich', 'geo').changes).toEqual([{ op: 'set', step: 'enrich', param: 'variant', from: null, to: 'geo' }]);
  });

  it('refuses an unknown step or an empty variant', () => {
    expect(() => switchVariant(plan, 'ghost', 'x')).toThrow(/unknown step "ghost"/);
    expect(() => switchVariant(plan, 'validate', '')).toThrow(/variant is empty/);
  });
});

describe('link changes', () => {
  it('diffPlans and applyChanges carry re-linked edges and the queue of a new step', () => {
    const b: Plan = { version: 4, steps: { ...structuredClone(plan.steps), store: { after: ['enrich'], params: {} }, sink: { queue: 'q', after: ['store'], params: {} } } };
    const changes = diffPlans(plan, b);
    expect(changes).toEqual([
      { op: 'add-step', step: 'sink', after: ['store'], queue: 'q' },
      { op: 'link', step: 'store', from: ['enrich', 'validate'], to: ['enrich'] },
    ]);
    expect(applyChanges(plan, changes, 4)).toEqual(b);
  });

  it('refuses re-linking an unknown step or into a cycle', () => {
    expect(() => applyChanges(plan, [{ op: 'link', step: 'ghost', from: [], to: [] }], 4)).toThrow(/unknown step "ghost"/);
    expect(() => applyChanges(plan, [{ op: 'link', step: 'ingest', from: [], to: ['store'] }], 4)).toThrow(/cycle/);
  });
});

describe('appendStep', () => {
  it('adds a sink after a step, leaving the other edges alone', () => {
    const r = appendStep(plan, { step: 'quarantine', after: ['validate'], params: { concurrency: 1 } });
    expect(r.plan.steps.quarantine).toEqual({ after: ['validate'], params: { concurrency: 1 } });
    expect(r.changes).toEqual([
      { op: 'add-step', step: 'quarantine', after: ['validate'] },
      { op: 'set', step: 'quarantine', param: 'concurrency', from: null, to: 1 },
    ]);
    expect(Object.keys(r.plan.steps).filter((s) => s !== 'quarantine').every((s) => JSON.stringify(r.plan.steps[s]) === JSON.stringify(plan.steps[s]))).toBe(true);
  });

  it('refuses an existing step or an unknown upstream', () => {
    expect(() => appendStep(plan, { step: 'store', after: ['ingest'] })).toThrow(/step "store" already exists/);
    expect(() => appendStep(plan, { step: 'q', after: ['ghost'] })).toThrow(/unknown step "ghost"/);
  });
});
