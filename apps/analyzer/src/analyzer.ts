import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import {
  Agent,
  ATTR,
  closeInOrder,
  counter,
  errorMessage,
  gauge,
  GROUPS,
  inSpan,
  linksFrom,
  MESSAGING_SYSTEM_REDIS,
  spanName,
  type AgentDeps,
  type Consumer,
  type Delivery,
  type MessageInput,
} from '@awo/shared';
import { QualityChecks } from './quality/checks.js';
import { globToRegExp, SeriesState, type AnomalyRule, type ForecastRule } from './series.js';

/**
 * The analyzer agent: reads metrics through a consumer group, keeps a bounded window per series,
 * and publishes insights — forecasts for series with a forecast rule, anomalies when a detector
 * crosses its threshold. Acks only after its insights are published.
 */
export class AnalyzerAgent extends Agent {
  readonly #series = new Map<string, SeriesState>();
  readonly #forecastRules: (ForecastRule & { re: RegExp })[];
  readonly #anomalyRules: (AnomalyRule & { re: RegExp })[];
  readonly #quality: QualityChecks;
  #consumer: Consumer | undefined;
  readonly #counts = { metrics: 0, forecasts: 0, anomalies: 0, qualityFindings: 0, evicted: 0, batches: 0 };

  constructor(private readonly deps: AgentDeps) {
    super('analyzer');
    const cfg = deps.config;
    this.#forecastRules = cfg.analyzer.forecast.map((r) => ({
      series: r.series,
      horizonMs: r.horizon,
      stepMs: r.step ?? cfg.monitor.interval,
      season: r.season,
      models: r.models,
      re: globToRegExp(r.series),
    }));
    this.#anomalyRules = cfg.analyzer.anomaly.map((r) => ({ series: r.series, detectors: r.detectors, threshold: r.threshold, re: globToRegExp(r.series) }));
    this.#quality = new QualityChecks(cfg);
    deps.metrics.live({
      awo_analyzer_metrics_total: counter('Metric samples read', () => this.#counts.metrics),
      awo_analyzer_forecasts_total: counter('Forecast insights published', () => this.#counts.forecasts),
      awo_analyzer_anomalies_total: counter('Anomaly insights published', () => this.#counts.anomalies),
      awo_analyzer_quality_findings_total: counter('Data-quality insights published', () => this.#counts.qualityFindings),
      awo_analyzer_series: gauge('Series whose window the analyzer keeps', () => this.#series.size),
      awo_analyzer_series_evicted_total: counter('Series windows evicted to stay within the bound', () => this.#counts.evicted),
    });
  }

  protected async onStart(): Promise<void> {
    this.#consumer = await this.deps.bus.consume('metrics', {
      group: GROUPS.analyzer,
      consumer: this.deps.instance,
      batchHandler: (batch) => this.#handle(batch),
    });
  }

  /** The state of a series, created on first sight when a rule wants it (LRU-bounded). */
  #state(series: string, labels: Record<string, string>): SeriesState | undefined {
    // Label sets are separate series (e.g. one stream's groups); the key keeps them apart.
    const key = seriesKey(series, labels);
    const existing = this.#series.get(key);
    if (existing) {
      // Map order is insertion order: re-insert to mark it recently used.
      this.#series.delete(key);
      this.#series.set(key, existing);
      return existing;
    }
    const forecast = this.#forecastRules.find((r) => r.re.test(series));
    const anomaly = this.#anomalyRules.find((r) => r.re.test(series));
    if (!forecast && !anomaly) return undefined;
    const state = new SeriesState(series, this.deps.config.analyzer.window, forecast, anomaly);
    this.#series.set(key, state);
    if (this.#series.size > this.deps.config.analyzer.maxSeries) {
      this.#series.delete(this.#series.keys().next().value as string);
      this.#counts.evicted++;
    }
    return state;
  }

  async #handle(batch: Delivery<'metrics'>[]): Promise<void> {
    const stream = this.deps.keys.stream('metrics');
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
      [ATTR.MESSAGING_DESTINATION_NAME]: stream,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_CONSUMER_GROUP_NAME]: GROUPS.analyzer,
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: batch.length,
    };
    await inSpan(this.deps.tracer, spanName('process', 'metrics'), { kind: SpanKind.CONSUMER, links: linksFrom(batch.map((d) => d.headers)), attributes }, () => this.#analyze(batch));
    this.#counts.batches++;
  }

  async #analyze(batch: Delivery<'metrics'>[]): Promise<void> {
    const insights: MessageInput<'insights'>[] = [];
    const causes: Delivery<'metrics'>[] = [];
    const forecastDue = new Map<SeriesState, Delivery<'metrics'>>();
    for (const d of batch) {
      this.#counts.metrics++;
      const m = d.message;
      if (this.#quality.wants(m.series)) {
        const found = this.#quality.observe(m, [d.id]);
        if (found.length > 0) causes.push(d);
        insights.push(...found);
      }
      const state = this.#state(m.series, m.labels);
      if (!state) continue;
      const detection = state.observe(m.value, { id: d.id, traceparent: d.headers.traceparent }, m.ts);
      if (detection?.anomalous) {
        causes.push(d);
        insights.push({ v: 1, id: randomUUID(), kind: 'anomaly', series: m.series, ts: m.ts, metricIds: state.causes.map((c) => c.id), method: detection.by ?? detection.method, value: m.value, score: clamp01(detection.score), threshold: detection.threshold, anomalous: true });
      }
      if (state.forecast) forecastDue.set(state, d);
    }
    // One forecast per series per batch, from its newest point.
    for (const [state, d] of forecastDue) {
      const f = state.forecastNow();
      if (!f || !Number.isFinite(f.forecast.value)) continue;
      causes.push(d);
      insights.push({
        v: 1,
        id: randomUUID(),
        kind: 'forecast',
        series: state.name,
        ts: d.message.ts,
        metricIds: state.causes.map((c) => c.id),
        model: f.forecast.model,
        value: f.forecast.value,
        lower: Math.min(f.forecast.lower, f.forecast.value),
        upper: Math.max(f.forecast.upper, f.forecast.value),
        horizonMs: state.horizon * (state.forecast?.stepMs ?? 0),
        observed: d.message.value,
        ...(f.error !== undefined && Number.isFinite(f.error) ? { error: f.error } : {}),
      });
    }
    if (insights.length === 0) return;
    await this.#publish(insights, causes);
  }

  /** Publishes insights in a PRODUCER span linked to the metrics that caused them. */
  async #publish(insights: MessageInput<'insights'>[], causes: Delivery<'metrics'>[]): Promise<void> {
    const links = linksFrom(causes.flatMap((d) => [d.headers, ...(this.#series.get(seriesKey(d.message.series, d.message.labels))?.causes ?? []).map((c) => ({ traceparent: c.traceparent }))]), 32);
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_REDIS,
      [ATTR.MESSAGING_DESTINATION_NAME]: this.deps.keys.stream('insights'),
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: insights.length,
    };
    await inSpan(this.deps.tracer, spanName('publish', 'insights'), { kind: SpanKind.PRODUCER, links, attributes }, () => this.deps.bus.publish('insights', insights));
    for (const i of insights) this.#counts[i.kind === 'forecast' ? 'forecasts' : i.kind === 'anomaly' ? 'anomalies' : 'qualityFindings']++;
  }

  protected override isReady(): boolean {
    return this.#consumer !== undefined;
  }

  override metrics(): Record<string, number> {
    return { analyzer_metrics_total: this.#counts.metrics, analyzer_forecasts_total: this.#counts.forecasts, analyzer_anomalies_total: this.#counts.anomalies, analyzer_quality_findings_total: this.#counts.qualityFindings, analyzer_series: this.#series.size, analyzer_series_evicted_total: this.#counts.evicted };
  }

  protected override detail(): Record<string, unknown> {
    const models: Record<string, unknown> = {};
    for (const [name, s] of this.#series) if (s.forecast) models[name] = { season: s.season, errors: s.modelErrors() };
    return { series: this.#series.size, ...this.#counts, models };
  }

  protected async onClose(): Promise<void> {
    await closeInOrder([['consumer', () => this.#consumer?.close()]], (step, err) => this.deps.log.error({ step, err: errorMessage(err) }, 'analyzer close step failed'));
  }
}

/** `series` alone, or `series{k=v,…}` with the labels sorted. */
export function seriesKey(series: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return series;
  return `${series}{${keys.sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
