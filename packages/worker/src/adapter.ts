import { hostname } from 'node:os';
import { trace, TraceFlags, type Link, type Tracer } from '@opentelemetry/api';
import type { Job, Worker } from 'bullmq';
import {
  Agent,
  ATTR,
  closeInOrder,
  counter,
  createLogger,
  createRedis,
  errorMessage,
  gauge,
  keys as makeKeys,
  MESSAGING_SYSTEM_BULLMQ,
  paramOf,
  PlanReader,
  planReaderOptions,
  PlanStore,
  RedisBus,
  type Config,
  type Keys,
  type Logger, type RedisClient } from '@awo/shared';
import { EventSpans, JobMeter } from './jobs.js';
import { beat, leave, type MemberInfo } from './members.js';
import { Notices } from './notices.js';
import { natsServers, parseSettings, type AdaptOptions, type MemberSettings } from './options.js';
import { WORKER_ATTR } from './semconv.js';
import { shareOf } from './share.js';

/** The step's desired total as last read from a trusted plan, and the revision that set it. */
interface Desired {
  total: number;
  version: number;
  epoch: string | undefined;
  /** A link to the span of the revision that set it (absent at version 0). */
  link: Link | undefined;
}

/** What to do in one refresh. */
interface Wanted {
  beat: boolean;
  plan: boolean;
}

/**
 * Makes one BullMQ worker a member of its step: registers it in Redis with a heartbeat and a TTL,
 * learns the step's desired concurrency from the signed plan (re-read on a NATS notice and on a
 * timer), and sets the worker's concurrency to its share of that total over the step's live,
 * ready members (`splitShares`). A share of 0 pauses the worker; a later share resumes it.
 * Publishes processing time, jobs/s, concurrency and the member count to the metrics stream.
 * `AdaptiveWorker` and `adapt()` are the two ways to get one.
 */
export class Adapter extends Agent {
  readonly settings: MemberSettings;
  readonly counters = { beats: 0, beatFailures: 0, refusedJoins: 0, planReads: 0, planFailures: 0, untrustedPlans: 0, badValues: 0, rechecks: 0, reports: 0, reportFailures: 0, invalidMembers: 0, changes: 0 };
  readonly log: Logger;
  readonly tracer: Tracer;
  readonly keys: Keys;
  readonly meter = new JobMeter(Date.now());
  readonly #config: Config;
  readonly #options: AdaptOptions;
  #redis: RedisClient | undefined;
  #reader: PlanReader | undefined;
  #bus: RedisBus | undefined;
  #notices: Notices | undefined;
  #desired: Desired | undefined;
  /** The ready members of the step, as of the last beat. */
  #ready: string[] = [];
  #members = 0;
  /** What the other live members run, in total, as of the last beat. */
  #others = 0;
  #joined = false;
  #share = 0;
  /** The concurrency last set on the worker (0: paused); undefined before the first refresh. */
  #applied: number | undefined;
  #readyAt = 0;
  #lastBeat = 0;
  #timers: NodeJS.Timeout[] = [];
  #wanted: Wanted = { beat: false, plan: false };
  #refreshing: Promise<void> | undefined;
  #warned = '';
  #unregister: (() => void) | undefined;
  /** An adapted worker's jobs, traced through its events. */
  #events: EventSpans | undefined;

  constructor(
    readonly worker: Worker,
    options: AdaptOptions,
  ) {
    const settings = parseSettings(options, options.config);
    super(`worker:${settings.step}`);
    this.settings = settings;
    this.#options = options;
    this.#config = options.config;
    this.keys = makeKeys(options.config.prefix);
    this.log = (options.log ?? createLogger({ level: options.config.log.level })).child({ component: 'awo-worker', step: settings.step, member: settings.id });
    this.tracer = options.tracer ?? trace.getTracer('@awo/worker');
  }

  /** The concurrency this member runs now (0: paused). */
  get concurrency(): number {
    return this.#applied ?? 0;
  }

  /** The step's desired total as last verified, and the plan version that set it. */
  get desired(): { total: number; version: number } | undefined {
    return this.#desired && { total: this.#desired.total, version: this.#desired.version };
  }

  /** Links for a job span: the revision that set this member's concurrency. */
  links(): Link[] {
    return this.#desired?.link ? [this.#desired.link] : [];
  }

  /** Attributes of a job span. */
  jobAttributes(job: Job): Record<string, string | number> {
    return {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_BULLMQ,
      [ATTR.MESSAGING_DESTINATION_NAME]: this.worker.name,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_MESSAGE_ID]: job.id ?? '',
      [WORKER_ATTR.STEP]: this.settings.step,
      [WORKER_ATTR.MEMBER]: this.settings.id,
      [WORKER_ATTR.CONCURRENCY]: this.concurrency,
      [WORKER_ATTR.PLAN_VERSION]: this.#desired?.version ?? 0,
    };
  }

  protected async onStart(): Promise<void> {
    const { config, settings } = this;
    this.#redis = createRedis(config.redis, { name: `${config.prefix}:worker:${settings.id}` });
    this.#redis.on('error', (err) => this.log.debug({ err: errorMessage(err) }, 'redis connection error'));
    this.#reader = new PlanReader(new PlanStore(this.#redis, this.keys, config), planReaderOptions(config));
    this.#bus = new RedisBus({ redis: this.#redis, config: config.bus, prefix: config.prefix, log: this.log });
    this.#readyAt = Date.now() + settings.warmup;
    this.#declareMetrics();
    const servers = natsServers(this.#options);
    if (servers !== undefined) {
      this.#notices = new Notices(servers, config.prefix, settings.step, `awo-worker:${settings.id}`, this.log, { plan: () => this.#refresh({ plan: true }), members: () => this.#refresh({ beat: true }) });
      this.#notices.start();
    }
    await this.#refresh({ beat: true, plan: true });
    const every = (ms: number, fn: () => void) => this.#timers.push(setInterval(fn, ms));
    every(settings.heartbeat, () => void this.#refresh({ beat: true }));
    every(settings.recheck, () => {
      this.counters.rechecks++;
      void this.#refresh({ plan: true });
    });
    if (settings.report > 0) every(settings.report, () => void this.#report());
    if (settings.warmup > 0) {
      this.#timers.push(
        setTimeout(() => {
          this.log.info({ warmup: settings.warmup }, 'warm-up over: taking a share');
          void this.#refresh({ beat: true }).then(() => this.#notices?.membersChanged());
        }, settings.warmup),
      );
    } else this.#notices?.membersChanged();
    this.log.info({ ttl: settings.ttl, heartbeat: settings.heartbeat, recheck: settings.recheck, warmup: settings.warmup, nats: servers !== undefined }, 'member started');
  }

  get config(): Config {
    return this.#config;
  }

  /**
   * Asks for a refresh; refreshes never overlap, and asks made while one runs are gathered into
   * the next. Never rejects (a failure is logged and counted; the next timer tries again).
   */
  #refresh(want: Partial<Wanted>): Promise<void> {
    this.#wanted = { beat: this.#wanted.beat || !!want.beat, plan: this.#wanted.plan || !!want.plan };
    this.#refreshing ??= (async () => {
      try {
        while ((this.#wanted.beat || this.#wanted.plan) && (this.state === 'running' || this.state === 'starting')) {
          const now = this.#wanted;
          this.#wanted = { beat: false, plan: false };
          await this.#once(now);
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /**
   * One refresh: the plan (when asked), then always a beat, so the share is computed from the
   * members as they are now. After a change the member beats again, so Redis shows what it runs;
   * after a decrease it tells the others (what it gave up is room for them).
   */
  async #once(want: Wanted): Promise<void> {
    if (want.plan) await this.#readPlan();
    await this.#beat();
    const before = this.concurrency;
    if (!(await this.#apply())) return;
    await this.#beat();
    if (this.concurrency < before) this.#notices?.membersChanged();
  }

  async #beat(): Promise<void> {
    const redis = this.#redis;
    if (!redis) return;
    const info: MemberInfo = { ready: Date.now() >= this.#readyAt, concurrency: this.concurrency, version: this.#desired?.version ?? 0, ...(this.#desired?.epoch ? { epoch: this.#desired.epoch } : {}), host: hostname().slice(0, 255), pid: process.pid, at: Date.now() };
    try {
      const r = await beat(redis, this.keys, this.settings.step, this.settings.id, info, this.settings.ttl, this.settings.maxMembers);
      this.counters.beats++;
      if (!r.joined) {
        this.counters.refusedJoins++;
        this.#ready = [];
        this.#members = 0;
        this.#warnOnce(`refused:${this.#joined}`, { maxMembers: this.settings.maxMembers, refused: r.refused }, 'refused: the step has its maximum of live members; this member stays paused and tries again');
        this.#joined = false;
        return;
      }
      if (!this.#joined) this.log.info({ members: r.members.length }, 'joined the step');
      this.#joined = true;
      this.#lastBeat = Date.now();
      this.#members = r.members.length;
      this.counters.invalidMembers += r.invalid;
      this.#ready = r.members.filter((m) => m.info.ready).map((m) => m.id);
      this.#others = r.members.reduce((sum, m) => sum + (m.id === this.settings.id ? 0 : m.info.concurrency), 0);
    } catch (err) {
      this.counters.beatFailures++;
      this.log.warn({ err: errorMessage(err) }, 'heartbeat failed');
      // Past its TTL the others count this member gone and took its share: it must stop too.
      if (Date.now() - this.#lastBeat > this.settings.ttl) this.#ready = [];
    }
  }

  async #readPlan(): Promise<void> {
    const reader = this.#reader;
    if (!reader) return;
    try {
      this.counters.planReads++;
      const read = await reader.current();
      const { step, param } = this.settings;
      if (!read.trust.ok) {
        this.counters.untrustedPlans++;
        this.#warnOnce(`untrusted:${read.plan.version}:${read.trust.reason}`, { version: read.plan.version, reason: read.trust.reason, kept: this.#desired?.total }, 'the current plan is not trusted: keeping the last trusted value');
        return;
      }
      const value = paramOf(read.plan, step, param);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100_000) {
        this.counters.badValues++;
        this.#warnOnce(`bad:${read.plan.version}`, { version: read.plan.version, value }, `the plan's ${step}.${param} is not a concurrency (an integer from 0 to 100000): keeping the last value`);
        return;
      }
      const t = read.revision?.trace;
      const link: Link | undefined = t ? { context: { traceId: t.traceId, spanId: t.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }, attributes: { [WORKER_ATTR.PLAN_VERSION]: read.plan.version } } : undefined;
      const before = this.#desired;
      this.#desired = { total: value, version: read.plan.version, epoch: read.plan.epoch, link };
      if (before?.total !== value) this.log.info({ version: read.plan.version, total: value, before: before?.total }, 'desired concurrency read from the plan');
    } catch (err) {
      this.counters.planFailures++;
      this.log.warn({ err: errorMessage(err) }, 'reading the plan failed');
    }
  }

  /**
   * Sets the worker's concurrency toward this member's share; true when it changed. A decrease
   * applies at once; an increase only up to the room the others leave (the total minus what the
   * live members run now, as of the last beat), so a joining member never adds on top of the
   * others before they gave up their part: the sum stays within the plan while members change.
   */
  async #apply(): Promise<boolean> {
    const share = this.#desired ? shareOf(this.#desired.total, this.#ready, this.settings.id) : 0;
    this.#share = share;
    const current = this.#applied ?? 0;
    const room = this.#desired ? Math.max(0, this.#desired.total - this.#others) : 0;
    const target = share > current ? Math.max(current, Math.min(share, room)) : share;
    if (target === this.#applied) return false;
    const before = this.#applied;
    const w = this.worker;
    try {
      if (target === 0) {
        if (!w.isPaused()) await w.pause(true);
      } else {
        w.concurrency = target;
        if (w.isPaused()) w.resume();
        else if (!w.isRunning()) void w.run().catch((err: unknown) => this.fail(err));
      }
    } catch (err) {
      this.log.error({ err: errorMessage(err), target }, 'setting the worker concurrency failed');
      return false;
    }
    this.#applied = target;
    this.counters.changes++;
    this.log.info({ concurrency: target, share, before: before ?? null, total: this.#desired?.total, version: this.#desired?.version, members: this.#ready.length }, target === 0 ? 'paused: share is 0' : target < share ? 'concurrency raised as far as the others leave room' : 'concurrency set to this member\'s share');
    return true;
  }

  #warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#warned === key) return;
    this.#warned = key;
    this.log.warn(fields, message);
  }

  /** Publishes this member's figures to the metrics stream (series `worker.<step>.*`, label `member`). */
  async #report(): Promise<void> {
    const bus = this.#bus;
    if (!bus) return;
    const now = Date.now();
    const w = this.meter.take(now);
    const series = (name: string) => `worker.${this.settings.step}.${name}`;
    const base = { v: 1 as const, ts: now, source: 'awo-worker', labels: { member: this.settings.id, step: this.settings.step } };
    const metrics = [
      { ...base, series: series('jobs_per_s'), value: w.perSecond, unit: '1/s' },
      { ...base, series: series('concurrency'), value: this.concurrency },
      { ...base, series: series('members'), value: this.#ready.length },
      ...(w.meanMs === undefined ? [] : [{ ...base, series: series('processing_ms'), value: w.meanMs, unit: 'ms' }]),
    ];
    try {
      await bus.publish('metrics', metrics, { headers: {} });
      this.counters.reports++;
    } catch (err) {
      this.counters.reportFailures++;
      this.log.debug({ err: errorMessage(err) }, 'publishing the worker report failed');
    }
  }

  /**
   * For a worker this member did not build (`adapt()`): its jobs are seen through its events, a
   * span and a timing from `active` to `completed`/`failed`. Call before `start()`.
   */
  observeEvents(): void {
    this.#events = new EventSpans(this.worker, this.tracer, this.settings.maxTracked, this.meter, (job) => ({ attributes: this.jobAttributes(job), links: this.links() }));
  }

  #declareMetrics(): void {
    const m = this.#options.metrics;
    if (!m) return;
    const labels = { step: this.settings.step };
    this.#unregister = m.live(
      {
        awo_worker_concurrency: gauge('The BullMQ concurrency this member runs (0: paused)', () => this.concurrency),
        awo_worker_desired_total: gauge('The step\'s desired total concurrency, from the last trusted plan', () => this.#desired?.total ?? 0),
        awo_worker_members: gauge('Live ready members of the step, as of the last heartbeat', () => this.#ready.length),
        awo_worker_jobs_total: counter('Jobs this member finished, completed or failed', () => this.meter.counters.completed + this.meter.counters.failed),
        awo_worker_failed_jobs_total: counter('Jobs this member finished with an error', () => this.meter.counters.failed),
        awo_worker_refused_joins_total: counter('Heartbeats refused because the step had its maximum of live members', () => this.counters.refusedJoins),
        awo_worker_untrusted_plans_total: counter('Plan reads refused because the plan did not verify (its concurrency was kept)', () => this.counters.untrustedPlans),
        awo_worker_heartbeat_failures_total: counter('Heartbeats that failed (RedisClient did not answer)', () => this.counters.beatFailures),
      },
      labels,
    );
  }

  protected override isReady(): boolean {
    return this.#joined && Date.now() - this.#lastBeat <= this.settings.ttl;
  }

  override metrics(): Record<string, number> {
    return { ...this.counters, ...this.meter.counters, untracked: this.#events?.untracked ?? 0, concurrency: this.concurrency, share: this.#share, members: this.#members, readyMembers: this.#ready.length, notices: (this.#notices?.counters.plan ?? 0) + (this.#notices?.counters.members ?? 0) };
  }

  protected override detail(): Record<string, unknown> {
    return { id: this.settings.id, step: this.settings.step, joined: this.#joined, desired: this.desired, concurrency: this.concurrency, ready: this.#ready, nats: this.#notices?.connected ?? false, ...this.metrics() };
  }

  /**
   * Stops following the plan: timers off, then the member leaves (the others take its share at
   * once), then tells them; the worker is drained by the caller (`AdaptiveWorker.close()` or the
   * adapted worker's owner). Spans of an adapted worker's jobs still open are ended.
   */
  protected async onClose(): Promise<void> {
    await closeInOrder(
      [
        ['timers', () => this.#timers.forEach((t) => clearInterval(t))],
        ['refresh', () => this.#refreshing],
        ['leave', () => this.#redis && leave(this.#redis, this.keys, this.settings.step, this.settings.id)],
        ['notify', () => this.#notices?.membersChanged()],
        ['report', () => this.#report()],
        ['bus', () => this.#bus?.close()],
        ['nats', () => this.#notices?.close()],
        ['metrics', () => this.#unregister?.()],
        ['events', () => this.#events?.close()],
        ['redis', () => this.#redis?.quit().catch(() => this.#redis?.disconnect())],
      ],
      (step, err) => this.log.error({ step, err: errorMessage(err) }, 'closing the member failed at a step'),
    );
  }

}
