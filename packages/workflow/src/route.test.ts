import { describe, expect, it } from 'vitest';
import { applyChanges, planFromConfig, workflowSchema } from '@awo/shared';
import { entrySteps, handlerOf, routeAfter, unknownSteps } from './route.js';

const workflow = workflowSchema.parse({
  steps: {
    ingest: { handler: 'pass' },
    validate: { handler: 'validate', after: ['ingest'], variants: { strict: 'strict-validation' } },
    geo: { handler: 'enrich', after: ['validate'] },
    price: { handler: 'enrich', after: ['validate'] },
    store: { handler: 'sink', after: ['geo', 'price'] },
    knobs: {},
  },
  extraSteps: { strict: { handler: 'strict-validation', onFail: 'quarantine' }, quarantine: { handler: 'sink' } },
});
const base = planFromConfig(workflow);
const rerouted = applyChanges(
  base,
  [
    { op: 'add-step', step: 'strict', after: ['validate'] },
    { op: 'link', step: 'geo', from: ['validate'], to: ['strict'] },
    { op: 'link', step: 'price', from: ['validate'], to: ['strict'] },
    { op: 'add-step', step: 'quarantine', after: ['strict'] },
  ],
  1,
);

describe('workflow routes', () => {
  it('fans out to independent steps and joins them again', () => {
    expect(entrySteps(base, workflow)).toEqual(['ingest']);
    expect(routeAfter(base, workflow, 'validate', true)).toEqual({ next: [{ step: 'geo', join: 1 }, { step: 'price', join: 1 }], terminal: false });
    expect(routeAfter(base, workflow, 'geo', true)).toEqual({ next: [{ step: 'store', join: 2 }], terminal: false });
    expect(routeAfter(base, workflow, 'store', true)).toEqual({ next: [], terminal: true });
  });

  it('sends refused records to the onFail step only, and passed ones everywhere else', () => {
    expect(routeAfter(rerouted, workflow, 'strict', true).next.map((n) => n.step)).toEqual(['geo', 'price']);
    expect(routeAfter(rerouted, workflow, 'strict', false).next.map((n) => n.step)).toEqual(['quarantine']);
    expect(routeAfter(base, workflow, 'validate', false)).toEqual({ next: [], terminal: true });
  });

  it('follows the plan version a record entered with', () => {
    expect(routeAfter(base, workflow, 'validate', true).next.map((n) => n.step)).toEqual(['geo', 'price']);
    expect(routeAfter(rerouted, workflow, 'validate', true).next.map((n) => n.step)).toEqual(['strict']);
  });

  it('picks the handler of a declared variant only', () => {
    const cfg = workflow.steps.validate!;
    expect(handlerOf(cfg, base, 'validate')).toBe('validate');
    expect(handlerOf(cfg, applyChanges(base, [{ op: 'set', step: 'validate', param: 'variant', from: null, to: 'strict' }], 1), 'validate')).toBe('strict-validation');
    expect(handlerOf(cfg, applyChanges(base, [{ op: 'set', step: 'validate', param: 'variant', from: null, to: '/bin/sh' }], 1), 'validate')).toBe('validate');
  });

  it('names the steps of a plan that the config does not declare', () => {
    expect(unknownSteps(rerouted, workflow)).toEqual([]);
    expect(unknownSteps(applyChanges(base, [{ op: 'add-step', step: 'evil', after: ['ingest'] }], 1), workflow)).toEqual(['evil']);
  });
});
