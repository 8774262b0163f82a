import { AwoError, injectHeaders, jobData, PlanStore, type StepConfig, type RedisClient } from '@awo/shared';
import { entrySteps, recordBytes, recordId, recordJobId, recordJobOptions, stepConfig, stepQueue } from '@awo/workflow';
import { Queue } from 'bullmq';
import type { ApiDeps } from './context.js';
import { badRequest } from './errors.js';

export interface Accepted {
  id: string;
  /** The record was already in the workflow (its key seen within workflow.dedupeWindow): not added again. */
  duplicate: boolean;
}

/**
 * Adds records to the workflow's entry steps as BullMQ jobs `{ id, record }` under the job id
 * (record, step), the same way any producer may: the runner enters them on the current plan.
 * A record's id is its key field (`workflow.schema.key`), so posting it again adds nothing.
 */
export class RecordIntake {
  readonly #queues = new Map<string, Queue>();
  readonly #store: PlanStore;
  #connection: RedisClient | undefined;

  constructor(private readonly deps: ApiDeps) {
    this.#store = new PlanStore(deps.redis, deps.keys, deps.config);
  }

  /** Whether records posted are idempotent (the schema names a key). */
  get idempotent(): boolean {
    return this.deps.config.workflow.schema?.key !== undefined;
  }

  #queue(step: string, config: StepConfig): Queue {
    let q = this.#queues.get(step);
    if (!q) {
      this.#connection ??= this.deps.connect('intake', { blocking: true });
      q = new Queue(stepQueue(step, config), { connection: this.#connection, prefix: this.deps.keys.queuePrefix(stepQueue(step, config)) });
      q.on('error', (err) => this.deps.log.warn({ err: err.message, step }, 'intake queue error'));
      this.#queues.set(step, q);
    }
    return q;
  }

  async submit(records: readonly Record<string, unknown>[]): Promise<Accepted[]> {
    const workflow = this.deps.config.workflow;
    const key = workflow.schema?.key;
    records.forEach((record, i) => {
      if (key !== undefined) {
        const v = record[key];
        const ok = (typeof v === 'string' && v.length > 0 && v.length <= 256) || (typeof v === 'number' && Number.isFinite(v));
        if (!ok) throw badRequest(`body.records[${i}].${key}`, `expected the record's key (workflow.schema.key "${key}"): a string of 1-256 characters or a finite number`);
      }
      const bytes = recordBytes(record, workflow.maxRecordBytes);
      if (bytes !== undefined) throw badRequest(`body.records[${i}]`, `record is ${bytes} bytes of JSON, more than workflow.maxRecordBytes (${workflow.maxRecordBytes})`);
    });
    const plan = await this.#store.current();
    const entries = entrySteps(plan, workflow).flatMap((s) => {
      const config = stepConfig(workflow, s);
      return config ? [[s, config] as const] : [];
    });
    if (entries.length === 0) throw new AwoError('AWO_API_CONFLICT', `plan v${plan.version} has no entry step with a handler: records cannot enter`);
    const ids = records.map((r) => recordId(r, workflow.schema));
    const seen = new Set<string>();
    const out: Accepted[] = [];
    for (const [i, id] of ids.entries()) {
      // In the workflow already: counted in by the runner (a once-mark), or its entry job exists.
      const marked = (await this.deps.redis.exists(this.deps.keys.workflowOnce('in', id))) === 1;
      let duplicate = marked || seen.has(id);
      for (const [step, config] of entries) {
        const queue = this.#queue(step, config);
        const jobId = recordJobId(id, step);
        if (!duplicate && (await queue.getJob(jobId))) duplicate = true;
        if (duplicate) continue;
        await queue.add(step, jobData('record', { id, record: records[i], trace: injectHeaders() }, jobId), recordJobOptions(jobId, config, workflow));
      }
      seen.add(id);
      out.push({ id, duplicate });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
    const conn = this.#connection;
    this.#connection = undefined;
    await conn?.quit().catch(() => conn.disconnect());
  }
}
