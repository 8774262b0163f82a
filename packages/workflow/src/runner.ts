import { ROOT_CONTEXT, SpanKind, type Span } from '@opentelemetry/api';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import {
  ATTR,
  errorMessage,
  extractContext,
  injectHeaders,
  inSpan,
  AwoError,
  isAwoError,
  jobData,
  parseJob,
  MESSAGING_SYSTEM_BULLMQ,
  runScript,
  spanName,
  type AgentDeps,
  type ExecutorConfig,
  type Plan,
  type PlanReader,
  TAP_RECORD_FIELD,
  type StepConfig, type RedisClient } from '@awo/shared';
import { within } from '@awo/shared';
import { loadHandler, type HandlerResult } from './handlers.js';
import { recordId, recordJobId, recordJobOptions, type RecordJob } from './job.js';
import { PlanVersions } from './plans.js';
import { entrySteps, handlerOf, routeAfter, runnableSteps, stepConfig, stepQueue, type Route } from './route.js';
import { planRoute, RunLog, type Attempt, type RecordAttempt } from './runs.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
/** Tapped records kept per step for the `records` source. */
const TAP_MAXLEN = 10_000;
/** Concurrency of a step whose plan says nothing. */
const DEFAULT_CONCURRENCY = 8;

/** Record counts of this process (the workflow-wide ones are in the `workflowCounts` hash). */
export interface WorkflowCounters {
  entered: number;
  processed: number;
  refused: number;
  ended: number;
  failed: number;
  /** Attempts that could not be kept in their run (Redis refused the write). */
  runsUnrecorded: number;
}

/**
 * Runs records through the workflow: one BullMQ queue and worker per step with a handler (of
 * `workflow.steps` and `workflow.extraSteps`). A record carries the plan version it entered with
 * and finishes on that version's route, whatever plan comes later. After its handler, a step adds
 * the record to each next step's queue under the job id (record, step), so a retried step never
 * makes a second job; a step several steps lead to waits for all of them (a join in Redis). Where
 * a route ends, the record is counted (and a `sink` writes it to its stream) once per record, by
 * a Lua script keyed by the record. A refused record goes to the step's `onFail` step when its
 * plan has it, else it is kept as rejected. Records entering a tapped step (one a `records`
 * source measures) are copied to the tap stream.
 */
export class WorkflowRunner {
  readonly counters: WorkflowCounters = { entered: 0, processed: 0, refused: 0, ended: 0, failed: 0, runsUnrecorded: 0 };
  readonly #steps: [string, StepConfig][];
  readonly #plans: PlanVersions;
  readonly #queues = new Map<string, Queue>();
  readonly #workers = new Map<string, Worker>();
  readonly #taps: Map<string, number>;
  /** Records of runs (absent when workflow.runs.enabled is false). */
  readonly #runs: RunLog | undefined;
  #connection: RedisClient | undefined;

  constructor(
    private readonly deps: AgentDeps<ExecutorConfig>,
    plans: PlanReader,
  ) {
    const { workflow, taps } = deps.config;
    this.#steps = runnableSteps(workflow);
    this.#plans = new PlanVersions(plans, workflow);
    this.#taps = new Map(Object.entries(taps));
    this.#runs = workflow.runs.enabled ? new RunLog(deps.redis, deps.keys, workflow.runs) : undefined;
  }

  /** Whether the workflow has any step that records run through. */
  get enabled(): boolean {
    return this.#steps.length > 0;
  }

  async start(): Promise<void> {
    if (!this.enabled) return;
    this.#connection = this.deps.connect('workflow', { blocking: true });
    const connection = this.#connection;
    const plan = await this.#plans.get(await this.#plans.currentVersion());
    for (const [step, config] of this.#steps) {
      const name = stepQueue(step, config);
      const base = { connection, prefix: this.deps.keys.queuePrefix(name) };
      const queue = new Queue(name, base);
      queue.on('error', (err) => this.deps.log.warn({ err: errorMessage(err), step }, 'workflow queue error'));
      this.#queues.set(step, queue);
      const worker = new Worker(name, (job: Job) => this.#process(step, config, job), { ...base, concurrency: concurrencyOf(plan, step, config), autorun: false, name: this.deps.instance });
      worker.on('error', (err) => this.deps.log.warn({ err: errorMessage(err), step }, 'workflow worker error'));
      worker.on('failed', (job, err) => void this.#onFailed(step, config, job, err).catch((e: unknown) => this.deps.log.warn({ err: errorMessage(e), step }, 'could not count a failed record')));
      this.#workers.set(step, worker);
    }
    await Promise.all([...this.#queues.values(), ...this.#workers.values()].map((q) => q.waitUntilReady()));
    for (const [step, worker] of this.#workers) {
      worker.run().catch((err: unknown) => this.deps.log.error({ err: errorMessage(err), step }, 'workflow worker stopped'));
    }
  }

  /** Follows the newest plan's step concurrency (a record's route is still its own version's). */
  applyPlan(plan: Plan): void {
    for (const [step, config] of this.#steps) {
      const worker = this.#workers.get(step);
      if (worker) worker.concurrency = concurrencyOf(plan, step, config);
    }
  }

  /**
   * Adds records to the workflow on the current plan version, at its entry steps. A record's id is
   * its key field (workflow.schema.key) or a new UUID; a record id already in the workflow is not
   * added twice (within the dedupe window). Returns the ids.
   */
  async submit(records: readonly unknown[]): Promise<string[]> {
    const version = await this.#plans.currentVersion();
    const plan = await this.#plans.get(version);
    const entries = entrySteps(plan, this.deps.config.workflow);
    const schema = this.deps.config.workflow.schema;
    records.forEach((record, i) => {
      const bytes = recordBytes(record, this.deps.config.workflow.maxRecordBytes);
      if (bytes !== undefined) throw new AwoError('AWO_MESSAGE_INVALID', `record ${i} is ${bytes} bytes of JSON, more than workflow.maxRecordBytes (${this.deps.config.workflow.maxRecordBytes}); nothing of this batch was added`);
    });
    const ids: string[] = [];
    const byStep = new Map<string, { name: string; data: RecordJob; opts: JobsOptions }[]>();
    const entered = Date.now();
    await inSpan(this.deps.tracer, spanName('publish', 'workflow'), { kind: SpanKind.PRODUCER, attributes: { [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_BULLMQ, [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: records.length } }, async () => {
      const trace = injectHeaders();
      ids.push(...records.map((record) => recordId(record, schema)));
      records.forEach((record, i) => {
        const id = ids[i] as string;
        for (const step of entries) {
          const config = stepConfig(this.deps.config.workflow, step) as StepConfig;
          const list = byStep.get(step) ?? [];
          list.push({ name: step, data: jobData('record', { id, record, version, trace, entered }, recordJobId(id, step)), opts: this.#jobOptions(id, step, config) });
          byStep.set(step, list);
        }
      });
      // Queued first, counted after: a crash in between leaves a record that runs without being
      // counted in (visible as out > in), never one counted in that never runs. A record already
      // in the workflow is not queued again (its job id exists) nor counted again.
      for (const [step, jobs] of byStep) await (this.#queues.get(step) as Queue).addBulk(jobs);
      await Promise.all(ids.map((id) => this.#once('in', id, 0, [])));
    });
    this.counters.entered += ids.length;
    return ids;
  }

  async #process(step: string, config: StepConfig, job: Job): Promise<void> {
    const parsed = parseJob('record', job.data, job.id);
    if (!parsed.ok) throw new UnrecoverableError(`${parsed.error.code}: ${parsed.error.message}`);
    const data = parsed.data;
    const parent = extractContext(data.trace, ROOT_CONTEXT);
    const attributes = { [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_BULLMQ, [ATTR.MESSAGING_DESTINATION_NAME]: stepQueue(step, config), [ATTR.MESSAGING_OPERATION_TYPE]: 'process', [ATTR.MESSAGING_MESSAGE_ID]: job.id ?? '', 'awo.step': step };
    await inSpan(this.deps.tracer, spanName('process', stepQueue(step, config)), { kind: SpanKind.CONSUMER, attributes }, async (span) => {
      const start = Date.now();
      let plan: Plan | undefined;
      const record = (outcome: Attempt['outcome'], extra: Partial<Attempt>, status?: RecordAttempt['status']) =>
        this.#recordAttempt(step, job, data, plan, span, { step, attempt: job.attemptsMade + 1, queuedAt: job.timestamp, start, end: Date.now(), outcome, ...extra }, status);
      try {
        const route = await this.#run(step, config, job, data, span, (p) => (plan = p));
        await record(route.passed ? 'passed' : 'refused', { next: route.next.map((n) => n.step) }, route.terminal ? (route.passed ? 'completed' : 'rejected') : undefined);
      } catch (err) {
        const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= config.attempts;
        await record('error', { error: errorMessage(err).slice(0, 1024), ...(final ? { final } : {}) }, final ? 'failed' : undefined);
        throw err;
      }
    }, parent);
  }

  /** One attempt of a record at a step: its handler, then on along its plan's route. */
  async #run(step: string, config: StepConfig, job: Job, data: RecordJob, span: Span, planned: (plan: Plan) => void): Promise<Route & { passed: boolean }> {
    if (data.version === undefined) {
      // Added by another producer: it enters now, on the current plan, kept in the job so a
      // retry follows the same route.
      data.version = await this.#plans.currentVersion();
      data.entered ??= Date.now();
      await job.updateData(data);
      await this.#once('in', data.id, 0, []);
    }
    span.setAttribute('awo.plan.version', data.version);
    const plan = await this.#plans.get(data.version).catch((err: unknown) => {
      // A plan that does not exist, is gone or is refused will not come back: no retries.
      throw isAwoError(err, 'AWO_PLAN_CONFLICT') || isAwoError(err, 'AWO_SIGNATURE_INVALID') ? new UnrecoverableError(`${err.code}: ${err.message}`) : err;
    });
    planned(plan);
    if (!(step in plan.steps)) throw new UnrecoverableError(`record ${data.id} reached step "${step}", which its plan v${data.version} does not have`);
    const bytes = recordBytes(data.record, this.deps.config.workflow.maxRecordBytes);
    if (bytes !== undefined) throw new UnrecoverableError(`AWO_MESSAGE_INVALID: record ${data.id} is ${bytes} bytes of JSON, more than workflow.maxRecordBytes (${this.deps.config.workflow.maxRecordBytes})`);
    if (job.attemptsMade === 0) await this.#tap(step, data.record);
    const handlerName = handlerOf(config, plan, step);
    if (handlerName === undefined) throw new UnrecoverableError(`step "${step}" has no handler`);
    const handler = await loadHandler(handlerName);
    const result: HandlerResult = await withTimeout(config.timeout, `step "${step}" handler on record ${data.id}`, (signal) =>
      Promise.resolve(handler(data.record, { step, params: plan.steps[step]?.params ?? {}, schema: this.deps.config.workflow.schema, signal })),
    );
    this.counters.processed++;
    if (!result.ok) this.counters.refused++;
    span.setAttribute('awo.record.passed', result.ok);
    return { ...(await this.#forward(step, handlerName === 'sink', plan, data, result, span)), passed: result.ok };
  }

  /** Keeps the attempt in the record's run (workflow.runs); a failure to record never fails the record. */
  async #recordAttempt(step: string, job: Job, data: RecordJob, plan: Plan | undefined, span: Span, attempt: Attempt, status?: RecordAttempt['status']): Promise<void> {
    if (!this.#runs) return;
    const traceId = span.spanContext().traceId;
    const header = { id: data.id, version: data.version ?? 0, entered: data.entered ?? job.timestamp, route: plan ? planRoute(plan, this.deps.config.workflow) : [], ...(/^[0-9a-f]{32}$/.test(traceId) && !/^0+$/.test(traceId) ? { traceId } : {}) };
    await this.#runs.record({ header, attempt, ...(status ? { status } : {}) }).catch((err: unknown) => {
      this.counters.runsUnrecorded++;
      this.deps.log.warn({ err: errorMessage(err), step, record: data.id }, 'could not record a run attempt');
    });
  }

  /** Sends the record on along its plan's route, or ends it here. */
  async #forward(step: string, sink: boolean, plan: Plan, data: RecordJob, result: HandlerResult, span: Span): Promise<Route> {
    const workflow = this.deps.config.workflow;
    const route = routeAfter(plan, workflow, step, result.ok);
    const record = result.ok ? result.record : data.record;
    if (route.terminal) {
      this.counters.ended++;
      if (!result.ok) return (await this.#once('rejected', data.id, workflow.sinkMaxLen, ['id', data.id, 'step', step, 'reason', result.reason, 'record', JSON.stringify(record ?? null)], this.deps.keys.sink('rejected')), route);
      const fields = ['id', data.id, 'version', String(data.version), 'record', JSON.stringify(record ?? null), ...(data.reason ? ['reason', data.reason] : [])];
      return (await this.#once(`out:${step}`, data.id, sink ? workflow.sinkMaxLen : 0, fields, this.deps.keys.sink(step)), route);
    }
    const trace = injectHeaders();
    for (const next of route.next) {
      let payload: unknown = record;
      if (next.join > 1) {
        const outputs = (await runScript(this.deps.redis, 'wf-join-1', [this.deps.keys.workflowJoin(data.id, next.step)], [step, JSON.stringify(record ?? null), next.join, workflow.dedupeWindow], LUA_DIR)) as string[] | null;
        if (!outputs) continue;
        payload = mergeOutputs(outputs, plan.steps[next.step]?.after ?? []);
      }
      const config = stepConfig(workflow, next.step) as StepConfig;
      const queue = this.#queues.get(next.step);
      if (!queue) throw new UnrecoverableError(`step "${next.step}" has no handler, so records cannot run through it`);
      const job: RecordJob = { id: data.id, record: payload, version: data.version, trace, ...(data.entered ? { entered: data.entered } : {}), ...(!result.ok ? { reason: `${step}: ${result.reason}` } : {}) };
      await queue.add(next.step, jobData('record', job, recordJobId(data.id, next.step)), this.#jobOptions(data.id, next.step, config));
    }
    span.setAttribute('awo.record.next', route.next.map((n) => n.step).join(','));
    return route;
  }

  #jobOptions(id: string, step: string, config: StepConfig): JobsOptions {
    return recordJobOptions(recordJobId(id, step), config, this.deps.config.workflow);
  }


  async #tap(step: string, record: unknown): Promise<void> {
    const share = this.#taps.get(step);
    if (share === undefined || (share < 1 && Math.random() >= share)) return;
    await this.deps.redis.xadd(this.deps.keys.tap(step), 'MAXLEN', '~', TAP_MAXLEN, '*', TAP_RECORD_FIELD, JSON.stringify(record ?? null));
  }

  /** Counts `counter` for a record once (and writes the entry to `stream` when maxLen > 0); true the first time. */
  async #once(counter: string, id: string, maxLen: number, fields: string[], stream = this.deps.keys.workflowCounts): Promise<boolean> {
    const keys = this.deps.keys;
    const first = await runScript(this.deps.redis, 'wf-once-3', [keys.workflowOnce(counter, id), keys.workflowCounts, stream], [this.deps.config.workflow.dedupeWindow, counter, maxLen, ...fields], LUA_DIR);
    return first === 1;
  }

  async #onFailed(step: string, config: StepConfig, job: Job | undefined, err: Error): Promise<void> {
    if (!job || (job.attemptsMade < config.attempts && !(err instanceof UnrecoverableError))) return;
    this.counters.failed++;
    const data: unknown = job.data;
    const id = typeof data === 'object' && data !== null && typeof (data as { id?: unknown }).id === 'string' ? (data as { id: string }).id.slice(0, 256) : String(job.id);
    this.deps.log.error({ step, record: id, err: err.message, attempts: job.attemptsMade }, 'a record failed every attempt at a step; it stays in the failed set for workflow.failedRetention');
    await this.#once('failed', `${id}.${step}`, 0, []).catch(() => undefined);
  }

  /** Stops taking records, lets running ones finish (bounded), closes queues and the connection. */
  async close(grace: number): Promise<void> {
    await Promise.all(
      [...this.#workers].map(async ([step, worker]) => {
        const closing = worker.close();
        if (await within(closing, grace)) return;
        this.deps.log.warn({ step, grace }, 'close grace is over; aborting running records (they are retried later)');
        worker.cancelAllJobs('executor closing');
        await within(closing, 2000);
      }),
    );
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    const conn = this.#connection;
    this.#connection = undefined;
    await conn?.quit().catch(() => conn.disconnect());
  }
}

function concurrencyOf(plan: Plan, step: string, config: StepConfig): number {
  const planned = plan.steps[step]?.params.concurrency ?? config.params.concurrency;
  return typeof planned === 'number' && Number.isInteger(planned) && planned >= 1 ? Math.min(planned, 1000) : DEFAULT_CONCURRENCY;
}

/** The record a join passes on: the outputs of its upstream steps merged in `after` order (objects), or the last one. */
export function mergeOutputs(flat: string[], order: readonly string[]): unknown {
  const byStep = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) byStep.set(flat[i] as string, JSON.parse(flat[i + 1] as string));
  const outputs = order.filter((s) => byStep.has(s)).map((s) => byStep.get(s));
  if (outputs.every((o) => typeof o === 'object' && o !== null && !Array.isArray(o))) return Object.assign({}, ...outputs);
  return outputs.at(-1);
}

/** The size of a record's JSON when it is over `max` bytes; undefined when it fits. */
export function recordBytes(record: unknown, max: number): number | undefined {
  const json = JSON.stringify(record ?? null);
  // Characters never exceed bytes; count bytes only when the characters are near the bound.
  if (json.length * 3 <= max) return undefined;
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > max ? bytes : undefined;
}

/** Runs `work` with a signal that aborts after `ms`; rejects with AWO_TIMEOUT (retryable) then. */
async function withTimeout<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AwoError('AWO_TIMEOUT', `${what} took longer than its timeout of ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
