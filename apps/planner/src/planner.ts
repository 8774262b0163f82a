import { SpanKind, type Link, type Span } from '@opentelemetry/api';
import {
  Agent,
  applyChanges,
  closeInOrder,
  ControlListener,
  counter,
  keepPins,
  mergeSlice,
  type ReconfigureResult,
  errorMessage,
  gauge,
  HISTOGRAMS,
  GROUPS,
  inSpan,
  isAwoError,
  Lease,
  PlanReader,
  planReaderOptions,
  PlanStore,
  seriesFilter,
  signRevision,
  spanContextOf,
  type AgentDeps,
  type Consumer,
  type Delivery,
  type Observe,
  type Plan,
  type PlanRevision,
  type PlannerConfig,
} from '@awo/shared';
import { createGoal, reuseGoals, type Goal, type Proposal } from './goals/index.js';
import { PlanNotifier } from './notify.js';
import { PlannerSteering, type SteerRevision } from './steer.js';

/** The level-triggered steering pass runs at most this often on the evaluation timer (ms). */
const STEER_EVERY_MS = 1000;

/**
 * The planner agent: holds the goals from the config, reads insights and the metrics its goals
 * name, and writes plan revisions. One planner writes at a time (a lease in Redis); another
 * instance waits as standby and takes over within the lease time.
 */
export class PlannerAgent extends Agent {
  readonly #store: PlanStore;
  /** Reads and verifies the stored plan (once per version), refusing edits and replays of older revisions. */
  readonly #reader: PlanReader;
  readonly #lease: Lease;
  /** Operators' overrides, rollbacks and approvals, turned into revisions while leading. */
  readonly #steering: PlannerSteering;
  readonly #control: ControlListener;
  #goals: Goal[];
  readonly #bySeries = new Map<string, Goal[]>();
  #consumers: Consumer[] = [];
  #leader = false;
  #leaseTimer: NodeJS.Timeout | undefined;
  #evalTimer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #transition: Promise<void> = Promise.resolve();
  readonly #counts = { revisions: 0, conflicts: 0, evaluations: 0, results: 0, failedResults: 0, leaderships: 0, tamperRefusals: 0 };
  /** The last tampered plan version logged, so a refusal is logged once per version, not per evaluation. */
  #tamperedLogged: string | undefined;
  #lastResult: Record<string, unknown> | undefined;
  /** When the timer last ran the steering pass. */
  #steeredAt = 0;
  /** Per goal: the changes it wanted that a pin held back (its last evaluation). */
  readonly #held = new Map<string, string[]>();
  readonly #decisionLatency: Observe;
  /** Plan change notices on NATS, when `nats` is configured. */
  readonly #notifier: PlanNotifier | undefined;

  constructor(private readonly deps: AgentDeps<PlannerConfig>) {
    super('planner');
    this.#store = new PlanStore(deps.redis, deps.keys, deps.config);
    this.#reader = new PlanReader(this.#store, planReaderOptions(deps.config));
    this.#lease = new Lease(deps.redis, deps.keys.lease, deps.config.planner.lease, deps.instance);
    this.#steering = new PlannerSteering(deps.redis, deps.keys, () => this.deps.config, this.#reader, deps.log.child({ component: 'steering' }), deps.now);
    this.#control = new ControlListener(() => deps.connect('control', { blocking: true }), deps.keys, deps.log, (m) => {
      if (m.op === 'steer') void this.#steer();
    });
    const env = { workflow: deps.config.workflow, evaluateInterval: deps.config.planner.evaluateInterval };
    this.#goals = deps.config.planner.goals.map((g) => createGoal(g, env));
    this.#indexSeries();
    this.#decisionLatency = deps.metrics.histogram(HISTOGRAMS.decisionLatency);
    const nats = deps.config.nats;
    this.#notifier = nats ? new PlanNotifier(nats.servers, deps.config.prefix, `awo-planner:${deps.instance}`, deps.log) : undefined;
    deps.metrics.live({
      awo_planner_leader: gauge('1 while this planner holds the leadership lease, else 0', () => (this.#leader ? 1 : 0)),
      awo_planner_revisions_total: counter('Plan revisions this planner committed', () => this.#counts.revisions),
      awo_planner_conflicts_total: counter('Commits refused because the plan version changed under them', () => this.#counts.conflicts),
      awo_planner_unreplicated_commits_total: counter('Commits on a Redis Cluster that no replica acknowledged within 1 s (WAIT): a failover could lose them', () => this.#store.unreplicated),
      awo_planner_evaluations_total: counter('Goal evaluations run', () => this.#counts.evaluations),
      awo_planner_results_total: counter('Action results read back', () => this.#counts.results),
      awo_planner_failed_results_total: counter('Action results that reported a failure', () => this.#counts.failedResults),
      awo_planner_proposals_total: counter('Proposals written by goals in propose mode', () => this.#steering.counts.proposalsWritten),
      awo_planner_proposals_refused_total: counter('Proposals refused because planner.steering.maxProposals records are kept', () => this.#steering.counts.proposalsRefused),
      awo_planner_steering_revisions_total: counter('Revisions committed for operators, by kind (override, rollback, approval)', ['kind'], () => [
        [{ kind: 'override' }, this.#steering.counts.overrideRevisions],
        [{ kind: 'rollback' }, this.#steering.counts.rollbacks],
        [{ kind: 'approval' }, this.#steering.counts.approvals],
      ]),
      awo_planner_steering_invalid_records_total: counter('Steering records skipped because they failed their schema', () => this.#steering.invalidRecords),
      awo_planner_tamper_refusals_total: counter('Evaluations refused because the stored plan is not what its signed revision says (AWO_PLAN_TAMPERED)', () => this.#counts.tamperRefusals),
    });
  }

  /** Goal by the series it reads. */
  #indexSeries(): void {
    this.#bySeries.clear();
    for (const goal of this.#goals) {
      for (const s of [...goal.series]) this.#bySeries.set(s, [...(this.#bySeries.get(s) ?? []), goal]);
    }
  }

  /**
   * Hot reload: goals (unchanged ones keep their state), the evaluation interval and the steering
   * bounds change live; the workflow, signing, lease and health need a restart and are refused.
   */
  async reconfigure(slice: PlannerConfig): Promise<ReconfigureResult> {
    const { merged, applied, refused } = mergeSlice(this.deps.config, slice, ['planner.goals', 'planner.evaluateInterval', 'planner.steering']);
    const before = [...this.#bySeries.keys()].sort().join('\u0000');
    this.deps.config = merged;
    if (applied.some((p) => p.startsWith('planner.goals'))) {
      this.#goals = reuseGoals(this.#goals, merged.planner.goals, { workflow: merged.workflow, evaluateInterval: merged.planner.evaluateInterval });
      this.#indexSeries();
      // The metrics consumer reads only the series the goals name: a leader reads the new set.
      if ([...this.#bySeries.keys()].sort().join('\u0000') !== before) await this.#tick(true);
    }
    if (applied.includes('planner.evaluateInterval') && this.#evalTimer) {
      clearInterval(this.#evalTimer);
      this.#evalTimer = setInterval(() => this.#evaluateAll(), merged.planner.evaluateInterval);
    }
    this.deps.log.info({ applied, refused: refused.map((r) => r.path), goals: this.#goals.map((g) => g.config.name) }, 'planner reconfigured');
    return { applied, refused };
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  protected async onStart(): Promise<void> {
    await this.#control.start();
    this.#notifier?.start();
    await this.#tick();
    const every = Math.max(100, Math.floor(this.deps.config.planner.lease / 3));
    this.#leaseTimer = setInterval(() => void this.#tick(), every);
    this.#evalTimer = setInterval(() => this.#evaluateAll(), this.deps.config.planner.evaluateInterval);
  }

  /** Takes or renews the lease; starts or stops leading accordingly. */
  #tick(resubscribe = false): Promise<void> {
    this.#transition = this.#transition.then(async () => {
      if (this.state === 'draining' || this.state === 'closed') return;
      if (resubscribe && this.#leader) await this.#stepDown('the goals read other series now');
      let holds: boolean;
      try {
        holds = this.#leader ? await this.#lease.renew() : await this.#lease.acquire();
      } catch (err) {
        this.deps.log.warn({ err: errorMessage(err) }, 'lease check failed');
        holds = false;
      }
      if (holds && !this.#leader) await this.#lead();
      else if (!holds && this.#leader) await this.#stepDown('lost the lease');
    });
    return this.#transition;
  }

  async #lead(): Promise<void> {
    this.#leader = true;
    this.#counts.leaderships++;
    this.deps.log.info({ instance: this.deps.instance }, 'planner is the leader');
    const { bus, instance } = this.deps;
    // With `bus.partitions` > 1 the metrics are spread over partition streams: the leader reads them all.
    const partitions = this.deps.config.bus.partitions;
    const metrics = partitions > 1 ? Array.from({ length: partitions }, (_, n) => n) : [undefined];
    this.#consumers = [
      ...(await Promise.all(metrics.map((partition) => bus.consume('metrics', { group: GROUPS.planner, consumer: instance, ...(partition === undefined ? {} : { partition }), filter: seriesFilter(this.#bySeries.keys()), batchHandler: (b) => this.#onMetrics(b) })))),
      await bus.consume('insights', { group: GROUPS.planner, consumer: instance, batchHandler: (b) => this.#onInsights(b) }),
      await bus.consume('results', { group: GROUPS.plannerResults, consumer: instance, handler: (d) => this.#onResult(d) }),
    ];
  }

  async #stepDown(why: string): Promise<void> {
    this.#leader = false;
    this.deps.log.warn({ why }, 'planner is now standby');
    const consumers = this.#consumers;
    this.#consumers = [];
    await Promise.allSettled(consumers.map((c) => c.close()));
  }

  /**
   * Message times are judged on this planner's clock: a time later than now (the bus already
   * refused one beyond bus.maxClockSkew) counts as now, so a message stamped ahead can neither
   * outlive its age nor win over a newer honest one.
   */
  #received(ts: number, now: number): number {
    return Math.min(ts, now);
  }

  async #onMetrics(batch: Delivery<'metrics'>[]): Promise<void> {
    const now = this.deps.now();
    for (const d of batch) {
      const goals = this.#bySeries.get(d.message.series);
      if (goals) for (const g of goals) g.observe(d.message.series, d.message.value, this.#received(d.message.ts, now), d.id, d.message.labels);
    }
  }

  async #onInsights(batch: Delivery<'insights'>[]): Promise<void> {
    const touched = new Set<Goal>();
    const now = this.deps.now();
    for (const d of batch) {
      const insight = { ...d.message, ts: this.#received(d.message.ts, now) };
      for (const goal of this.#goals) if (goal.accept(insight, d.headers.traceparent)) touched.add(goal);
    }
    // Evaluate now, not on the next tick: acting before the load arrives is the point.
    for (const goal of touched) await this.#evaluate(goal);
  }

  async #onResult(d: Delivery<'results'>): Promise<void> {
    this.#counts.results++;
    if (!d.message.ok) {
      this.#counts.failedResults++;
      this.deps.log.warn({ action: d.message.action, version: d.message.version, err: d.message.error }, 'an action failed');
    }
    this.#lastResult = { ...d.message };
  }

  #evaluateAll(): void {
    if (!this.#leader) return;
    // The level-triggered steering pass (expiries, lost wake-ups) runs at most once a second, and
    // only when records exist; a `steer` control message runs it at once.
    const now = this.deps.now();
    if (now - this.#steeredAt >= STEER_EVERY_MS) {
      this.#steeredAt = now;
      void this.#steering.anything().then(
        (any) => (any ? this.#steer() : undefined),
        (err: unknown) => this.deps.log.warn({ err: errorMessage(err) }, 'steering check failed'),
      );
    }
    for (const goal of this.#goals) void this.#evaluate(goal);
  }

  /** Turns the operators' requests into revisions (in the same chain as evaluations, so they never race). */
  #steer(): Promise<void> {
    this.#chain = this.#chain
      .then(async () => {
        if (!this.#leader) return;
        const plan = await this.#trustedCurrent();
        if (plan) await this.#steering.reconcile(plan, (base, rev) => this.#commitSteer(base, rev));
      })
      .catch((err: unknown) => this.deps.log.error({ err: errorMessage(err) }, 'steering failed'));
    return this.#chain;
  }

  async #commitSteer(plan: Plan, rev: SteerRevision): Promise<number | undefined> {
    return inSpan(this.deps.tracer, `steer ${rev.goal}`, { kind: SpanKind.INTERNAL, attributes: { 'awo.goal': rev.goal } }, (span) =>
      this.#write(rev.goal, plan, rev.next, rev.changes, rev.reason, rev.insightIds, this.deps.now(), span),
    );
  }

  /** Evaluations run one at a time, so two never race for the same plan version. */
  #evaluate(goal: Goal): Promise<void> {
    this.#chain = this.#chain.then(() => this.#evaluateNow(goal)).catch((err: unknown) => this.deps.log.error({ err: errorMessage(err), goal: goal.config.name }, 'goal evaluation failed'));
    return this.#chain;
  }

  async #evaluateNow(goal: Goal): Promise<void> {
    if (!this.#leader) return;
    const { name, kind } = goal.config;
    const links: Link[] = [];
    const cause = goal.cause();
    const sc = cause?.traceparent ? spanContextOf({ traceparent: cause.traceparent }) : undefined;
    if (sc) links.push({ context: sc, attributes: { 'awo.insight.id': cause?.id ?? '' } });
    const attributes = { 'awo.goal': name, 'awo.goal.kind': kind };
    await inSpan(this.deps.tracer, `evaluate ${name}`, { kind: SpanKind.INTERNAL, links, attributes }, async (span) => {
      this.#counts.evaluations++;
      const plan = await this.#trustedCurrent();
      if (!plan) return;
      const now = this.deps.now();
      const evaluation = goal.evaluate(plan, now);
      span.setAttributes(evaluation.attributes);
      if (!evaluation.proposal) return;
      // A goal never overrides a pin: changes to pinned parameters are held back, and said so.
      const { changes, held } = keepPins(plan, evaluation.proposal.changes);
      if (held.length > 0) {
        span.setAttribute('awo.pinned', held.join('; '));
        this.#held.set(name, held);
      } else this.#held.delete(name);
      if (changes.length === 0) return;
      const proposal = held.length > 0 ? { ...evaluation.proposal, changes, reason: `${evaluation.proposal.reason} (${held.join('; ')})` } : evaluation.proposal;
      if (goal.config.mode === 'propose') await this.#steering.propose(name, plan, proposal);
      else await this.#commit(name, plan, proposal, now, span);
    });
  }

  /**
   * The stored plan, if it is the one its signed revision says (with a signing key); otherwise the
   * refusal is counted and logged (once per stored version) and nothing is built on it: a plan
   * edited in Redis never becomes a signed revision.
   */
  async #trustedCurrent(): Promise<Plan | undefined> {
    const { plan, trust } = await this.#reader.current();
    if (trust.ok) return plan;
    this.#counts.tamperRefusals++;
    const seen = `${plan.epoch ?? ''}.${plan.version}.${trust.reason}`;
    if (this.#tamperedLogged !== seen) {
      this.#tamperedLogged = seen;
      this.deps.log.error({ code: 'AWO_PLAN_TAMPERED', version: plan.version, reason: trust.reason }, 'refusing to build on a stored plan that its signed revision does not vouch for; roll back to the last good revision');
    }
    return undefined;
  }

  async #commit(goalName: string, plan: Plan, proposal: Proposal, now: number, span: Span): Promise<void> {
    const next = applyChanges(plan, proposal.changes, plan.version + 1);
    const version = await this.#write(goalName, plan, next, proposal.changes, proposal.reason, proposal.insightIds, now, span, proposal.summary);
    if (version === undefined) return;
    proposal.committed?.(now);
    if (proposal.sampleTs !== undefined) this.#decisionLatency((this.deps.now() - proposal.sampleTs) / 1000);
  }

  /** Signs and commits `next` as the revision after `plan`; the version written, or undefined when it lost. */
  async #write(goalName: string, plan: Plan, next: Plan, changes: PlanRevision['changes'], reason: string, insightIds: string[], now: number, span: Span, summary: Record<string, unknown> = {}): Promise<number | undefined> {
    const version = plan.version + 1;
    const ctx = span.spanContext();
    const revision: PlanRevision = {
      v: 1,
      version,
      parentVersion: plan.version,
      plan: { ...next, version },
      changes,
      goal: goalName,
      reason,
      insightIds,
      at: now,
      leader: this.deps.instance,
      trace: { traceId: ctx.traceId, spanId: ctx.spanId },
    };
    const key = this.deps.config.signing.key;
    try {
      await this.#store.commit(key ? signRevision(revision, key) : revision, this.#lease.token);
      this.#counts.revisions++;
      this.#notifier?.notify(version, revision.plan.epoch);
      span.setAttribute('awo.plan.version', version);
      this.deps.log.info({ version, goal: goalName, ...summary, reason }, 'plan revised');
      return version;
    } catch (err) {
      if (isAwoError(err, 'AWO_PLAN_CONFLICT')) {
        this.#counts.conflicts++;
        this.deps.log.info({ err: err.message }, 'plan changed under us; will evaluate again');
      } else if (isAwoError(err, 'AWO_NOT_LEADER')) {
        await this.#stepDown(err.message);
      } else throw err;
      return undefined;
    }
  }

  protected override isReady(): boolean {
    return true;
  }

  override metrics(): Record<string, number> {
    return {
      planner_leader: this.#leader ? 1 : 0,
      planner_revisions_total: this.#counts.revisions,
      planner_conflicts_total: this.#counts.conflicts,
      planner_evaluations_total: this.#counts.evaluations,
      planner_results_total: this.#counts.results,
      planner_failed_results_total: this.#counts.failedResults,
      planner_tamper_refusals_total: this.#counts.tamperRefusals,
    };
  }

  protected override detail(): Record<string, unknown> {
    return {
      leader: this.#leader,
      ...this.#counts,
      goals: this.#goals.map((g) => ({ ...g.detail(), ...(this.#held.has(g.config.name) ? { heldByPins: this.#held.get(g.config.name) } : {}) })),
      lastResult: this.#lastResult,
    };
  }

  protected async onClose(): Promise<void> {
    await closeInOrder(
      [
        ['timers', () => [this.#leaseTimer, this.#evalTimer].forEach((t) => t && clearInterval(t))],
        ['control', () => this.#control.close()],
        ['transition', () => this.#transition],
        ['consumers', () => Promise.allSettled(this.#consumers.map((c) => c.close()))],
        ['evaluations', () => this.#chain],
        ['lease', () => (this.#leader ? this.#lease.release() : undefined)],
        ['nats', () => this.#notifier?.close()],
      ],
      (step, err) => this.deps.log.error({ step, err: errorMessage(err) }, 'planner close step failed'),
    );
    this.#leader = false;
  }
}
