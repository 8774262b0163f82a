import { randomUUID } from 'node:crypto';
import type { QualitySpec } from '@awo/shared';
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
