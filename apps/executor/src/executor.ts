import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { Queue, Worker, type Job } from 'bullmq';
import {
  Agent,
  ATTR,
  AwoError,
  closeInOrder,
  errorMessage,
  HISTOGRAMS,
  extractContext,
  mergeSlice,
  type ReconfigureResult,
  inSpan,
  QUEUES,
  injectHeaders,
  jobData,
  MESSAGING_SYSTEM_BULLMQ,
  MESSAGING_SYSTEM_REDIS,
  PlanReader,
  planReaderOptions,
  PlanStore,
  Semaphore,
  spanName,
  type Action,
  type AgentDeps,
  type ExecutorConfig,
  type Consumer,
  type Delivery,
  type Observe, type RedisClient } from '@awo/shared';
import { readApplied } from './applied.js';
import { declareExecutorMetrics, declareOwnershipMetrics, flatMetrics, remember } from './metrics.js';
import { Ownership } from './ownership.js';
import { ManagedPool } from './pool.js';
import type { PoolProcessor } from './processors.js';
import { checkKubernetesActions } from './actions/index.js';
import { driftAction, observeWorld, ofLineage, withObserved } from './drift.js';
import { appliedField, own, reconcile } from './reconcile.js';
import { ACTIONS_QUEUE, ActionRunner, type ActionJob } from './runner.js';
import { AWO_ATTR } from './semconv.js';
import { within } from '@awo/shared';
import { WorkflowRunner } from '@awo/workflow';

/** Whether a stored job's action is this one: the same id, plan, step, parameter, action and value. */
function sameAction(stored: Partial<Action> | undefined, action: Action): boolean {
  if (!stored) return false;
  return stored.id === action.id && stored.epoch === action.epoch && stored.version === action.version && stored.action === action.action && stored.kind === action.kind && stored.step === action.step && stored.param === action.param && stored.value === action.value;
}

/** What made a reconciliation run: a revision delivered, the executor's start, or the `executor.resync` timer. */
type Trigger = 'revision' | 'start' | 'resync' | 'takeover';

/** Completed action jobs are kept this long (and at most this many), so their ids keep deduplicating. */
const KEEP = { age: 86_400, count: 10_000 } as const;

export interface ExecutorOptions {
  /** The pools to manage; by default one `ManagedPool` per `executor.pools` entry. The executor starts and closes them. */
  pools?: Map<string, ManagedPool>;
  /** Processors by name for the default pools, e.g. `{ sleep: sleepProcessor(100) }` from `@awo/sim`; a pool's `processor` names one of these or a module path. */
  processors?: Readonly<Record<string, PoolProcessor>>;
}

/**
 * The executor agent. Reads plan revisions through its consumer group, reconciles the applied
 * state toward the NEWEST plan (a late or repeated delivery never rolls back), and enqueues one
 * BullMQ job per action with a job id derived from (plan version, action key), so a duplicate
 * never acts twice. Its worker runs each job's handler, records the applied value, and
 * publishes an `ActionResult`. Only what the config names can run.
 */
export class ExecutorAgent extends Agent {
  /** The pools this executor may scale, by name (running only while it owns them: `owned`). */
  readonly pools: Map<string, ManagedPool>;
  /** The pools this executor owns now (their leases), running: what it observes and scales. */
  readonly owned = new Map<string, ManagedPool>();
  readonly ownership: Ownership;
  readonly #poolQueues = new Map<string, Queue>();
  readonly #poolWorkers = new Map<string, Worker>();
  /** Runs records through the workflow's steps (idle when no step has a handler). */
  readonly workflow: WorkflowRunner;
  readonly #runner: ActionRunner;
  /** The one reader of the plan, shared by reconciliation, the action runner and the workflow. */
  readonly #plans: PlanReader;
  readonly #reconciling = new Semaphore(1);
  readonly #counts = { revisions: 0, resyncs: 0, enqueued: 0, duplicates: 0, untrusted: 0, squatted: 0, requeued: 0, planVersion: 0 };
  #consumer: Consumer | undefined;
  #queue: Queue | undefined;
  #worker: Worker | undefined;
  #connection: RedisClient | undefined;
  /** Drift corrections by step (a bounded set: the config's steps). */
  readonly #drift = new Map<string, number>();
  #resyncTimer: NodeJS.Timeout | undefined;
  #resyncing: Promise<void> = Promise.resolve();
  /** When the revision behind each action this executor enqueued was committed (bounded), for action latency. */
  readonly #revisionAt = new Map<string, number>();
  readonly #actionLatency: Observe;

  constructor(
    private readonly deps: AgentDeps<ExecutorConfig>,
    options: ExecutorOptions = {},
  ) {
    super('executor');
    const { executor } = deps.config;
    this.#newPool = (name) => new ManagedPool(name, executor.pools[name] as ManagedPool['config'], { connect: deps.connect, keys: deps.keys, log: deps.log.child({ pool: name }), closeGrace: executor.closeGrace, ...(options.processors ? { processors: options.processors } : {}) });
    this.pools = options.pools ?? new Map(Object.keys(executor.pools).map((name) => [name, this.#newPool(name)]));
    this.ownership = new Ownership({ redis: deps.redis, keys: deps.keys, log: deps.log, instance: deps.instance, ttl: executor.poolLease, stream: deps.keys.stream('revisions'), pools: [...this.pools.keys()], gained: (pool) => this.#gained(pool), lost: (pool) => this.#lost(pool) });
    for (const [name, action] of Object.entries(executor.actions)) {
      if (action.kind === 'scale-bullmq-workers' && !this.pools.has(action.pool)) throw new AwoError('AWO_CONFIG_INVALID', `executor.actions.${name}: pool "${action.pool}" is not managed by this executor`);
    }
    this.#plans = new PlanReader(new PlanStore(deps.redis, deps.keys, deps.config), planReaderOptions(deps.config));
    this.#runner = new ActionRunner(deps, this.owned, this.#plans, (action, at) => this.#resultPublished(action, at));
    this.workflow = new WorkflowRunner(deps, this.#plans);
    this.#actionLatency = deps.metrics.histogram(HISTOGRAMS.actionLatency);
    declareExecutorMetrics(deps, this.#counts, this.#runner.counters, this.workflow, this.owned, this.#drift);
    declareOwnershipMetrics(deps, this.ownership);
  }

  readonly #newPool: (name: string) => ManagedPool;
  #started = false;

  /**
   * Hot reload: actions (what each does: URLs, commands, keys…), attempts and backoff change live;
   * the action runner reads them per job. A scale action naming a pool this executor does not
   * manage is refused; pools, concurrency, the workflow and signing need a restart.
   */
  reconfigure(slice: ExecutorConfig): ReconfigureResult {
    const badPool = Object.entries(slice.executor.actions).filter(([, a]) => a.kind === 'scale-bullmq-workers' && !this.pools.has(a.pool));
    const live = badPool.length > 0 ? ['executor.attempts', 'executor.backoff'] : ['executor.actions', 'executor.attempts', 'executor.backoff'];
    const { merged, applied, refused } = mergeSlice(this.deps.config, slice, live);
    for (const [name, a] of badPool) refused.push({ path: `executor.actions.${name}`, message: `pool "${(a as { pool: string }).pool}" is not managed by this executor: every action change is kept back` });
    this.deps.config = merged;
    this.deps.log.info({ applied, refused: refused.map((r) => r.path) }, 'executor reconfigured');
    return { applied, refused };
  }

  /** The pool of that `executor.pools` name, if this executor manages it. */
  pool(name: string): ManagedPool | undefined {
    return this.pools.get(name);
  }

  protected async onStart(): Promise<void> {
    await checkKubernetesActions(this.deps.config.executor.actions);
    // One connection for the queue and the worker's commands; the worker duplicates it for its blocking reads.
    this.#connection = this.deps.connect('bullmq', { blocking: true });
    const connection = this.#connection;
    const base = { connection, prefix: this.deps.keys.queuePrefix(ACTIONS_QUEUE) };
    this.#queue = new Queue(ACTIONS_QUEUE, base);
    this.#queue.on('error', (err) => this.deps.log.warn({ err: errorMessage(err) }, 'actions queue error'));
    this.#worker = new Worker(ACTIONS_QUEUE, (job: Job, _token?: string, signal?: AbortSignal) => this.#runner.process(job, signal), {
      ...base,
      concurrency: this.deps.config.executor.concurrency,
      autorun: false,
      name: this.deps.instance,
    });
    this.#worker.on('error', (err) => this.deps.log.warn({ err: errorMessage(err) }, 'actions worker error'));
    for (const pool of this.pools.keys()) this.#poolQueues.set(pool, new Queue(QUEUES.pool(pool), { connection, prefix: this.deps.keys.queuePrefix(QUEUES.pool(pool)) }));
    await Promise.all([this.#queue.waitUntilReady(), this.#worker.waitUntilReady(), ...[...this.#poolQueues.values()].map((q) => q.waitUntilReady())]);
    this.#worker.run().catch((err: unknown) => {
      this.deps.log.error({ err: errorMessage(err) }, 'actions worker stopped');
      this.fail(err);
    });
    await this.workflow.start();
    // Each pool runs in the one executor that holds its lease; the others take it over when it dies.
    await this.ownership.start();
    // A group per process, from `$`: every executor sees every revision (what came before, the start resync covers).
    await this.ownership.pruneGroups();
    this.#consumer = await this.deps.bus.consume('revisions', { group: this.ownership.group, startId: '$', consumer: this.deps.instance, handler: (d) => this.#onRevision(d) });
    // Level-triggered: compare the world with the plan now (a restart brought the pools back at
    // their `initial`) and on a timer, whether or not a revision arrives.
    await this.#resync('start');
    this.#started = true;
    this.#resyncTimer = setInterval(() => {
      void this.#resync('resync');
      void this.ownership.pruneGroups().catch((err: unknown) => this.deps.log.warn({ err: errorMessage(err) }, 'pruning revisions groups failed'));
    }, this.deps.config.executor.resync);
  }

  /** This executor took a pool's lease: start the pool, work its actions queue, and bring it to the plan. */
  async #gained(name: string): Promise<void> {
    let pool = this.pools.get(name) as ManagedPool;
    if (pool.state === 'closing' || pool.state === 'closed') this.pools.set(name, (pool = this.#newPool(name)));
    if (pool.state === 'idle') await pool.start();
    this.owned.set(name, pool);
    const worker = new Worker(QUEUES.pool(name), (job: Job, _token?: string, signal?: AbortSignal) => this.#runner.process(job, signal), { connection: this.#connection as RedisClient, prefix: this.deps.keys.queuePrefix(QUEUES.pool(name)), concurrency: 1, autorun: false, name: this.deps.instance });
    worker.on('error', (err) => this.deps.log.warn({ pool: name, err: errorMessage(err) }, 'pool actions worker error'));
    await worker.waitUntilReady();
    this.#poolWorkers.set(name, worker);
    worker.run().catch((err: unknown) => this.deps.log.error({ pool: name, err: errorMessage(err) }, 'pool actions worker stopped'));
    if (this.#started) void this.#resync('takeover');
  }

  /** This executor lost a pool's lease: stop working its actions and its jobs at once (another owns it now). */
  async #lost(name: string): Promise<void> {
    this.owned.delete(name);
    const worker = this.#poolWorkers.get(name);
    this.#poolWorkers.delete(name);
    await worker?.close(true);
    await this.pools.get(name)?.close();
  }

  /** Reconciles toward the newest plan, whatever revision was delivered. One at a time. */
  async #onRevision(delivery: Delivery<'revisions'>): Promise<void> {
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
      [ATTR.MESSAGING_DESTINATION_NAME]: this.deps.keys.stream('revisions'),
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_MESSAGE_ID]: delivery.id,
      [ATTR.MESSAGING_CONSUMER_GROUP_NAME]: this.ownership.group,
      [AWO_ATTR.REVISION_VERSION]: delivery.message.version,
    };
    const parent = extractContext(delivery.headers, ROOT_CONTEXT);
    await inSpan(
      this.deps.tracer,
      spanName('process', 'revisions'),
      { kind: SpanKind.CONSUMER, attributes },
      async (span) => {
        await this.#reconcileNow('revision', span);
      },
      parent,
    );
  }

  /**
   * Level-triggered reconciliation, one at a time: reads the newest plan, the ledger and what the
   * world holds (`observeWorld`), and enqueues the actions that bring the world to the plan. Where
   * the world moved away from what the ledger says was applied, the correction gets an id of its
   * own (`driftAction`), is counted by step and logged with the planned and the observed value.
   * Runs on every revision, at start and every `executor.resync`, so a restart or a resize behind
   * the executor's back heals without a new revision.
   */
  async #reconcileNow(trigger: Trigger, span: Span): Promise<void> {
    await this.#reconciling.acquire();
    try {
      const [{ plan, revision, trust }, applied] = await Promise.all([this.#plans.current(), readApplied(this.deps.redis, this.deps.keys.applied)]);
      if (!trust.ok) {
        // A hostile or broken writer: act on nothing, say why, and do not retry.
        span.setStatus({ code: SpanStatusCode.ERROR, message: trust.reason });
        if (trigger !== 'revision') return; // refused and logged when its revision came
        this.#counts.untrusted++;
        this.deps.log.error({ version: plan.version, reason: trust.reason, code: 'AWO_SIGNATURE_INVALID' }, 'refusing to act on an unsigned or forged plan revision');
        return;
      }
      this.workflow.applyPlan(plan);
      const observed = await observeWorld(this.deps.config, { pools: this.owned, redis: this.deps.redis, keys: this.deps.keys, log: this.deps.log });
      const { state, drifted } = withObserved(ofLineage(applied, plan), observed);
      const now = this.deps.now();
      const actions = reconcile(plan, state, this.deps.config, now).map((a) => {
        const drift = drifted.get(appliedField(a.step, a.param));
        if (!drift) return a;
        const corrected = driftAction(a, now);
        this.#drift.set(a.step, (this.#drift.get(a.step) ?? 0) + 1);
        this.deps.log.warn({ trigger, step: a.step, param: a.param, planned: a.value, observed: drift.observed, ledger: drift.ledger, version: plan.version, actionId: corrected.id }, 'drift: the world differs from the plan; correcting it');
        return corrected;
      });
      span.setAttributes({ [AWO_ATTR.PLAN_VERSION]: plan.version, [AWO_ATTR.ACTION_COUNT]: actions.length, [AWO_ATTR.DRIFT_COUNT]: actions.filter((a) => drifted.has(appliedField(a.step, a.param))).length });
      for (const action of actions) {
        // A correction's latency runs from when the drift was seen (its `at`), not from a revision committed long before.
        if (revision && !drifted.has(appliedField(action.step, action.param))) remember(this.#revisionAt, action.id, revision.at);
        await this.#enqueue(action);
      }
      if (trigger === 'revision') this.#counts.revisions++;
      else this.#counts.resyncs++;
      this.#counts.planVersion = plan.version;
    } finally {
      this.#reconciling.release();
    }
  }

  /** A reconciliation without a revision (start, `executor.resync` timer), in its own span; a failure is logged and the next one tries again. */
  #resync(trigger: Exclude<Trigger, 'revision'>): Promise<void> {
    const run = inSpan(this.deps.tracer, `executor ${trigger}`, { kind: SpanKind.INTERNAL, attributes: { [AWO_ATTR.TRIGGER]: trigger } }, (span) => this.#reconcileNow(trigger, span)).catch((err: unknown) =>
      this.deps.log.warn({ trigger, err: errorMessage(err) }, 'reconciliation failed; the next resync tries again'),
    );
    this.#resyncing = run;
    return run;
  }

  /**
   * Adds the action's job (ignored by BullMQ when the id exists) in a PRODUCER span whose context
   * rides in the job data, and audits it on the actions stream when this add created the job.
   */
  async #enqueue(action: Action): Promise<void> {
    // A pool's actions go to its own queue, which only its owner works; the others to the shared one.
    const config = own(this.deps.config.executor.actions, action.action);
    const queue = (config?.kind === 'scale-bullmq-workers' ? this.#poolQueues.get(config.pool) : undefined) ?? (this.#queue as Queue);
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_BULLMQ,
      [ATTR.MESSAGING_DESTINATION_NAME]: queue.name,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_MESSAGE_ID]: action.id,
      [AWO_ATTR.ACTION_NAME]: action.action,
      [AWO_ATTR.ACTION_KIND]: action.kind,
    };
    // One span name for every action queue (a pool's queue is named in the destination attribute).
    await inSpan(this.deps.tracer, spanName('publish', ACTIONS_QUEUE), { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      for (let attempt = 0; ; attempt++) {
        const nonce = randomUUID();
        const data = jobData('action', { action, trace: injectHeaders(), nonce }, action.id);
        await queue.add(action.action, data, {
          jobId: action.id,
          attempts: this.deps.config.executor.attempts,
          backoff: { type: 'exponential', delay: this.deps.config.executor.backoff },
          removeOnComplete: KEEP,
          removeOnFail: { age: KEEP.age },
        });
        // BullMQ answers a duplicate add with the existing id; the stored nonce tells who created it.
        const stored = await queue.getJob(action.id);
        const created = stored === undefined || (stored.data as Partial<ActionJob>).nonce === nonce;
        span.setAttribute(AWO_ATTR.ACTION_CREATED, created);
        if (created) break;
        if (sameAction((stored.data as Partial<ActionJob>).action, action)) {
          // The plan still wants this action and the world does not have it: one that failed for
          // good (say, refused while the stored plan was tampered with) is tried again.
          if (await stored.isFailed()) {
            await stored.retry('failed').then(
              () => this.#counts.requeued++,
              (err: unknown) => this.deps.log.warn({ jobId: action.id, err: errorMessage(err) }, 'could not retry a failed action job'),
            );
          } else this.#counts.duplicates++;
          return;
        }
        // Someone else took this action's id with other content (a forged job squatting on it):
        // remove theirs and add ours, so a squatter cannot make a signed action look done.
        this.#counts.squatted++;
        this.deps.log.warn({ jobId: action.id }, 'an action job with another content holds this action\'s id; replacing it');
        const removed = await stored.remove().then(
          () => true,
          (err: unknown) => (this.deps.log.warn({ jobId: action.id, err: errorMessage(err) }, 'could not remove the job holding this action\'s id; the next reconciliation tries again'), false),
        );
        if (!removed || attempt >= 1) return;
      }
      this.#counts.enqueued++;
      await this.deps.bus.publish('actions', action);
    });
  }

  /** Action latency: from the revision's commit (else the action's creation, when another executor made it) to its result. */
  #resultPublished(action: Action, at: number): void {
    const committed = this.#revisionAt.get(action.id) ?? action.at;
    this.#revisionAt.delete(action.id);
    this.#actionLatency((at - committed) / 1000);
  }

  protected override isReady(): boolean {
    return this.#consumer !== undefined && this.#worker?.isRunning() === true;
  }

  override metrics(): Record<string, number> {
    return flatMetrics(this.#counts, this.#runner.counters, this.workflow, this.owned, this.#drift, this.ownership.counts);
  }

  protected override detail(): Record<string, unknown> {
    const pools: Record<string, unknown> = {};
    for (const [name, p] of this.owned) pools[name] = { state: p.state, size: p.size(), ready: p.ready(), starting: p.starting(), busy: p.busy(), workerSeconds: Math.round(p.workerSeconds() * 1000) / 1000 };
    return { ...this.#counts, member: this.ownership.member, owns: this.ownership.owned(), drift: Object.fromEntries(this.#drift), ...this.#runner.counters, pools, ...(this.workflow.enabled ? { records: this.workflow.counters } : {}) };
  }

  /** Stop reading revisions → let running actions finish (bounded, then abort) → close queue, pools, connection. */
  protected async onClose(): Promise<void> {
    const grace = this.deps.config.executor.closeGrace;
    await closeInOrder(
      [
        ['resync', () => (clearInterval(this.#resyncTimer), this.#resyncing)],
        ['leases', () => this.ownership.stop()],
        ['revisions', () => this.#consumer?.close()],
        ['worker', () => this.#closeWorker(grace)],
        ['pool workers', () => Promise.all([...this.#poolWorkers.values()].map((w) => w.close()))],
        ['workflow', () => this.workflow.close(grace)],
        ['queue', () => Promise.all([this.#queue?.close(), ...[...this.#poolQueues.values()].map((q) => q.close())])],
        ['pools', () => Promise.all([...this.pools.values()].map((p) => p.close()))],
        // Released once the pools stopped, so the next owner never runs beside this one.
        ['release', () => this.ownership.close()],
        ['redis', () => this.#connection?.quit().catch(() => this.#connection?.disconnect())],
      ],
      (step, err) => this.deps.log.error({ step, err: errorMessage(err) }, 'executor close step failed'),
    );
  }

  async #closeWorker(grace: number): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const closing = worker.close();
    if (await within(closing, grace)) return;
    this.deps.log.warn({ grace }, 'close grace is over; aborting running actions');
    worker.cancelAllJobs('executor closing');
    if (!(await within(closing, 2000))) this.deps.log.error('the actions worker did not stop after its jobs were aborted');
  }
}
