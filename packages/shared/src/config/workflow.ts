import { z } from 'zod';
import { duration, name } from './fields.js';

/** Handlers built into the workflow runner (a step may instead name a module path). */
export const BUILTIN_HANDLERS = ['pass', 'validate', 'strict-validation', 'enrich', 'sink'] as const;
export type BuiltinHandler = (typeof BUILTIN_HANDLERS)[number];

/**
 * A step's handler: a built-in (`pass`, `validate` — a JSON object with its key, `strict-validation`
 * — every rule of `workflow.schema`, `enrich`, `sink` — the end of a route, written once to the
 * stream `wf.<step>`), or an absolute path to a module whose default export handles a record.
 */
export const handlerSchema = z.union([z.enum(BUILTIN_HANDLERS), z.string().regex(/^\//, 'expected a built-in handler or an absolute module path')]);

export const stepSchema = z.strictObject({
  /** The BullMQ queue that carries the step's work (default `wf.<step>` for steps with a handler). */
  queue: z.string().optional(),
  after: z.array(name).default([]),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  /** Which configured action applies a change of each parameter, e.g. `{ concurrency: scale-work }`. */
  apply: z.record(z.string(), name).default({}),
  /** Present on steps that records run through; absent on steps that only hold parameters. */
  handler: handlerSchema.optional(),
  /** Handlers by the value of the `variant` parameter, e.g. `{ strict: strict-validation }`. */
  variants: z.record(z.string(), handlerSchema).default({}),
  /** The step that receives the records this step's handler refuses (e.g. a quarantine sink). */
  onFail: name.optional(),
  /** Tries per record before it is kept as failed, and the first retry delay (doubling). */
  attempts: z.number().int().min(1).default(3),
  backoff: duration.default(500),
  /** A handler call that takes longer fails this attempt (AWO_TIMEOUT, retried) and its signal aborts. */
  timeout: duration.default(30_000),
});

/** The record contract of the workflow: what strict validation and the `records` source check. */
export const recordSchemaSchema = z.strictObject({
  fields: z.record(
    z.string().min(1).max(100),
    z.strictObject({
      type: z.enum(['number', 'string', 'boolean']),
      required: z.boolean().default(false),
      min: z.number().optional(),
      max: z.number().optional(),
    }),
  ),
  /** The field that identifies a record (duplicates, effectively-once sinks). */
  key: z.string().min(1).optional(),
  /** The field holding when a record was produced (epoch ms or ISO 8601), for freshness. */
  timestampField: z.string().min(1).optional(),
});

export const workflowSchema = z.strictObject({
  /** The workflow's name in the API (`POST /api/v1/workflows/{name}/records`). */
  name: name.default('default'),
  steps: z.record(name, stepSchema).default({}),
  /** Steps the planner may insert (by a goal's reroute); not part of the workflow until then. */
  extraSteps: z.record(name, stepSchema).default({}),
  schema: recordSchemaSchema.optional(),
  /** A record's route and sink writes are deduplicated for this long (BullMQ job ids, sink keys). */
  dedupeWindow: duration.default(3_600_000),
  /** Sink streams are trimmed to about this many entries. */
  sinkMaxLen: z.number().int().min(100).default(100_000),
  /** The largest record (its JSON, in bytes) the workflow takes: a larger one is refused with its size. */
  maxRecordBytes: z.number().int().min(64).max(64 * 1024 * 1024).default(256 * 1024),
  /**
   * Records that failed every attempt stay in their step's failed set (to retry or inspect) this
   * long, and at most this many per step; each was logged and counted (`wf:counts` `failed`).
   */
  failedRetention: z.strictObject({ age: duration.default(7 * 86_400_000), count: z.number().int().min(1).default(10_000) }).prefault({}),
  /**
   * Records of runs: each record's journey (every step's attempts, start, end, outcome, with its
   * route and plan version) is kept, the newest `maxCount` for at most `maxAge`, and per-step
   * latency and worker time are added up (`awo runs`, `GET /api/v1/runs`).
   */
  runs: z.strictObject({ enabled: z.boolean().default(true), maxCount: z.number().int().min(1).max(1_000_000).default(10_000), maxAge: duration.default(86_400_000) }).prefault({}),
});

export type StepConfig = z.infer<typeof stepSchema>;
export type WorkflowConfig = z.infer<typeof workflowSchema>;
export type RecordSchemaConfig = z.infer<typeof recordSchemaSchema>;
export type HandlerName = z.infer<typeof handlerSchema>;
