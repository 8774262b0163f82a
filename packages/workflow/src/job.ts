import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { QualitySpec } from '@awo/shared';
import { encodePart } from '@awo/shared';

/**
 * A record on its way through the workflow (a BullMQ job's data). `version` is the plan version
 * the record entered with; a job added without one (by any producer, to an entry step's queue)
 * gets the current version at its first step.
 */
export const recordJobSchema = z.strictObject({
  id: z.string().min(1).max(256),
  record: z.unknown(),
  version: z.number().int().nonnegative().optional(),
  trace: z.strictObject({ traceparent: z.string().max(128).optional(), tracestate: z.string().max(512).optional() }).default({}),
  /** Why the step before refused the record (for the `onFail` step). */
  reason: z.string().max(2048).optional(),
  /** When the record entered (epoch ms). */
  entered: z.number().int().nonnegative().optional(),
});
export type RecordJob = z.infer<typeof recordJobSchema>;

/** The BullMQ job id of a record at a step: the same record at the same step is one job. */
export function recordJobId(id: string, step: string): string {
  return `r.${encodePart(id)}.${encodePart(step)}`;
}

/** A record's id: its key field (a string or a finite number) when the schema names one, else a new UUID. */
export function recordId(record: unknown, schema: QualitySpec | undefined): string {
  const key = schema?.key;
  if (key !== undefined && typeof record === 'object' && record !== null && Object.hasOwn(record, key)) {
    const v = (record as Record<string, unknown>)[key];
    if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return randomUUID();
}
