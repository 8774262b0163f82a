import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import {
  Agent,
  ATTR,
  AwoError,
  closeInOrder,
  counter,
  errorMessage,
  gauge,
  GROUPS,
  mergeSlice,
  type ReconfigureResult,
  inSpan,
  isAwoError,
  type Lease,
  type LeaseFence,
  linksFrom,
  partitionOf,
  MESSAGING_SYSTEM_REDIS,
  spanName,
  type AgentDeps,
  type AnalyzerConfig,
  type Consumer,
  type Delivery,
  type MessageInput,
} from '@awo/shared';
import { nameOfKey, RuleSeries, SeriesBudget, sweepEvery, type RefusalWarning } from './admission.js';
import { PartitionOwner } from './partitions.js';
import { takeOver } from './takeover.js';
import { QualityChecks } from './quality/checks.js';
import { globToRegExp, SeriesState, type AnomalyRule, type ForecastRule } from './series.js';

/** A forecast or anomaly rule: its pattern, its settings and its admitted series. */
interface Rule<R> {
  re: RegExp;
  rule: R;
  series: RuleSeries<SeriesState>;
}

/** Which rules a series name matches (indexes; -1: none), remembered per name. */
interface Matched {
  forecast: number;
  anomaly: number;
}

/**
 * The analyzer agent: reads metrics through a consumer group, keeps a bounded window per series,
 * and publishes insights — forecasts for series with a forecast rule, anomalies when a detector
 * crosses its threshold. Acks only after its insights are published.
 *
 * Each rule keeps its own series, bounded (see admission.ts): a new series over a limit is
 * refused and counted, never admitted by dropping another; a series silent for
 * `analyzer.idleExpiry` is forgotten.
 */
export class AnalyzerAgent extends Agent {
  readonly #forecastRules: Rule<ForecastRule>[];
  readonly #anomalyRules: Rule<AnomalyRule>[];
  /** Reconfigure runs between batches, never in the middle of one. */
  #batch: Promise<void> = Promise.resolve();
  readonly #matched = new Map<string, Matched>();
  readonly #quality: QualityChecks;
  readonly #sweepEvery: number;
  #sweptAt: number;
  #consumer: Consumer | undefined;
  /** With `bus.partitions` > 1: the partitions this analyzer owns (leases) and their consumers. */
  #owner: PartitionOwner | undefined;
  readonly #partitions = new Map<number, { consumer?: Consumer; lease: Lease }>();
  readonly #takeovers = { replayed: 0, pending: 0, fenced: 0 };
  readonly #counts = { metrics: 0, forecasts: 0, anomalies: 0, qualityFindings: 0, batches: 0 };
  /** The newest forecast of each forecast rule (by its `series` pattern from the config: bounded), for dashboards. */
  readonly #lastForecast = new Map<string, Record<'observed' | 'value' | 'lower' | 'upper', number>>();

  constructor(private readonly deps: AgentDeps<AnalyzerConfig>) {
    super('analyzer');
    const cfg = deps.config;
    const a = cfg.analyzer;
    const budget = new SeriesBudget(a.maxSeries);
    const warn = (w: RefusalWarning) => deps.log.warn(w, 'analyzer: new series refused, over its limit of series (admitted series are kept)');
    const table = (rule: string, bounds: { maxSeries: number; labels: readonly string[] }) => new RuleSeries<SeriesState>(rule, bounds, budget, a.idleExpiry, warn);
    this.#forecastRules = a.forecast.map((r, i) => ({
      re: globToRegExp(r.series),
      rule: { series: r.series, horizonMs: r.horizon, stepMs: r.step, season: r.season, models: r.models },
      series: table(`forecast[${i}]`, r),
    }));
    this.#anomalyRules = a.anomaly.map((r, i) => ({ re: globToRegExp(r.series), rule: { series: r.series, detectors: r.detectors, threshold: r.threshold }, series: table(`anomaly[${i}]`, r) }));
    this.#quality = new QualityChecks(cfg, budget, warn);
    this.#sweepEvery = sweepEvery(a.idleExpiry);
    this.#sweptAt = deps.now();
    deps.metrics.live({
      awo_analyzer_metrics_total: counter('Metric samples read', () => this.#counts.metrics),
      awo_analyzer_forecasts_total: counter('Forecast insights published', () => this.#counts.forecasts),
      awo_analyzer_anomalies_total: counter('Anomaly insights published', () => this.#counts.anomalies),
      awo_analyzer_quality_findings_total: counter('Data-quality insights published', () => this.#counts.qualityFindings),
      awo_analyzer_forecast: gauge(
        "The newest forecast of each forecast rule (series: the rule's pattern from the config; bound: observed, the value it forecast from, or the forecast's value, lower or upper bound)",
        ['series', 'bound'],
        () => [...this.#lastForecast].flatMap(([series, f]) => Object.entries(f).map(([bound, v]) => [{ series, bound }, v] as const)),
      ),
      awo_analyzer_partitions: gauge('Metrics partitions this analyzer owns (bus.partitions > 1)', () => this.#owner?.owned().length ?? 0),
      awo_analyzer_partition_takeovers_total: counter('Metrics partitions this analyzer took (state rebuilt from their retained entries)', () => this.#owner?.counts.taken ?? 0),
      awo_analyzer_partition_fenced_total: counter('Insight publishes refused because the partition lease was another analyzer\'s (AWO_LEASE_LOST)', () => this.#takeovers.fenced),
      awo_analyzer_series: gauge('Series whose state the analyzer keeps, over all its rules', () => this.#tables().reduce((n, t) => n + t.size, 0)),
      awo_analyzer_series_expired_total: counter('Series forgotten after analyzer.idleExpiry without a point', () => this.#tables().reduce((n, t) => n + t.expired, 0)),
      awo_analyzer_series_refused_total: counter('Points of new series refused for being over a rule\'s or the analyzer\'s limit of series (admitted series are never evicted)', ['rule'], () => this.#tables().map((t) => [{ rule: t.rule }, t.refused] as const)),
    });
  }

  protected async onStart(): Promise<void> {
    const partitions = this.deps.config.bus.partitions;
    if (partitions > 1) {
      this.#owner = new PartitionOwner(this.deps.redis, this.deps.keys, partitions, this.deps.config.analyzer.leaseTtl, this.deps.instance, { take: (n, lease) => this.#take(n, lease), drop: (n) => this.#drop(n) }, this.deps.log);
      await this.#owner.start();
      return;
    }
    this.#consumer = await this.deps.bus.consume('metrics', {
      group: GROUPS.analyzer,
      consumer: this.deps.instance,
      batchHandler: (batch) => this.#handle(batch),
    });
  }

  /**
   * Partition n is ours: forget what we knew of its series (an earlier ownership's state is
   * stale), rebuild it from the partition's retained entries, analyze what earlier owners left
   * unacknowledged, then read the partition from there.
   */
  async #take(n: number, lease: Lease): Promise<void> {
    const entry: { consumer?: Consumer; lease: Lease } = { lease };
    this.#partitions.set(n, entry);
    this.#forget(n);
    const now = this.deps.now();
    const done = await takeOver(this.deps.redis, this.deps.keys.metricsPartition(n, this.deps.config.bus.partitions), GROUPS.analyzer, this.deps.instance, this.deps.config.bus.maxLen,
      (batch) => void this.#analyze(batch, now, null),
      (batch) => this.#handle(batch, n),
      this.deps.log);
    this.#takeovers.replayed += done.replayed;
    this.#takeovers.pending += done.pending;
    this.deps.log.info({ partition: n, ...done }, 'partition state rebuilt');
    if (this.#partitions.get(n) !== entry) return;
    entry.consumer = await this.deps.bus.consume('metrics', { group: GROUPS.analyzer, consumer: this.deps.instance, partition: n, batchHandler: (batch) => this.#handle(batch, n) });
  }

  /** Partition n is no longer ours: stop reading it (its batch in flight finishes first) and forget its series. */
  async #drop(n: number): Promise<void> {
    const entry = this.#partitions.get(n);
    this.#partitions.delete(n);
    await entry?.consumer?.close();
    this.#forget(n);
  }

  /** Forgets the series of partition n in every rule. */
  #forget(n: number): void {
    const P = this.deps.config.bus.partitions;
    const drop = (key: string) => partitionOf(nameOfKey(key), P) === n;
    for (const r of [...this.#forecastRules, ...this.#anomalyRules]) r.series.forget(drop);
    for (const t of this.#quality.tables()) t.forget(drop);
  }

  /**
   * Hot reload: detector settings (`analyzer.anomaly[i].detectors`, `.threshold`) and the quality
   * limits from the planner's goals change live, the series kept and their windows with them. New
   * or removed rules, their patterns and bounds, forecasts, drift and windows need a restart.
   */
  async reconfigure(slice: AnalyzerConfig): Promise<ReconfigureResult> {
    const current = this.deps.config;
    const sameShape = slice.analyzer.anomaly.length === current.analyzer.anomaly.length && slice.analyzer.anomaly.every((r, i) => {
      const c = current.analyzer.anomaly[i];
      return c !== undefined && c.series === r.series && c.maxSeries === r.maxSeries && JSON.stringify(c.labels) === JSON.stringify(r.labels);
    });
    const live = ['quality.limits', ...(sameShape ? ['analyzer.anomaly'] : [])];
    const { merged, applied, refused } = mergeSlice(current, slice, live);
    await this.#batch;
    if (applied.some((p) => p.startsWith('analyzer.anomaly'))) {
      merged.analyzer.anomaly.forEach((r, i) => {
        const rule = this.#anomalyRules[i];
        if (!rule) return;
        rule.rule = { series: r.series, detectors: [...r.detectors], threshold: r.threshold };
        for (const state of rule.series.values()) state.retune(rule.rule);
      });
    }
    if (applied.some((p) => p.startsWith('quality.limits'))) this.#quality.retuneLimits(merged.quality.limits);
    this.deps.config = merged;
    this.deps.log.info({ applied, refused: refused.map((r) => r.path) }, 'analyzer reconfigured');
    return { applied, refused };
  }

  /** The rules a series name matches (the first forecast and the first anomaly rule), remembered per name. */
  #match(series: string): Matched {
    let m = this.#matched.get(series);
    if (m === undefined) {
      // Names come from the stream: the memo is bounded (cleared, it is only a cache).
      if (this.#matched.size >= this.deps.config.analyzer.maxSeries) this.#matched.clear();
      m = { forecast: this.#forecastRules.findIndex((r) => r.re.test(series)), anomaly: this.#anomalyRules.findIndex((r) => r.re.test(series)) };
      this.#matched.set(series, m);
    }
    return m;
  }

  /** Forgets series silent for `analyzer.idleExpiry`, checked now and then. */
  #sweep(now: number): void {
    if (now - this.#sweptAt < this.#sweepEvery) return;
    this.#sweptAt = now;
    for (const r of [...this.#forecastRules, ...this.#anomalyRules]) r.series.sweep(now);
    this.#quality.sweep(now);
  }

  async #handle(batch: Delivery<'metrics'>[], partition?: number): Promise<void> {
    const stream = partition === undefined ? this.deps.keys.stream('metrics') : this.deps.keys.metricsPartition(partition, this.deps.config.bus.partitions);
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
      [ATTR.MESSAGING_DESTINATION_NAME]: stream,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_CONSUMER_GROUP_NAME]: GROUPS.analyzer,
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: batch.length,
    };
    const run = inSpan(this.deps.tracer, spanName('process', 'metrics'), { kind: SpanKind.CONSUMER, links: linksFrom(batch.map((d) => d.headers)), attributes }, () => this.#analyze(batch, this.deps.now(), partition));
    this.#batch = run.then(() => undefined, () => undefined);
    try {
      await run;
    } catch (err) {
      // Fenced: another analyzer owns the partition now. Stop reading it at once (the batch stays
      // pending for the new owner); the next round drops the lease.
      if (partition !== undefined && isAwoError(err, 'AWO_LEASE_LOST')) {
        this.#takeovers.fenced++;
        const entry = this.#partitions.get(partition);
        if (entry) {
          this.#partitions.delete(partition);
          void entry.consumer?.close();
          void this.#owner?.round();
        }
      }
      throw err;
    }
    this.#counts.batches++;
  }

  /**
   * Analyzes a batch and publishes its insights. `partition`: the metrics partition it came from
   * (publishes fenced by its lease); `null`: a read-back at takeover, which only rebuilds state.
   */
  async #analyze(batch: Delivery<'metrics'>[], now: number, partition: number | undefined | null): Promise<void> {
    const insights: MessageInput<'insights'>[] = [];
    const causes: Delivery<'metrics'>[] = [];
    const forecastDue = new Map<SeriesState, Delivery<'metrics'>>();
    const stateOf = new Map<Delivery<'metrics'>, SeriesState>();
    this.#sweep(now);
    for (const d of batch) {
      if (partition !== null) this.#counts.metrics++;
      const m = d.message;
      if (this.#quality.wants(m.series)) {
        const found = this.#quality.observe(m, [d.id], now);
        if (found.length > 0) causes.push(d);
        insights.push(...found);
      }
      const matched = this.#match(m.series);
      const cause = { id: d.id, traceparent: d.headers.traceparent };
      const fr = this.#forecastRules[matched.forecast];
      const forecast = fr?.series.get(m.series, m.labels, now, () => new SeriesState(m.series, this.deps.config.analyzer.window, fr.rule, undefined));
      if (forecast) {
        forecast.observe(m.value, cause, m.ts);
        forecastDue.set(forecast, d);
        stateOf.set(d, forecast);
      }
      const ar = this.#anomalyRules[matched.anomaly];
      const anomaly = ar?.series.get(m.series, m.labels, now, () => new SeriesState(m.series, this.deps.config.analyzer.window, undefined, ar.rule));
      if (!anomaly) continue;
      if (!forecast) stateOf.set(d, anomaly);
      const detection = anomaly.observe(m.value, cause, m.ts);
      if (detection?.anomalous) {
        causes.push(d);
        insights.push({ v: 1, id: randomUUID(), kind: 'anomaly', series: m.series, ts: m.ts, metricIds: anomaly.causes.map((c) => c.id), method: detection.by ?? detection.method, value: m.value, score: clamp01(detection.score), threshold: detection.threshold, anomalous: true });
      }
    }
    if (partition === null) return;
    // One forecast per series per batch, from its newest point.
    for (const [state, d] of forecastDue) {
      const f = state.forecastNow();
      if (!f || !Number.isFinite(f.forecast.value)) continue;
      causes.push(d);
      const lower = Math.min(f.forecast.lower, f.forecast.value);
      const upper = Math.max(f.forecast.upper, f.forecast.value);
      if (state.forecast) this.#lastForecast.set(state.forecast.series, { observed: d.message.value, value: f.forecast.value, lower, upper });
      insights.push({
        v: 1,
        id: randomUUID(),
        kind: 'forecast',
        series: state.name,
        ts: d.message.ts,
        metricIds: state.causes.map((c) => c.id),
        model: f.forecast.model,
        value: f.forecast.value,
        lower,
        upper,
        horizonMs: state.horizon * (state.forecast?.stepMs ?? 0),
        observed: d.message.value,
        ...(f.error !== undefined && Number.isFinite(f.error) ? { error: f.error } : {}),
      });
    }
    if (insights.length === 0) return;
    const lease = partition === undefined ? undefined : this.#partitions.get(partition)?.lease;
    if (partition !== undefined && !lease) throw new AwoError('AWO_LEASE_LOST', `metrics partition ${partition} is no longer this analyzer's`);
    await this.#publish(insights, causes, stateOf, lease);
  }

  /** Publishes insights in a PRODUCER span linked to the metrics that caused them (and the points before them in their series). */
  async #publish(insights: MessageInput<'insights'>[], causes: Delivery<'metrics'>[], stateOf: Map<Delivery<'metrics'>, SeriesState>, fence?: LeaseFence): Promise<void> {
    const links = linksFrom(causes.flatMap((d) => [d.headers, ...(stateOf.get(d)?.causes ?? []).map((c) => ({ traceparent: c.traceparent }))]), 32);
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
      [ATTR.MESSAGING_DESTINATION_NAME]: this.deps.keys.stream('insights'),
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: insights.length,
    };
    await inSpan(this.deps.tracer, spanName('publish', 'insights'), { kind: SpanKind.PRODUCER, links, attributes }, () => this.deps.bus.publish('insights', insights, fence ? { fence } : {}));
    for (const i of insights) this.#counts[i.kind === 'forecast' ? 'forecasts' : i.kind === 'anomaly' ? 'anomalies' : 'qualityFindings']++;
  }

  protected override isReady(): boolean {
    return this.#consumer !== undefined || this.#owner !== undefined;
  }

  /** Every rule's series table: forecast, anomaly, then drift rules. */
  #tables(): { rule: string; size: number; refused: number; expired: number }[] {
    return [...this.#forecastRules.map((r) => r.series), ...this.#anomalyRules.map((r) => r.series), ...this.#quality.tables()];
  }

  override metrics(): Record<string, number> {
    const tables = this.#tables();
    const out: Record<string, number> = {
      analyzer_metrics_total: this.#counts.metrics,
      analyzer_forecasts_total: this.#counts.forecasts,
      analyzer_anomalies_total: this.#counts.anomalies,
      analyzer_quality_findings_total: this.#counts.qualityFindings,
      analyzer_series: tables.reduce((n, t) => n + t.size, 0),
      analyzer_series_expired_total: tables.reduce((n, t) => n + t.expired, 0),
    };
    // Points of new series refused for being over a limit, by rule (a bounded set: the config's rules).
    for (const t of tables) out[`analyzer_series_refused_total{rule="${t.rule}"}`] = t.refused;
    return out;
  }

  protected override detail(): Record<string, unknown> {
    const models: Record<string, unknown> = {};
    for (const r of this.#forecastRules) for (const [key, s] of r.series.entries()) models[key] = { season: s.season, errors: s.modelErrors() };
    const rules = Object.fromEntries(this.#tables().map((t) => [t.rule, { series: t.size, refused: t.refused, expired: t.expired }]));
    const partitions = this.#owner ? { owned: this.#owner.owned(), ...this.#owner.counts, ...this.#takeovers } : undefined;
    return { series: this.metrics().analyzer_series, ...this.#counts, rules, models, ...(partitions ? { partitions } : {}) };
  }

  protected async onClose(): Promise<void> {
    await closeInOrder([['consumer', () => this.#consumer?.close()], ['partitions', () => this.#owner?.close()]], (step, err) => this.deps.log.error({ step, err: errorMessage(err) }, 'analyzer close step failed'));
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
