import { z } from 'zod';
import { AwoError } from '../errors.js';
import { actionSchema } from './messages.js';
import { QUEUES } from './streams.js';

/** The producer's trace context, carried in a job's data. */
const jobTraceSchema = z.strictObject({ traceparent: z.string().max(128).optional(), tracestate: z.string().max(512).optional() }).default({});

/** An action job's data (queue `QUEUES.actions`): the `Action`, the producer's trace context, and the enqueuer's nonce. */
export const actionJobSchema = z.strictObject({
  action: actionSchema,
  trace: jobTraceSchema,
  /** Set by whoever added the job, so it can tell whether its add created the job. */
  nonce: z.string().max(64).optional(),
});
export type ActionJob = z.infer<typeof actionJobSchema>;

/**
 * A record on its way through the workflow (a record job's data, on a step's queue). `version` is
 * the plan version the record entered with; a job added without one (by any producer, to an entry
 * step's queue) gets the current version at its first step.
 */
export const recordJobSchema = z.strictObject({
  id: z.string().min(1).max(256),
  record: z.unknown(),
  version: z.number().int().nonnegative().optional(),
  trace: jobTraceSchema,
  /** Why the step before refused the record (for the `onFail` step). */
  reason: z.string().max(2048).optional(),
  /** When the record entered (epoch ms). */
  entered: z.number().int().nonnegative().optional(),
});
export type RecordJob = z.infer<typeof recordJobSchema>;

/** Which schema each kind of BullMQ job carries (the queues are in `QUEUES`). */
export const JOB_CATALOG = {
  /** Jobs of `QUEUES.actions`. */
  action: { schema: actionJobSchema, what: 'an action job', queue: QUEUES.actions },
  /** Jobs of a workflow step's queue (`QUEUES.step(step)` or the step's own `queue`). */
  record: { schema: recordJobSchema, what: 'a workflow record job', queue: QUEUES.step('<step>') },
} as const;
export type JobKind = keyof typeof JOB_CATALOG;
export type JobOf<K extends JobKind> = z.infer<(typeof JOB_CATALOG)[K]['schema']>;

/**
 * A job's data checked against its schema: the parsed data, or an `AWO_MESSAGE_INVALID` error
 * (not retryable) that names the job and the first issues. Consumers turn the error into one
 * BullMQ does not retry; producers throw it before adding.
 */
export function parseJob<K extends JobKind>(kind: K, data: unknown, jobId?: string): { ok: true; data: JobOf<K> } | { ok: false; error: AwoError } {
  const { schema, what } = JOB_CATALOG[kind];
  const parsed = (schema as unknown as z.ZodType<JobOf<K>>).safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { ok: false, error: new AwoError('AWO_MESSAGE_INVALID', `job ${jobId ?? '(new)'} is not ${what}: ${issues.join('; ')}`) };
}

/** A job's data to add, checked against its schema first; throws `AWO_MESSAGE_INVALID` when it does not fit. */
export function jobData<K extends JobKind>(kind: K, data: JobOf<K>, jobId?: string): JobOf<K> {
  const parsed = parseJob(kind, data, jobId);
  if (!parsed.ok) throw parsed.error;
  return parsed.data;
}
