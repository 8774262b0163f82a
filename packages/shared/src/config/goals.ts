import { z } from 'zod';
import { duration, name } from './fields.js';

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
    /** How busy a worker may be on average; lower buys headroom. */
    targetUtilization: z.number().gt(0).lte(1).default(0.8),
    /** How long a new worker takes to be ready; the forecast horizon covers it. */
    startupDelay: duration.default(0),
    scaleDownStabilization: duration.default(60_000),
    cooldown: duration.default(5000),
    maxStep: z.number().int().min(1).default(4),
    /** A forecast or metric older than this is stale. */
    staleAfter: duration.default(10_000),
    fallback: fallbackSchema.default('hold'),
  })
  .refine((g) => g.min <= g.max, { message: 'expected min <= max', path: ['min'] });

export const goalSchema = z.discriminatedUnion('kind', [autoscaleGoalSchema]);

export type GoalConfig = z.infer<typeof goalSchema>;
export type AutoscaleGoalConfig = z.infer<typeof autoscaleGoalSchema>;
export type FallbackConfig = z.infer<typeof fallbackSchema>;
