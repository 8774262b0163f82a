import { SpanKind, type Link, type Span } from '@opentelemetry/api';
import {
  Agent,
  applyChanges,
  closeInOrder,
  counter,
  errorMessage,
  gauge,
  HISTOGRAMS,
  GROUPS,
  inSpan,
  isAwoError,
  Lease,
  PlanStore,
  seriesFilter,
  signRevision,
  spanContextOf,
  type AgentDeps,
  type Change,
  type Consumer,
  type Delivery,
  type Observe,
  type Plan,
  type PlanRevision,
} from '@awo/shared';
import { decideAutoscale } from './autoscale.js';
import { AutoscaleGoalState } from './goal-state.js';
import { decideQuality } from './quality.js';
import { QualityGoalState } from './quality-state.js';

type GoalState = AutoscaleGoalState | QualityGoalState;

/** What an evaluation proposes to commit. */
interface Proposal {
  changes: Change[];
  reason: string;
  insightIds: string[];
  /** Called once the revision is committed. */
  committed?: (now: number) => void;
  /** For the log line. */
  summary: Record<string, unknown>;
}

/**
 * The planner agent: holds the goals from the config, reads insights and the metrics its goals
 * name, and writes plan revisions. One planner writes at a time (a lease in Redis); another
 * instance waits as standby and takes over within the lease time.
 */
export class PlannerAgent extends Agent {
  readonly #store: PlanStore;
  readonly #lease: Lease;
  readonly #goals: GoalState[];
  readonly #bySeries = new Map<string, GoalState[]>();
  #consumers: Consumer[] = [];
  #leader = false;
  #leaseTimer: NodeJS.Timeout | undefined;
  #evalTimer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #transition: Promise<void> = Promise.resolve();
  readonly #counts = { revisions: 0, conflicts: 0, evaluations: 0, results: 0, failedResults: 0, leaderships: 0 };
  #lastResult: Record<string, unknown> | undefined;
  readonly #decisionLatency: Observe;

  constructor(private readonly deps: AgentDeps) {
    super('planner');
    this.#store = new PlanStore(deps.redis, deps.keys, deps.config);
    this.#lease = new Lease(deps.redis, deps.keys.lease, deps.config.planner.lease, deps.instance);
    this.#goals = deps.config.planner.goals.map((g) => (g.kind === 'autoscale' ? new AutoscaleGoalState(g) : new QualityGoalState(g)));
    for (const state of this.#goals) {
      for (const s of [...state.series]) this.#bySeries.set(s, [...(this.#bySeries.get(s) ?? []), state]);
    }
    this.#decisionLatency = deps.metrics.histogram(HISTOGRAMS.decisionLatency);
    deps.metrics.live({
      awo_planner_leader: gauge('1 while this planner holds the leadership lease, else 0', () => (this.#leader ? 1 : 0)),
      awo_planner_revisions_total: counter('Plan revisions this planner committed', () => this.#counts.revisions),
      awo_planner_conflicts_total: counter('Commits refused because the plan version changed under them', () => this.#counts.conflicts),
      awo_planner_evaluations_total: counter('Goal evaluations run', () => this.#counts.evaluations),
      awo_planner_results_total: counter('Action results read back', () => this.#counts.results),
      awo_planner_failed_results_total: counter('Action results that reported a failure', () => this.#counts.failedResults),
    });
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  protected async onStart(): Promise<void> {
    await this.#tick();
    const every = Math.max(100, Math.floor(this.deps.config.planner.lease / 3));
    this.#leaseTimer = setInterval(() => void this.#tick(), every);
    this.#evalTimer = setInterval(() => this.#evaluateAll(), this.deps.config.planner.evaluateInterval);
  }

  /** Takes or renews the lease; starts or stops leading accordingly. */
  #tick(): Promise<void> {
    this.#transition = this.#transition.then(async () => {
      if (this.state === 'draining' || this.state === 'closed') return;
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
    this.#consumers = [
      await bus.consume('metrics', { group: GROUPS.planner, consumer: instance, filter: seriesFilter(this.#bySeries.keys()), batchHandler: (b) => this.#onMetrics(b) }),
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

  async #onMetrics(batch: Delivery<'metrics'>[]): Promise<void> {
    for (const d of batch) {
      const states = this.#bySeries.get(d.message.series);
      if (states) for (const s of states) s.observe(d.message.series, d.message.value, d.message.ts, d.id);
    }
  }

  async #onInsights(batch: Delivery<'insights'>[]): Promise<void> {
    const touched = new Set<GoalState>();
    for (const d of batch) {
      const i = d.message;
      for (const state of this.#goals) {
        if (state.kind === 'autoscale') {
          if (i.kind !== 'forecast' || state.goal.arrivalSeries !== i.series) continue;
          if (state.forecast && state.forecast.ts > i.ts) continue;
          state.forecast = { value: i.value, upper: i.upper, ts: i.ts, horizonMs: i.horizonMs, model: i.model, id: i.id, traceparent: d.headers.traceparent };
        } else {
          if (i.kind !== 'data-quality' || !state.watches(i.series)) continue;
          state.addSignal({ series: i.series, check: i.check, value: i.value, limit: i.limit, violated: i.violated, ts: i.ts, id: i.id }, d.headers.traceparent);
        }
        touched.add(state);
      }
    }
    // Evaluate now, not on the next tick: acting before the load arrives is the point.
    for (const state of touched) await this.#evaluate(state);
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
    for (const state of this.#goals) void this.#evaluate(state);
  }

  /** Evaluations run one at a time, so two never race for the same plan version. */
  #evaluate(state: GoalState): Promise<void> {
    this.#chain = this.#chain.then(() => this.#evaluateNow(state)).catch((err: unknown) => this.deps.log.error({ err: errorMessage(err), goal: state.goal.name }, 'goal evaluation failed'));
    return this.#chain;
  }

  async #evaluateNow(state: GoalState): Promise<void> {
    if (!this.#leader) return;
    const goal = state.goal;
    const links: Link[] = [];
    const cause = state.kind === 'autoscale' ? state.forecast : state.lastSignal;
    const sc = cause?.traceparent ? spanContextOf({ traceparent: cause.traceparent }) : undefined;
    if (sc) links.push({ context: sc, attributes: { 'awo.insight.id': cause?.id ?? '' } });
    const attributes = { 'awo.goal': goal.name, 'awo.goal.kind': goal.kind };
    await inSpan(this.deps.tracer, `evaluate ${goal.name}`, { kind: SpanKind.INTERNAL, links, attributes }, async (span) => {
      this.#counts.evaluations++;
      const plan = await this.#store.current();
      const now = Date.now();
      const proposal = state.kind === 'autoscale' ? this.#proposeAutoscale(state, plan, now, span) : this.#proposeQuality(state, plan, now, span);
      // Decision latency runs from the newest sample the decision saw: its insight's or a metric's.
      const newest = Math.max(cause?.ts ?? 0, ...[...state.latest.values()].map((o) => o.ts));
      if (proposal) await this.#commit(goal.name, plan, proposal, now, span, newest > 0 ? newest : undefined);
    });
  }

  #proposeAutoscale(state: AutoscaleGoalState, plan: Plan, now: number, span: Span): Proposal | undefined {
    const goal = state.goal;
    const raw = plan.steps[goal.step]?.params[goal.param];
    const current = typeof raw === 'number' ? raw : goal.min;
    const decision = decideAutoscale(
      goal,
      {
        now,
        current,
        forecast: state.forecast,
        arrival: state.latest.get(goal.arrivalSeries),
        backlog: state.latest.get(goal.backlogSeries),
        metric: state.latest.get(goal.metric),
        throughput: state.throughput.perWorker(),
        interval: this.deps.config.planner.evaluateInterval,
      },
      state.memory,
    );
    state.lastDecision = { at: now, desired: decision.desired, reason: decision.reason };
    span.setAttributes({ 'awo.decision.desired': decision.desired, 'awo.decision.current': current, 'awo.decision.basis': decision.basis });
    if (decision.desired === current) return undefined;
    return {
      changes: [{ op: 'set', step: goal.step, param: goal.param, from: raw ?? null, to: decision.desired }],
      reason: decision.reason,
      insightIds: decision.insightIds,
      committed: (at) => (state.memory.lastChangeAt = at),
      summary: { from: current, to: decision.desired },
    };
  }

  #proposeQuality(state: QualityGoalState, plan: Plan, now: number, span: Span): Proposal | undefined {
    const decision = decideQuality(state.goal, this.deps.config.workflow, { now, plan, metrics: state.latest, signals: state.signals }, state.memory);
    state.lastDecision = { at: now, action: decision.action, reason: decision.reason };
    span.setAttributes({ 'awo.decision.action': decision.action });
    if (decision.changes.length === 0) return undefined;
    return { changes: decision.changes, reason: decision.reason, insightIds: decision.insightIds, summary: { action: decision.action } };
  }

  /** `sampleTs`: the timestamp of the newest metric sample the decision saw (for decision latency). */
  async #commit(goalName: string, plan: Plan, proposal: Proposal, now: number, span: Span, sampleTs?: number): Promise<void> {
    const version = plan.version + 1;
    const ctx = span.spanContext();
    const revision: PlanRevision = {
      v: 1,
      version,
      parentVersion: plan.version,
      plan: applyChanges(plan, proposal.changes, version),
      changes: proposal.changes,
      goal: goalName,
      reason: proposal.reason,
      insightIds: proposal.insightIds,
      at: now,
      leader: this.deps.instance,
      trace: { traceId: ctx.traceId, spanId: ctx.spanId },
    };
    const key = this.deps.config.signing.key;
    try {
      await this.#store.commit(key ? signRevision(revision, key) : revision, this.#lease.token);
      proposal.committed?.(now);
      this.#counts.revisions++;
      if (sampleTs !== undefined) this.#decisionLatency((Date.now() - sampleTs) / 1000);
      span.setAttribute('awo.plan.version', version);
      this.deps.log.info({ version, goal: goalName, ...proposal.summary, reason: proposal.reason }, 'plan revised');
    } catch (err) {
      if (isAwoError(err, 'AWO_PLAN_CONFLICT')) {
        this.#counts.conflicts++;
        this.deps.log.info({ err: err.message }, 'plan changed under us; will evaluate again');
      } else if (isAwoError(err, 'AWO_NOT_LEADER')) {
        await this.#stepDown(err.message);
      } else throw err;
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
    };
  }

  protected override detail(): Record<string, unknown> {
    return {
      leader: this.#leader,
      ...this.#counts,
      goals: this.#goals.map((s) =>
        s.kind === 'autoscale'
          ? { name: s.goal.name, kind: s.kind, throughput: s.throughput.perWorker(), learned: s.throughput.learned, lastDecision: s.lastDecision }
          : { name: s.goal.name, kind: s.kind, lastBadAt: s.memory.lastBadAt, lastDecision: s.lastDecision },
      ),
      lastResult: this.#lastResult,
    };
  }

  protected async onClose(): Promise<void> {
    await closeInOrder(
      [
        ['timers', () => [this.#leaseTimer, this.#evalTimer].forEach((t) => t && clearInterval(t))],
        ['transition', () => this.#transition],
        ['consumers', () => Promise.allSettled(this.#consumers.map((c) => c.close()))],
        ['evaluations', () => this.#chain],
        ['lease', () => (this.#leader ? this.#lease.release() : undefined)],
      ],
      (step, err) => this.deps.log.error({ step, err: errorMessage(err) }, 'planner close step failed'),
    );
    this.#leader = false;
  }
}
