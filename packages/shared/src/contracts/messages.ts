import { z } from 'zod';
import type { StreamName } from './streams.js';

/**
 * One zod schema per message type; TypeScript types are inferred from them. Every message has
 * a schema version `v`. Objects are strict: an unknown field is a contract breach, not data.
 * Strings and arrays are bounded so that a hostile writer cannot make an agent hold huge values.
 */
const text = (max = 256) => z.string().min(1).max(max);
const labels = z.record(z.string().max(128), z.string().max(512)).refine((l) => Object.keys(l).length <= 32, 'expected at most 32 labels');
const ts = z.number().int().nonnegative();
const ids = z.array(text(64)).max(256);

export const metricSchema = z.strictObject({
  v: z.literal(1),
  series: text(),
  value: z.number(),
  unit: z.string().max(32).optional(),
  ts,
  source: text(128),
  labels: labels.default({}),
});

const insightBase = {
  v: z.literal(1),
  id: text(64),
  series: text(),
  ts,
  /** Stream ids of the metrics behind this insight (the most recent ones, bounded). */
  metricIds: ids.default([]),
};

export const forecastInsightSchema = z.strictObject({
  ...insightBase,
  kind: z.literal('forecast'),
  model: text(64),
  value: z.number(),
  lower: z.number(),
  upper: z.number(),
  horizonMs: z.number().nonnegative(),
  /** The last observed value, so readers can compare. */
  observed: z.number(),
  /** Rolling backtest error of the chosen model on this series (mean absolute error). */
  error: z.number().nonnegative().optional(),
});

export const anomalyInsightSchema = z.strictObject({
  ...insightBase,
  kind: z.literal('anomaly'),
  method: text(64),
  value: z.number(),
  score: z.number().min(0).max(1),
  threshold: z.number(),
  anomalous: z.boolean(),
});

export const dataQualityInsightSchema = z.strictObject({
  ...insightBase,
  kind: z.literal('data-quality'),
  check: text(64),
  value: z.number(),
  limit: z.number(),
  violated: z.boolean(),
  detail: z.string().max(1024).optional(),
});

export const insightSchema = z.discriminatedUnion('kind', [forecastInsightSchema, anomalyInsightSchema, dataQualityInsightSchema]);

const paramValue = z.union([z.number(), z.string().max(256), z.boolean()]);
/** A plan step parameter's value. */
export const paramValueSchema = paramValue;

export const planStepSchema = z.strictObject({
  queue: z.string().max(256).optional(),
  after: z.array(text(100)).max(64).default([]),
  params: z.record(z.string().max(64), paramValue).default({}),
});

/** A plan lineage's random id (see `plan/epoch.ts`); absent on plans written before epochs. */
const epoch = z.string().regex(/^[0-9a-f]{8,32}$/);

/**
 * An operator's pin in a plan: `step.param` is held at `value` (until `until`, epoch ms, when
 * given); the planner's goals never change a pinned parameter. Keyed by the override's id.
 */
export const planPinSchema = z.strictObject({
  step: text(100),
  param: text(64),
  value: paramValue,
  until: ts.optional(),
  reason: z.string().max(512).optional(),
  by: z.string().max(128).optional(),
  /** When the override was requested (epoch ms). */
  at: ts,
});

export const planSchema = z.strictObject({
  epoch: epoch.optional(),
  version: z.number().int().nonnegative(),
  steps: z.record(text(100), planStepSchema).refine((s) => Object.keys(s).length <= 256, 'expected at most 256 steps'),
  /** Override id → the pin it holds (absent: nothing pinned). */
  pins: z.record(text(64), planPinSchema).refine((p) => Object.keys(p).length <= 256, 'expected at most 256 pins').optional(),
});

export const changeSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('set'), step: text(100), param: text(64), from: paramValue.nullable(), to: paramValue }),
  /** A new step with its dependencies (and its queue, when it has one); its params follow as `set`s. */
  z.strictObject({ op: z.literal('add-step'), step: text(100), after: z.array(text(100)).max(64), queue: z.string().max(256).optional() }),
  /** Removes a step; the edges to it go with it. */
  z.strictObject({ op: z.literal('remove-step'), step: text(100) }),
  /** Re-links an existing step: its `after` list becomes `to` (it was `from` in the parent plan). */
  z.strictObject({ op: z.literal('link'), step: text(100), from: z.array(text(100)).max(64), to: z.array(text(100)).max(64) }),
]);

export const planRevisionSchema = z.strictObject({
  v: z.literal(1),
  version: z.number().int().positive(),
  parentVersion: z.number().int().nonnegative(),
  plan: planSchema,
  changes: z.array(changeSchema).max(256),
  goal: text(100),
  reason: z.string().max(2048),
  insightIds: ids,
  at: ts,
  leader: text(128),
  trace: z.strictObject({ traceId: z.string().regex(/^[0-9a-f]{32}$/), spanId: z.string().regex(/^[0-9a-f]{16}$/) }).optional(),
  /** HMAC-SHA256 over the revision without `sig`, when signing is configured. */
  sig: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const actionSchema = z.strictObject({
  v: z.literal(1),
  /** BullMQ job id: derived from (plan epoch, plan version, action key), so a duplicate never acts twice. */
  id: text(200),
  key: text(200),
  epoch: epoch.optional(),
  version: z.number().int().positive(),
  action: text(100),
  kind: text(64),
  step: text(100),
  param: text(64),
  value: paramValue,
  from: paramValue.nullable(),
  at: ts,
});

export const actionResultSchema = z.strictObject({
  v: z.literal(1),
  id: text(200),
  epoch: epoch.optional(),
  version: z.number().int().positive(),
  action: text(100),
  step: text(100),
  param: text(64),
  value: paramValue,
  ok: z.boolean(),
  error: z.string().max(2048).optional(),
  output: z.string().max(4096).optional(),
  attempts: z.number().int().positive(),
  durationMs: z.number().nonnegative(),
  at: ts,
});

export const deadLetterSchema = z.strictObject({
  v: z.literal(1),
  stream: text(),
  id: text(64),
  group: z.string().max(128).optional(),
  code: text(64),
  reason: z.string().max(4096),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).max(64).default([]),
  deliveries: z.number().int().nonnegative().optional(),
  /** The entry as it was, field by field (each value cut to 8 KiB). */
  raw: z.record(z.string(), z.string()),
  at: ts,
});

/** Which schema each stream carries. */
export const CATALOG = {
  metrics: metricSchema,
  insights: insightSchema,
  revisions: planRevisionSchema,
  actions: actionSchema,
  results: actionResultSchema,
  deadletter: deadLetterSchema,
} as const satisfies Record<StreamName, z.ZodType>;

export type Catalog = typeof CATALOG;
export type MessageOf<S extends StreamName> = z.infer<Catalog[S]>;
export type MessageInput<S extends StreamName> = z.input<Catalog[S]>;

export type Metric = z.infer<typeof metricSchema>;
export type Insight = z.infer<typeof insightSchema>;
export type ForecastInsight = z.infer<typeof forecastInsightSchema>;
export type AnomalyInsight = z.infer<typeof anomalyInsightSchema>;
export type DataQualityInsight = z.infer<typeof dataQualityInsightSchema>;
export type Plan = z.infer<typeof planSchema>;
export type PlanStep = z.infer<typeof planStepSchema>;
export type PlanPin = z.infer<typeof planPinSchema>;
export type Change = z.infer<typeof changeSchema>;
export type ParamValue = z.infer<typeof paramValue>;
export type PlanRevision = z.infer<typeof planRevisionSchema>;
export type Action = z.infer<typeof actionSchema>;
export type ActionResult = z.infer<typeof actionResultSchema>;
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** The keys a metric may have ({@link metricSchema}'s shape, in its order). */
const METRIC_KEYS = new Set(['v', 'series', 'value', 'unit', 'ts', 'source', 'labels']);

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
const isText = (x: unknown, max: number): x is string => typeof x === 'string' && x.length >= 1 && x.length <= max;

/**
 * The common well-formed metric, checked by hand: what {@link metricSchema} returns for it, or
 * undefined when the input is not plainly well-formed (then the schema decides and says why).
 * It accepts only what the schema accepts and returns the same value (its keys in the schema's
 * order, `labels` default `{}`), with a fraction of the schema's allocations: metrics are every
 * agent's hottest stream.
 */
export function quickMetric(x: unknown): Metric | undefined {
  if (!isPlainObject(x)) return undefined;
  for (const k in x) if (!METRIC_KEYS.has(k)) return undefined;
  const { v, series, value, unit, ts, source, labels } = x;
  if (v !== 1 || !isText(series, 256) || typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0 || !isText(source, 128)) return undefined;
  if ('unit' in x && (typeof unit !== 'string' || unit.length > 32)) return undefined;
  let out: Record<string, string> = {};
  if (labels !== undefined) {
    if (!isPlainObject(labels)) return undefined;
    let n = 0;
    for (const k in labels) {
      const l = labels[k];
      // "__proto__" is a key the schema does not copy: leave that to it.
      if (++n > 32 || k.length > 128 || typeof l !== 'string' || l.length > 512 || k === '__proto__') return undefined;
    }
    // Only own string-valued keys were seen (JSON.parse makes nothing else): the object is the labels.
    out = labels as Record<string, string>;
  }
  return typeof unit === 'string' ? { v, series, value, unit, ts, source, labels: out } : { v, series, value, ts, source, labels: out };
}

/** Hand-written checks of the hottest streams, tried before their schema (see {@link quickMetric}). */
export const QUICK_PARSE: { readonly [S in StreamName]?: (x: unknown) => MessageOf<S> | undefined } = { metrics: quickMetric };
