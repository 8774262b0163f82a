import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { QualitySpec, StepConfig, WorkflowConfig } from '@awo/shared';
import { encodePart } from '@awo/shared';

/** A record on its way through the workflow (its schema lives in the shared job catalog). */
export { recordJobSchema, type RecordJob } from '@awo/shared';

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

/**
 * The BullMQ options of a record's job at a step: its id, the step's retries and backoff, kept
 * for the dedupe window once done (so the same record is not added twice), and for
 * workflow.failedRetention when it failed every attempt (to retry or inspect; it was logged and
 * counted when it failed).
 */
export function recordJobOptions(jobId: string, config: StepConfig, workflow: WorkflowConfig): JobsOptions {
  return {
    jobId,
    attempts: config.attempts,
    backoff: { type: 'exponential', delay: config.backoff },
    removeOnComplete: { age: Math.ceil(workflow.dedupeWindow / 1000) },
    removeOnFail: { age: Math.ceil(workflow.failedRetention.age / 1000), count: workflow.failedRetention.count },
  };
}
