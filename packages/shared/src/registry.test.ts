import { describe, expect, it } from 'vitest';
import { actionConfigSchema } from './config/actions.js';
import { goalSchema } from './config/goals.js';
import { analyzerSchema } from './config/schema.js';
import { sourceSchema } from './config/sources.js';
import { stepSchema } from './config/workflow.js';
import { registry } from './registry.js';

describe('the registry', () => {
  const all = registry();

  it('describes every kind the config schemas know, with a JSON Schema of its config', () => {
    expect(all.sources.map((e) => e.kind).sort()).toEqual(sourceSchema.options.map((o) => o.shape.kind.value).sort());
    expect(all.goals.map((e) => e.kind).sort()).toEqual(goalSchema.options.map((o) => o.shape.kind.value).sort());
    expect(all.actions.map((e) => e.kind).sort()).toEqual(actionConfigSchema.options.map((o) => o.shape.kind.value).sort());
    for (const [section, entries] of Object.entries(all)) {
      for (const e of entries) {
        expect(e.description, `${section} ${e.kind} needs a description in registry.ts`).not.toBe('');
        expect(e.configSchema.type, `${section} ${e.kind}`).toBe('object');
      }
    }
  });

  it('gives examples that their own schema accepts', () => {
    const a = analyzerSchema.shape;
    const check = (section: string, kind: string, schema: { safeParse(x: unknown): { success: boolean; error?: unknown } }, example: unknown) => {
      const r = schema.safeParse(example);
      expect(r.success, `${section} ${kind}: ${JSON.stringify(r.error)}`).toBe(true);
    };
    for (const e of all.sources) check('source', e.kind, sourceSchema, e.example);
    for (const e of all.goals) check('goal', e.kind, goalSchema, e.example);
    for (const e of all.actions) check('action', e.kind, actionConfigSchema, e.example);
    for (const e of all.handlers) check('handler', e.kind, stepSchema, e.example);
    for (const e of all.forecasters) check('forecaster', e.kind, a.forecast.unwrap().element, e.example);
    for (const e of all.detectors) check('detector', e.kind, ['psi', 'ks'].includes(e.kind) ? a.drift.unwrap().element : a.anomaly.unwrap().element, e.example);
    // Each example names its own kind.
    for (const e of [...all.sources, ...all.goals, ...all.actions]) expect((e.example as { kind: string }).kind).toBe(e.kind);
    for (const e of all.handlers) expect((e.example as { handler: string }).handler).toBe(e.kind);
    for (const e of all.forecasters) expect((e.example as { models: string[] }).models).toContain(e.kind);
  });
});
