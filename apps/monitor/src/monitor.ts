import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  Agent,
  ATTR,
  AwoError,
  canonicalJson,
  closeInOrder,
  counter,
  delay,
  errorMessage,
  gauge,
  HISTOGRAMS,
  mergeSlice,
  MESSAGING_SYSTEM_REDIS,
  type ReconfigureResult,
  type Issue,
  spanName,
  type AgentDeps,
  type MessageInput,
  type MonitorConfig,
} from '@awo/shared';
import { type LeaseHandlers, SourceLeases } from './leases.js';
import { SourceRunner } from './runner.js';
import { sourceId } from './series.js';
import { createSource } from './sources/index.js';
import { withTimeout } from './timeout.js';
import type { Sample, Source, SourceDeps } from './types.js';

/** Longest a single start or sample may take, whatever the interval. */
export const MAX_SAMPLE_MS = 10_000;
/** Longest a source may take to close. */
const SOURCE_CLOSE_MS = 5000;

/** What a MonitorAgent can be given besides its deps. */
export interface MonitorOptions {
  /** The sources to sample; default: built from `deps.config.monitor.sources`. */
  sources?: Source[];
}

/**
 * The monitor agent: samples every source on its own schedule and publishes each tick's
 * samples as `Metric` messages, in one publish per tick inside a PRODUCER span. A source that
 * fails (throws or outlasts min(interval, 10 s)) reports `<kind>.<name>.up` = 0 and a growing
 * `.staleness_ms`, is retried with backoff, and never stops the others.
 *
 * Several monitors may run side by side: each samples only the sources whose lease it holds
 * (`SourceLeases`: at most its share, taken over from a dead monitor within `monitor.lease`), and
 * each publish is fenced by the lease in Redis, so no sample is published twice. Alone, a monitor
 * holds every lease.
 */
export class MonitorAgent extends Agent {
  #runners: SourceRunner[];
  /** Each running source's own stop and abort, so a reload can stop one source and start another. */
  readonly #lanes = new Map<SourceRunner, { stop: AbortController; abort: AbortController; loop: Promise<void> }>();
  /** The config of each source built from the config (by id), to tell what a reload changed. */
  readonly #sourceConfigs = new Map<string, string>();
  /** Sources were handed in (tests, embedding): a reload cannot rebuild them. */
  readonly #injected: boolean;
  #running = false;
  readonly #counts = { published: 0, batches: 0, publishFailures: 0, dropped: 0, fenced: 0 };
  readonly #leases: SourceLeases;
  readonly #leaseHandlers: LeaseHandlers;
  /** Stops the lease rounds; the round in flight, so rounds never overlap. */
  readonly #leaseStop = new AbortController();
  #leaseRound: Promise<void> = Promise.resolve();
  #leaseLoop: Promise<void> | undefined;
  readonly #invalidSeen = new Set<string>();
  readonly #round: (seconds: number, labels: { stream: string }) => void;

  constructor(
    private readonly deps: AgentDeps<MonitorConfig>,
    options: MonitorOptions = {},
  ) {
    super('monitor');
    const cfg = deps.config.monitor;
    this.#injected = options.sources !== undefined;
    this.#round = deps.metrics.histogram(HISTOGRAMS.batchDuration);
    const sources = options.sources ?? cfg.sources.map((c) => this.#fromConfig(c));
    const ids = new Set<string>();
    this.#runners = sources.map((source) => {
      const id = sourceId(source);
      if (ids.has(id)) throw new AwoError('AWO_CONFIG_INVALID', `expected unique sources, "${id}" appears twice`);
      ids.add(id);
      return this.#runner(source, cfg);
    });
    this.#leases = new SourceLeases(deps.redis, deps.keys, cfg.lease, `${deps.instance}:${randomUUID().slice(0, 8)}`, deps.log, deps.config.bus.partitions);
    this.#leaseHandlers = {
      acquired: (id) => {
        const runner = this.#runners.find((r) => r.id === id);
        if (runner && this.#running && !this.#lanes.has(runner)) this.#startLane(runner);
      },
      stopping: async (id) => {
        const runner = this.#runners.find((r) => r.id === id);
        if (runner) await this.#stopLane(runner, false);
      },
    };
    const perSource = (read: (h: SourceRunner['health']) => number) => () => this.#runners.map((r) => [{ source: r.id }, read(r.health)] as const);
    deps.metrics.live({
      awo_monitor_samples_published_total: counter('Samples published as metrics', () => this.#counts.published),
      awo_monitor_batches_published_total: counter('Publishes of one tick of one source', () => this.#counts.batches),
      awo_monitor_publish_failures_total: counter('Publishes that failed', () => this.#counts.publishFailures),
      awo_monitor_samples_dropped_total: counter('Samples dropped because the metrics schema refused them', () => this.#counts.dropped),
      awo_monitor_sources: gauge('Sources this monitor samples', () => this.#runners.length),
      awo_monitor_sources_up: gauge('Sources whose last sample succeeded', () => this.#runners.filter((r) => r.health.up).length),
      awo_monitor_source_up: gauge('1 while the source samples, else 0', ['source'], perSource((h) => (h.up ? 1 : 0))),
      awo_monitor_source_failures_total: counter('Failed samples of the source', ['source'], perSource((h) => h.failures)),
      awo_monitor_ticks_skipped_total: counter('Ticks skipped because a tick ran long', ['source'], perSource((h) => h.skippedTicks)),
      awo_monitor_leases_held: gauge('Source leases this monitor holds (the sources it samples)', () => this.#leases.held().length),
      awo_monitor_live_monitors: gauge('Live monitors at the last heartbeat, this one included', () => this.#leases.live),
      awo_monitor_lease_takeovers_total: counter('Source leases taken (at start, from a dead monitor, or in a rebalance)', () => this.#leases.counts.takeovers),
      awo_monitor_leases_lost_total: counter('Source leases found held by another monitor at renewal', () => this.#leases.counts.lost),
      awo_monitor_leases_released_total: counter('Source leases given back because this monitor held more than its share', () => this.#leases.counts.released),
      awo_monitor_fenced_publishes_total: counter('Publishes refused because the source lease was not this monitor\'s', () => this.#counts.fenced),
    });
  }

  #fromConfig(c: MonitorConfig['monitor']['sources'][number]): Source {
    this.#sourceConfigs.set(sourceId(c), canonicalJson(c));
    return createSource(c, this.#sourceDeps(sourceId(c)));
  }

  #runner(source: Source, cfg: MonitorConfig['monitor']): SourceRunner {
    const id = sourceId(source);
    const interval = source.interval ?? cfg.interval;
    if (!(interval > 0)) throw new AwoError('AWO_CONFIG_INVALID', `source "${id}" needs an interval above 0 ms, got ${interval}`);
    const runner: SourceRunner = new SourceRunner(source, {
      interval,
      maxBackoff: cfg.maxBackoff,
      timeout: Math.min(interval, MAX_SAMPLE_MS),
      now: this.deps.now,
      log: this.deps.log,
      publish: (samples) => this.#publish(runner, samples),
      onTick: (seconds) => this.#round(seconds, { stream: 'metrics' }),
    });
    return runner;
  }

  #startLane(runner: SourceRunner): void {
    const stop = new AbortController();
    const abort = new AbortController();
    this.#lanes.set(runner, { stop, abort, loop: runner.run(stop.signal, abort.signal) });
  }

  /** Stops one source: no new ticks → in-flight sample (bounded) → abort → close it (unless only its lease went). */
  async #stopLane(runner: SourceRunner, close = true): Promise<void> {
    const lane = this.#lanes.get(runner);
    this.#lanes.delete(runner);
    if (lane) {
      lane.stop.abort();
      await Promise.race([lane.loop.catch(() => undefined), delay(Math.min(this.deps.config.bus.closeGrace, MAX_SAMPLE_MS + 1000))]);
      lane.abort.abort(new AwoError('AWO_AGENT_STATE', 'source is stopping'));
    }
    if (!close) return;
    await withTimeout(() => runner.source.close(), SOURCE_CLOSE_MS, new AbortController().signal, `closing ${runner.id}`).catch((err) =>
      this.deps.log.error({ source: runner.id, err: errorMessage(err) }, 'closing a source failed'),
    );
  }

  /**
   * Hot reload: sources (added, removed, changed), the default interval and the backoff change
   * live: a changed source is stopped and started again from its new config, the others keep
   * running. The workflow (which `records` sources read) needs a restart.
   */
  async reconfigure(slice: MonitorConfig): Promise<ReconfigureResult> {
    const live = this.#injected ? [] : ['monitor.sources', 'monitor.interval', 'monitor.maxBackoff'];
    const { merged, applied, refused } = mergeSlice(this.deps.config, slice, live, this.#injected ? 'sources were handed in by the embedding code: restart to change them' : undefined);
    if (applied.length > 0) {
      const cfg = merged.monitor;
      const wanted = new Map(cfg.sources.map((c) => [sourceId(c), c]));
      const keep: SourceRunner[] = [];
      const stopping: SourceRunner[] = [];
      for (const r of this.#runners) {
        const next = wanted.get(r.id);
        const same = next !== undefined && this.#sourceConfigs.get(r.id) === canonicalJson(next) && (r.source.interval ?? cfg.interval) === (r.source.interval ?? this.deps.config.monitor.interval) && cfg.maxBackoff === this.deps.config.monitor.maxBackoff;
        (same ? keep : stopping).push(r);
      }
      await Promise.all(stopping.map((r) => this.#stopLane(r)));
      for (const r of stopping) this.#sourceConfigs.delete(r.id);
      const started: SourceRunner[] = [];
      for (const [id, c] of wanted) {
        if (keep.some((r) => r.id === id)) continue;
        const runner = this.#runner(this.#fromConfig(c), cfg);
        started.push(runner);
        if (this.#running && this.#leases.held().includes(id)) this.#startLane(runner);
      }
      this.#runners = [...keep, ...started];
      void this.#balance();
      this.deps.log.info({ stopped: stopping.map((r) => r.id), started: started.map((r) => r.id), sources: this.#runners.map((r) => r.id) }, 'monitor sources reconfigured');
    }
    this.deps.config = merged;
    return { applied, refused };
  }

  #sourceDeps(id: string): SourceDeps {
    return {
      connect: (name, options) => this.deps.connect(`source:${name}`, options),
      log: this.deps.log.child({ source: id }),
      now: this.deps.now,
      keys: this.deps.keys,
      workflow: this.deps.config.workflow,
    };
  }

  protected async onStart(): Promise<void> {
    // Sources start in their loops, once their lease is taken: one that cannot start is retried there, like a failed sample.
    this.#running = true;
    await this.#balance();
    const period = Math.max(50, Math.floor(this.deps.config.monitor.lease / 4));
    const stop = this.#leaseStop.signal;
    this.#leaseLoop = (async () => {
      while (!stop.aborted) {
        await delay(this.#leases.nextRound(period), stop);
        if (!stop.aborted) await this.#balance();
      }
    })();
    this.deps.log.info({ sources: this.#runners.map((r) => r.id), held: this.#leases.held(), monitor: this.#leases.id, live: this.#leases.live }, 'monitor sampling');
  }

  /** One lease round (beat, renew, give back, take), after the one in flight. */
  #balance(): Promise<void> {
    this.#leaseRound = this.#leaseRound.then(() => (this.#running ? this.#leases.balance(this.#runners.map((r) => r.id), this.#leaseHandlers) : undefined));
    return this.#leaseRound;
  }

  /** Publishes one tick of a source as metrics, in one call, inside a PRODUCER span. */
  async #publish(runner: SourceRunner, samples: Sample[]): Promise<void> {
    const metrics = this.#toMetrics(runner.source, samples);
    if (metrics.length === 0) return;
    const span = this.deps.tracer.startSpan(spanName('publish', 'metrics'), {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
        [ATTR.MESSAGING_DESTINATION_NAME]: this.deps.keys.stream('metrics'),
        [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: metrics.length,
        'awo.source': runner.id,
      },
    });
    try {
      const fence = this.#leases.fence(runner.id);
      if (!fence) throw new AwoError('AWO_LEASE_LOST', `refusing to publish ${runner.id}: its lease was never taken`);
      const ids = await context.with(trace.setSpan(context.active(), span), () =>
        this.deps.bus.publish('metrics', metrics, { fence, onInvalid: (i, issues) => this.#dropInvalid(metrics[i]?.series ?? '?', issues) }),
      );
      this.#counts.published += ids.length;
      this.#counts.batches++;
    } catch (err) {
      if (err instanceof AwoError && err.code === 'AWO_LEASE_LOST') {
        this.#counts.fenced++;
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        this.deps.log.warn({ source: runner.id, count: metrics.length }, 'publish fenced: the source lease is not this monitor\'s');
        return;
      }
      this.#counts.publishFailures++;
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
      this.deps.log.warn({ source: runner.id, err: errorMessage(err), count: metrics.length }, 'publishing metrics failed');
    } finally {
      span.end();
    }
  }

  /** A metric that fails its schema (or the clock) is dropped and counted (and logged once per series). */
  #dropInvalid(series: string, issues: Issue[]): void {
    this.#counts.dropped++;
    if (!this.#invalidSeen.has(series) && this.#invalidSeen.size < 1000) {
      this.#invalidSeen.add(series);
      this.deps.log.warn({ series, err: issues.map((i) => `${i.path}: ${i.message}`).join('; ') }, 'dropping an invalid metric');
    }
  }

  /**
   * Samples as metrics: config labels merged with sample labels. A non-finite value (NaN, ±Inf
   * from a Prometheus gauge) or a metric that fails its schema is dropped and counted, so one
   * bad sample never costs the batch. A source's own timestamp (a Prometheus exposition's) is
   * never later than now: one further ahead than `bus.maxClockSkew` is dropped and counted, one
   * within it is taken as now, so a scraped future stamp cannot outlive honest samples.
   */
  #toMetrics(source: Source, samples: Sample[]): MessageInput<'metrics'>[] {
    const now = this.deps.now();
    const out: MessageInput<'metrics'>[] = [];
    for (const s of samples) {
      if (!Number.isFinite(s.value)) {
        this.#counts.dropped++;
        continue;
      }
      if (s.ts !== undefined && s.ts > now + this.deps.config.bus.maxClockSkew) {
        this.#dropInvalid(s.series, [{ path: 'ts', message: `expected a time at most bus.maxClockSkew (${this.deps.config.bus.maxClockSkew} ms) ahead of now, got ${Math.round(s.ts - now)} ms ahead` }]);
        continue;
      }
      const metric: MessageInput<'metrics'> = {
        v: 1,
        series: s.series,
        value: s.value,
        ts: Math.round(Math.min(s.ts ?? now, now)),
        source: sourceId(source),
        labels: { ...source.labels, ...s.labels },
        ...(s.unit !== undefined ? { unit: s.unit } : {}),
      };
      out.push(metric);
    }
    return out;
  }

  protected override isReady(): boolean {
    return this.#running;
  }

  override metrics(): Record<string, number> {
    const out: Record<string, number> = {
      monitor_samples_published_total: this.#counts.published,
      monitor_batches_published_total: this.#counts.batches,
      monitor_publish_failures_total: this.#counts.publishFailures,
      monitor_samples_dropped_total: this.#counts.dropped,
      monitor_sources: this.#runners.length,
      monitor_sources_up: this.#runners.filter((r) => r.health.up).length,
      monitor_source_failures_total: this.#runners.reduce((n, r) => n + r.health.failures, 0),
      monitor_ticks_skipped_total: this.#runners.reduce((n, r) => n + r.health.skippedTicks, 0),
      monitor_leases_held: this.#leases.held().length,
      monitor_live_monitors: this.#leases.live,
      monitor_lease_takeovers_total: this.#leases.counts.takeovers,
      monitor_leases_lost_total: this.#leases.counts.lost,
      monitor_fenced_publishes_total: this.#counts.fenced,
    };
    for (const r of this.#runners) {
      const label = `{source="${r.source.kind}:${r.source.name}"}`;
      out[`monitor_source_failures_total_by_source${label}`] = r.health.failures;
      out[`monitor_source_up_by_source${label}`] = r.health.up ? 1 : 0;
    }
    return out;
  }

  protected override detail(): Record<string, unknown> {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const sources: Record<string, unknown> = {};
    for (const r of this.#runners) {
      const h = r.health;
      sources[r.id] = {
        up: h.up,
        lastSuccess: iso(h.lastSuccessAt),
        lastError: h.lastError,
        lastErrorAt: iso(h.lastErrorAt),
        consecutiveFailures: h.consecutiveFailures,
        failures: h.failures,
        samples: h.samples,
        skippedTicks: h.skippedTicks,
        retryAt: iso(h.retryAt),
      };
    }
    return { sources, held: this.#leases.held(), monitor: this.#leases.id, liveMonitors: this.#leases.live, leases: this.#leases.counts, ...this.#counts };
  }

  /** Stop ticking → wait for in-flight samples (bounded) → abort them → close every source. */
  protected async onClose(): Promise<void> {
    const log = this.deps.log;
    const grace = Math.min(this.deps.config.bus.closeGrace, MAX_SAMPLE_MS + 1000);
    const neverAborted = new AbortController().signal;
    const lanes = [...this.#lanes.values()];
    this.#leaseStop.abort();
    await closeInOrder(
      [
        ['lease rounds', () => Promise.race([Promise.allSettled([this.#leaseLoop, this.#leaseRound]), delay(grace)])],
        ['timers', () => lanes.forEach((l) => l.stop.abort())],
        ['in-flight samples', () => Promise.race([Promise.allSettled(lanes.map((l) => l.loop)), delay(grace)])],
        ['abort samples', () => lanes.forEach((l) => l.abort.abort(new AwoError('AWO_AGENT_STATE', 'monitor is closing')))],
        // Lanes are stopped: give every lease back so another monitor takes the sources at once.
        ['leases', () => this.#leases.close({ acquired: () => undefined, stopping: async () => undefined })],
        [
          'sources',
          () =>
            Promise.all(
              this.#runners.map((r) =>
                withTimeout(() => r.source.close(), SOURCE_CLOSE_MS, neverAborted, `closing ${r.id}`).catch((err) =>
                  log.error({ source: r.id, err: errorMessage(err) }, 'closing a source failed'),
                ),
              ),
            ),
        ],
      ],
      (step, err) => log.error({ step, err: errorMessage(err) }, 'monitor close step failed'),
    );
    this.#lanes.clear();
    this.#running = false;
  }
}
