import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { Plan } from '../contracts/messages.js';
import { applyChanges, diffPlans, planFromConfig, validateDag } from './model.js';
import { signRevision, trustedPlan, verifyKeys, verifyRevision } from './sign.js';

const plan: Plan = {
  version: 1,
  steps: {
    ingest: { after: [], params: { concurrency: 2 } },
    validate: { after: ['ingest'], params: { variant: 'basic' } },
    store: { after: ['validate'], params: {} },
  },
};

describe('plan model', () => {
  it('builds version 0 from the config workflow', () => {
    const cfg = parseConfig({ workflow: { steps: { a: { queue: 'qa', params: { concurrency: 3 } }, b: { after: ['a'] } } } });
    expect(planFromConfig(cfg.workflow)).toEqual({ version: 0, steps: { a: { queue: 'qa', after: [], params: { concurrency: 3 } }, b: { after: ['a'], params: {} } } });
  });

  it('diffs parameter changes, added and removed steps', () => {
    const next = applyChanges(plan, [{ op: 'set', step: 'ingest', param: 'concurrency', from: 2, to: 5 }, { op: 'add-step', step: 'strict', after: ['validate'] }], 2);
    expect(diffPlans(plan, next)).toEqual([
      { op: 'set', step: 'ingest', param: 'concurrency', from: 2, to: 5 },
      { op: 'add-step', step: 'strict', after: ['validate'] },
    ]);
    expect(diffPlans(next, plan)).toEqual([
      { op: 'remove-step', step: 'strict' },
      { op: 'set', step: 'ingest', param: 'concurrency', from: 5, to: 2 },
    ]);
    expect(diffPlans(plan, plan)).toEqual([]);
  });

  it('removing a step drops the edges to it and keeps the DAG valid', () => {
    const next = applyChanges(plan, [{ op: 'remove-step', step: 'validate' }], 2);
    expect(next.steps.store?.after).toEqual([]);
    expect(() => validateDag(next.steps)).not.toThrow();
  });

  it('refuses cycles and unknown steps', () => {
    expect(() => validateDag({ a: { after: ['b'], params: {} }, b: { after: ['a'], params: {} } })).toThrow(/cycle: a → b → a/);
    expect(() => applyChanges(plan, [{ op: 'set', step: 'ghost', param: 'x', from: null, to: 1 }], 2)).toThrow(/unknown step/);
    expect(() => validateDag({ a: { after: ['nope'], params: {} } })).toThrow(/unknown step "nope"/);
  });

  it('signs revisions and detects tampering', () => {
    const rev = { v: 1 as const, version: 2, parentVersion: 1, plan: { ...plan, version: 2 }, changes: [], goal: 'g', reason: 'r', insightIds: [], at: 1, leader: 'p' };
    const signed = signRevision(rev, 'k');
    expect(verifyRevision(signed, 'k')).toBe(true);
    expect(verifyRevision(signed, 'other')).toBe(false);
    expect(verifyRevision({ ...signed, reason: 'forged' }, 'k')).toBe(false);
    expect(verifyRevision(rev, 'k')).toBe(false);
  });
});

describe('trustedPlan', () => {
  const rev = signRevision({ v: 1, version: 2, parentVersion: 1, plan: { ...plan, version: 2 }, changes: [], goal: 'g', reason: 'r', insightIds: [], at: 1, leader: 'p' }, 'k'.repeat(16));
  it('trusts anything without a key, and only the signed revision of exactly this plan with one', () => {
    expect(trustedPlan(rev.plan, undefined, undefined)).toEqual({ ok: true });
    expect(trustedPlan(rev.plan, rev, 'k'.repeat(16))).toEqual({ ok: true });
    expect(trustedPlan(rev.plan, rev, 'x'.repeat(16))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(trustedPlan(rev.plan, { ...rev, sig: undefined }, 'k'.repeat(16))).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(trustedPlan(rev.plan, undefined, 'k'.repeat(16))).toMatchObject({ ok: false, reason: expect.stringMatching(/no stored revision/) });
    const tampered = { ...rev.plan, steps: { ...rev.plan.steps, ingest: { after: [], params: { concurrency: 99 } } } };
    expect(trustedPlan(tampered, rev, 'k'.repeat(16))).toMatchObject({ ok: false, reason: expect.stringMatching(/differs from its signed revision/) });
  });

  it('accepts the previous key during a rotation, and neither key alone forges the other', () => {
    const oldKey = 'o'.repeat(32);
    const newKey = 'n'.repeat(32);
    const byOld = signRevision({ ...rev, sig: undefined }, oldKey);
    expect(trustedPlan(byOld.plan, byOld, [newKey, oldKey])).toEqual({ ok: true });
    expect(trustedPlan(byOld.plan, byOld, verifyKeys({ key: newKey, previousKey: oldKey }))).toEqual({ ok: true });
    expect(trustedPlan(byOld.plan, byOld, newKey)).toMatchObject({ ok: false });
    expect(verifyRevision({ ...byOld, sig: 'zz' }, [newKey, oldKey])).toBe(false);
  });

  it('trusts version 0 only as the config gives it, and never with a revision', () => {
    const baseline = { version: 0, steps: { ingest: { after: [], params: { concurrency: 2 } } } };
    const key = 'k'.repeat(16);
    expect(trustedPlan({ ...baseline, epoch: 'e1' }, undefined, key, baseline)).toEqual({ ok: true });
    const raised = { version: 0, steps: { ingest: { after: [], params: { concurrency: 500 } } } };
    expect(trustedPlan(raised, undefined, key, baseline)).toMatchObject({ ok: false, reason: expect.stringMatching(/differs from the plan the config gives/) });
    expect(trustedPlan(baseline, { ...rev, version: 0 }, key, baseline)).toMatchObject({ ok: false, reason: expect.stringMatching(/carries a revision/) });
  });
});

describe('describeChange', () => {
  it('puts every kind of change in words', async () => {
    const { describeChange } = await import('./model.js');
    expect(describeChange({ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 5 })).toBe('work.concurrency 2 → 5');
    expect(describeChange({ op: 'add-step', step: 'strict', after: ['validate'] })).toBe('add step strict after validate');
    expect(describeChange({ op: 'remove-step', step: 'strict' })).toBe('remove step strict');
    expect(describeChange({ op: 'link', step: 'store', from: ['validate'], to: ['strict'] })).toBe('store now after strict (was validate)');
  });
});
