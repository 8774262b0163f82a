import { z } from 'zod';

/**
 * What the page reads from the API, checked before use (the answers are untrusted like any
 * HTTP input). Objects are not strict: the API may add fields; the page checks what it uses.
 */
const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const names = z.array(z.string()).max(256);

export const changeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), step: z.string(), param: z.string(), from: paramValue.nullable(), to: paramValue }),
  z.object({ op: z.literal('add-step'), step: z.string(), after: names, queue: z.string().optional() }),
  z.object({ op: z.literal('remove-step'), step: z.string() }),
  z.object({ op: z.literal('link'), step: z.string(), from: names, to: names }),
]);

/** An operator's pin, as the plan holds it (keyed by the override's id). */
export const pinSchema = z.object({ step: z.string(), param: z.string(), value: paramValue, until: z.number().optional(), reason: z.string().optional(), by: z.string().optional(), at: z.number() });

export const planSchema = z.object({
  version: z.number().int().nonnegative(),
  steps: z.record(z.string(), z.object({ queue: z.string().optional(), after: names.default([]), params: z.record(z.string(), paramValue).default({}) })),
  pins: z.record(z.string(), pinSchema).optional(),
});

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item).max(10_000), nextCursor: z.string().nullable().optional() });

/** A revision as `GET /plan/revisions` lists it. */
export const revisionSchema = z.object({
  version: z.number().int().positive(),
  parentVersion: z.number().int().nonnegative(),
  changes: z.array(changeSchema).max(256),
  diff: z.array(z.string()).max(256),
  goal: z.string(),
  reason: z.string(),
  at: z.number(),
  leader: z.string(),
  traceId: z.string().optional(),
  signed: z.boolean(),
});
export const revisionsSchema = page(revisionSchema);

/** `GET /plan/revisions/{version}`: the revision, its diff and why it was written (`awo explain`). */
export const revisionDetailSchema = z.object({
  revision: z.object({ version: z.number(), reason: z.string() }),
  diff: z.array(z.string()).max(256),
  explain: z.object({ text: z.array(z.string()).max(1000) }),
});

/** An override (pin) as the API lists it (the steering record: its status says where it is). */
export const overrideSchema = z.object({
  id: z.string(),
  step: z.string(),
  param: z.string(),
  value: paramValue,
  until: z.number().optional(),
  reason: z.string().optional(),
  by: z.string().optional(),
  at: z.number(),
  status: z.string(),
  version: z.number().optional(),
  error: z.string().optional(),
});

export const overridesSchema = page(overrideSchema);

export const currentPlanSchema = z.object({ plan: planSchema, revision: revisionSchema.nullable() });

/** A proposal: changes a goal in `mode: propose` asks for; `open` until approved, rejected or expired. */
export const proposalSchema = z.object({
  id: z.string(),
  goal: z.string(),
  status: z.string(),
  baseVersion: z.number(),
  changes: z.array(changeSchema).max(256),
  reason: z.string(),
  at: z.number(),
  expiresAt: z.number(),
  decidedBy: z.string().optional(),
  note: z.string().optional(),
  version: z.number().optional(),
});
export const proposalsSchema = page(proposalSchema);

export const forecastSchema = z.object({ ts: z.number(), value: z.number(), lower: z.number(), upper: z.number(), horizonMs: z.number(), model: z.string() });
export const seriesSchema = z.object({
  name: z.string(),
  points: z.array(z.object({ ts: z.number(), value: z.number() })).max(100_000),
  forecast: forecastSchema.nullable(),
});
export const seriesListSchema = page(z.object({ name: z.string(), value: z.number(), ts: z.number() }));

const actionMessage = z.object({ id: z.string(), action: z.string(), step: z.string(), param: z.string(), value: paramValue, version: z.number(), at: z.number() });
const resultMessage = z.object({ ok: z.boolean(), error: z.string().optional(), attempts: z.number(), durationMs: z.number(), at: z.number() });
/** `GET /actions`: each action with its newest result (null: none yet). */
export const actionsSchema = page(z.object({ action: actionMessage, result: resultMessage.nullable(), traceId: z.string().optional() }));

const attrs = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export interface TraceNode {
  spanId: string;
  service: string;
  name: string;
  kind?: string | undefined;
  startMs: number;
  durationMs: number;
  status?: string | undefined;
  error?: string | undefined;
  attributes: Record<string, string | number | boolean>;
  children: TraceNode[];
}

/** One span of the trace tree (`awo trace` as JSON), its children under it; links are not drawn. */
export const traceNodeSchema: z.ZodType<TraceNode> = z.lazy(() =>
  z.object({
    spanId: z.string(),
    service: z.string(),
    name: z.string(),
    kind: z.string().optional(),
    startMs: z.number(),
    durationMs: z.number(),
    status: z.string().optional(),
    error: z.string().optional(),
    attributes: attrs.default({}),
    children: z.array(traceNodeSchema).max(10_000).default([]),
  }),
);
export const traceSchema = z.object({ traceId: z.string(), spans: z.number(), services: z.array(z.string()).max(100), roots: z.array(traceNodeSchema).max(10_000) });

export const goalSchema = z.object({
  kind: z.string(),
  name: z.string(),
  step: z.string().optional(),
  param: z.string().optional(),
  metric: z.string().optional(),
  target: z.number().optional(),
  arrivalSeries: z.string().optional(),
  activeSeries: z.string().optional(),
  mode: z.string().optional(),
  limits: z.record(z.string(), z.number()).optional(),
});
export const goalsSchema = z.object({ goals: z.array(goalSchema).max(1000) });

export const okSchema = z.unknown();

export type Plan = z.infer<typeof planSchema>;
export type Revision = z.infer<typeof revisionSchema>;
export type RevisionDetail = z.infer<typeof revisionDetailSchema>;
export type Override = z.infer<typeof overrideSchema>;
export type Pin = z.infer<typeof pinSchema>;
export type CurrentPlan = z.infer<typeof currentPlanSchema>;
export type Proposal = z.infer<typeof proposalSchema>;
export type Series = z.infer<typeof seriesSchema>;
export type Forecast = z.infer<typeof forecastSchema>;
export type ActionItem = z.infer<typeof actionsSchema>['items'][number];
export type Trace = z.infer<typeof traceSchema>;
export type Goal = z.infer<typeof goalSchema>;
