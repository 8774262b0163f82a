import { describe, expect, it } from 'vitest';
import { goalSchema, planFromConfig, workflowSchema, type GoalConfig, type Insight } from '@awo/shared';
import { createGoal, GOAL_KINDS } from './index.js';

const workflow = workflowSchema.parse({
  steps: { validate: { handler: 'validate' }, work: { handler: 'pass', after: ['validate'], params: { concurrency: 2 } } },
  extraSteps: { strict: { handler: 'strict-validation' } },
});
const env = { workflow, evaluateInterval: 1000 };
const examples: GoalConfig[] = [
  goalSchema.parse({ kind: 'autoscale', name: 'a', step: 'work', metric: 'm', target: 100, arrivalSeries: 'in', completionSeries: 'done', activeSeries: 'busy', backlogSeries: 'wait', min: 1, max: 8 }),
  goalSchema.parse({ kind: 'quality', name: 'q', limits: { 'records.o.null_rate': 0.02 }, reroute: { insert: 'strict', between: ['validate', 'work'] } }),
];
const forecast: Insight = { v: 1, kind: 'forecast', id: 'f1', series: 'in', value: 5, lower: 4, upper: 6, horizonMs: 1000, model: 'naive', observed: 5, ts: 1, metricIds: [] };
const finding: Insight = { v: 1, kind: 'data-quality', id: 'd1', series: 'records.o.null_rate', check: 'limit', value: 0.5, limit: 0.02, violated: true, ts: 1, metricIds: [] };

describe('goal kinds', () => {
  it('has a kind in the registry for every kind of the config schema, and no other', () => {
    const kinds = goalSchema.options.map((o) => o.shape.kind.value);
    expect(Object.keys(GOAL_KINDS).sort()).toEqual([...kinds].sort());
    expect(new Set(examples.map((g) => g.kind))).toEqual(new Set(kinds));
  });

  it('builds each kind from its config, with the series it reads and a status detail', () => {
    for (const config of examples) {
      const goal = createGoal(config, env);
      expect(goal.config).toBe(config);
      expect(goal.series.length).toBeGreaterThan(0);
      expect(goal.detail()).toMatchObject({ name: config.name, kind: config.kind });
      expect(goal.cause()).toBeUndefined();
      expect(goal.evaluate({ epoch: 'e', ...planFromConfig(workflow) }, 10).attributes).toBeDefined();
    }
  });

  it('routes each insight to the goals it concerns, and links the newest as the cause', () => {
    const [autoscale, quality] = examples.map((g) => createGoal(g, env));
    expect(autoscale?.accept(forecast, '00-a-b-01')).toBe(true);
    expect(autoscale?.accept(finding, undefined)).toBe(false);
    expect(autoscale?.cause()).toMatchObject({ id: 'f1', traceparent: '00-a-b-01' });
    expect(quality?.accept(forecast, undefined)).toBe(false);
    expect(quality?.accept(finding, '00-c-d-01')).toBe(true);
    expect(quality?.cause()).toMatchObject({ id: 'd1', traceparent: '00-c-d-01' });
  });
});
