import { z } from 'zod';
import { duration, name } from './fields.js';

/**
 * What a goal does with a decision: `apply` commits it as a plan revision; `propose` writes a
 * proposal an operator approves (then the leading planner commits it) or rejects.
 */
export const goalModeSchema = z.enum(['apply', 'propose']).default('apply');

export const fallbackSchema = z.union([
  z.literal('hold'),
  z.literal('min'),
  z.strictObject({ fixed: z.number().int().min(0) }),
]);

/** Keep `metric` under `target` by setting `step`'s `param` between min and max, at least cost. */
export const autoscaleGoalSchema = z
  .strictObject({
    kind: z.literal('autoscale'),
    name,
    mode: goalModeSchema,
    step: name,
    param: z.string().default('concurrency'),
    /** The metric to keep under target, e.g. `bullmq.work.wait_p95_ms`. */
    metric: z.string().min(1),
    target: z.number().positive(),
    /** Series of job arrivals per second and completions per second. */
    arrivalSeries: z.string().min(1),
    completionSeries: z.string().min(1),
    /** Series of the current number of busy workers and of the backlog (waiting jobs). */
    activeSeries: z.string().min(1),
    backlogSeries: z.string().min(1),
    min: z.number().int().min(0),
    max: z.number().int().min(1),
    /** Expected jobs per second of one worker until it is learned from completions. */
    initialThroughput: z.number().positive().default(1),
    /**
     * Size for the arrival forecast's point value, or for the upper bound of its prediction
     * interval: headroom that grows where the load is hard to predict and shrinks where it is not.
     */
    forecastBound: z.enum(['point', 'upper']).default('point'),
    /**
     * The service level: the share of minutes in which `metric` must stay within `target`
     * (e.g. 0.99). With it the planner sizes from a queueing model of the wait and adapts its own
     * headroom from the attainment it measures; `targetUtilization` and `forecastBound` are not used.
     */
    slo: z.number().gt(0).lt(1).optional(),
    /** How busy a worker may be on average; lower buys headroom. */
    targetUtilization: z.number().gt(0).lte(1).default(0.8),
    /** How long a new worker takes to be ready; the forecast horizon covers it. */
    startupDelay: duration.default(0),
    scaleDownStabilization: duration.default(60_000),
    cooldown: duration.default(5000),
    maxStep: z.number().int().min(1).default(4),
    /** No resize while the size the load calls for is within this fraction of the current size. */
    tolerance: z.number().min(0).lt(1).default(0.1),
    /** A forecast or metric older than this is stale. */
    staleAfter: duration.default(10_000),
    fallback: fallbackSchema.default('hold'),
  })
  .refine((g) => g.min <= g.max, { message: 'expected min <= max', path: ['min'] });

/** How a quality goal reroutes the workflow: insert a step from `workflow.extraSteps`, or switch a step's variant. */
export const rerouteSchema = z.union([
  z.strictObject({
    /** A step of `workflow.extraSteps`; its `onFail` step (if any) is inserted after it. */
    insert: name,
    /** `[upstream, downstream]`: the inserted step runs after `upstream` and before `downstream`. */
    between: z.tuple([name, name]),
  }),
  z.strictObject({ switch: name, variant: z.string().min(1) }),
]);

/**
 * Keep data-quality series under their limits: when a limit is broken, or forecast to break, or
 * a watched series drifts, reroute the workflow; revert once the data has been clean for
 * `stabilization`.
 */
export const qualityGoalSchema = z.strictObject({
  kind: z.literal('quality'),
  name,
  mode: goalModeSchema,
  /** Series and the value each must stay under, e.g. `{ records.orders.null_rate: 0.02 }`. */
  limits: z.record(z.string().min(1), z.number()).refine((l) => Object.keys(l).length > 0, 'expected at least one limit'),
  /** Series whose drift (from `analyzer.drift`) also counts as bad data. */
  drift: z.array(z.string().min(1)).default([]),
  /** Act on the analyzer's forecast that a limit will be crossed, before it is. */
  forecast: z.boolean().default(true),
  reroute: rerouteSchema,
  /** How long the data must stay clean before the reroute is reverted. */
  stabilization: duration.default(60_000),
  /** A metric older than this is stale. */
  staleAfter: duration.default(10_000),
  /** While every limit's metric is stale: `hold` the current route, or `reroute` to be safe. */
  fallback: z.enum(['hold', 'reroute']).default('hold'),
});

export const goalSchema = z.discriminatedUnion('kind', [autoscaleGoalSchema, qualityGoalSchema]);

export type GoalConfig = z.infer<typeof goalSchema>;
export type AutoscaleGoalConfig = z.infer<typeof autoscaleGoalSchema>;
export type QualityGoalConfig = z.infer<typeof qualityGoalSchema>;
export type RerouteConfig = z.infer<typeof rerouteSchema>;
export type FallbackConfig = z.infer<typeof fallbackSchema>;
