import { z } from 'zod';
import { actionConfigSchema } from './config/actions.js';
import { goalSchema } from './config/goals.js';
import { analyzerSchema } from './config/schema.js';
import { sourceSchema } from './config/sources.js';
import { BUILTIN_HANDLERS, stepSchema } from './config/workflow.js';

/** One thing awo can do: its kind, what it does, its config schema (JSON Schema of what the config file takes) and an example. */
export interface RegistryEntry {
  kind: string;
  description: string;
  configSchema: Record<string, unknown>;
  example: unknown;
}

export interface Registry {
  sources: RegistryEntry[];
  detectors: RegistryEntry[];
  forecasters: RegistryEntry[];
  goals: RegistryEntry[];
  actions: RegistryEntry[];
  handlers: RegistryEntry[];
}

type Section = keyof Registry;

/** What each kind does and an example of its config. A kind without one is listed with `description: ''` (a test refuses that). */
const ABOUT: Record<Section, Record<string, { description: string; example: unknown }>> = {
  sources: {
    bullmq: { description: 'A BullMQ queue: waiting, active, arrival and completion rates, wait percentiles (series bullmq.<name>.*)', example: { kind: 'bullmq', name: 'work', queue: 'work', queuePrefix: '{awo:bull:work}' } },
    'redis-stream': { description: 'A Redis stream: length, growth, and a consumer group\'s lag and pending (series redis-stream.<name>.*)', example: { kind: 'redis-stream', name: 'orders', stream: 'orders', group: 'billing' } },
    nats: { description: 'Messages on a NATS subject, or a JetStream consumer\'s backlog (series nats.<name>.*)', example: { kind: 'nats', name: 'events', servers: 'nats://127.0.0.1:4222', stream: 'EVENTS', consumer: 'worker' } },
    system: { description: 'The host and this process: CPU busy ratio, memory used ratio, RSS, heap used and event-loop lag (series system.<name>.*)', example: { kind: 'system', name: 'host', interval: '5s' } },
    'http-json': { description: 'One number read from a JSON document over HTTP, by a dotted path', example: { kind: 'http-json', name: 'shop', url: 'http://127.0.0.1:8080/stats', path: 'queue.depth', metric: 'depth' } },
    prometheus: { description: 'Series picked from a Prometheus exposition (/metrics), by name and labels', example: { kind: 'prometheus', name: 'app', url: 'http://127.0.0.1:9100/metrics', series: [{ metric: 'http_requests_in_flight' }] } },
    kubernetes: { description: 'Kubernetes Deployments and StatefulSets: their desired, current and ready replicas, read from the API server (series kubernetes.<name>.<target>.*)', example: { kind: 'kubernetes', name: 'shop', targets: [{ kind: 'Deployment', namespace: 'shop', name: 'worker' }] } },
    records: { description: 'The data quality of the records entering a workflow step: null rate, schema violations, out-of-range values, duplicates, freshness, values for drift', example: { kind: 'records', name: 'orders', step: 'validate', values: ['amount'] } },
  },
  detectors: {
    records: { description: 'Anomaly detector benchmarked on NAB: records of five statistics (daily profile, spike, mean and median shift, volatility)', example: { series: 'bullmq.work.wait_p95_ms', detectors: ['records'] } },
    'robust-z': { description: 'Anomaly detector: distance from the window\'s median in median absolute deviations, over `threshold`', example: { series: 'records.orders.null_rate', detectors: ['robust-z'], threshold: 4 } },
    ewma: { description: 'Anomaly detector: distance from an exponentially weighted moving average in its deviations, over `threshold`', example: { series: 'bullmq.work.active', detectors: ['ewma'], threshold: 3 } },
    psi: { description: 'Drift detector: population stability index of the recent window against the reference window', example: { series: 'records.orders.value.amount', method: 'psi', reference: 500, recent: 200 } },
    ks: { description: 'Drift detector: two-sample Kolmogorov-Smirnov test, −log10 of its p-value against `threshold`', example: { series: 'records.orders.value.amount', method: 'ks', threshold: 3 } },
  },
  forecasters: {
    naive: { description: 'The last value, with an interval from recent one-step errors', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', models: ['naive'] } },
    'seasonal-naive': { description: 'The value one season ago (season in points, or found by autocorrelation)', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', season: 'auto', models: ['seasonal-naive'] } },
    'linear-trend': { description: 'A least-squares line over the recent window, extended by the horizon', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', models: ['linear-trend'] } },
    'holt-winters': { description: 'Additive Holt-Winters (level, trend, season); the model with the lowest backtest error is chosen among those listed', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', season: 'auto', models: ['holt-winters', 'naive'] } },
    'damped-trend': { description: 'Damped-trend exponential smoothing (ETS A,Ad,N): a trend that flattens out over the horizon', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', models: ['damped-trend', 'naive'] } },
    theta: { description: 'The Theta method: simple exponential smoothing plus half the long-run linear trend', example: { series: 'bullmq.work.arrival_rate', horizon: '10s', models: ['theta', 'naive'] } },
    'seasonal-naive-weekly': { description: 'The value seven seasons (a week of daily seasons) ago, once the window holds a week', example: { series: 'bullmq.work.arrival_rate', horizon: '30m', season: 'auto', models: ['seasonal-naive-weekly', 'seasonal-naive'] } },
    'profile-daily': { description: 'An online daily profile: per-slot means on a log scale, plus the current deviation carried forward by a regression fitted for the horizon', example: { series: 'bullmq.work.arrival_rate', horizon: '15m', season: 'auto', models: ['profile-daily', 'holt-winters'] } },
    'profile-weekly': { description: 'The same online profile over a week of slots, for loads whose weekdays differ', example: { series: 'bullmq.work.arrival_rate', horizon: '15m', season: 'auto', models: ['profile-weekly', 'profile-daily'] } },
  },
  goals: {
    autoscale: { description: 'Keeps a metric under its target by sizing a step (e.g. its concurrency) for the forecast load, at least cost', example: { kind: 'autoscale', name: 'work-wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 2000, arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting', min: 1, max: 20 } },
    quality: { description: 'Keeps data-quality series under their limits: reroutes the workflow (inserts a step or switches a variant) when a limit breaks, is forecast to break or data drifts; reverts once clean', example: { kind: 'quality', name: 'clean-orders', limits: { 'records.orders.null_rate': 0.02 }, reroute: { insert: 'strict-validation', between: ['validate', 'enrich'] }, stabilization: '2m' } },
  },
  actions: {
    'scale-bullmq-workers': { description: 'Resizes a managed pool of BullMQ workers (executor.pools)', example: { kind: 'scale-bullmq-workers', pool: 'work' } },
    http: { description: 'Calls an HTTP endpoint with the change (step, param, value, version) as JSON', example: { kind: 'http', url: 'https://ops.example.internal/scale', timeout: '10s' } },
    command: { description: 'Runs an allowlisted executable without a shell; {{step}}, {{param}}, {{value}}, {{version}} become arguments', example: { kind: 'command', executable: '/usr/local/bin/scale', args: ['--size={{value}}'] } },
    'kubernetes-scale': { description: 'Sets spec.replicas of a Kubernetes Deployment or StatefulSet through its scale subresource, within [min, max]; transient answers retried with backoff', example: { kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'shop', name: 'worker' }, min: 1, max: 50 } },
    'redis-set': { description: 'Writes the value to a Redis key under the prefix ({{step}} and {{param}} in the key)', example: { kind: 'redis-set', key: 'route:{{step}}', ttl: '1h' } },
    'adaptive-workers': { description: "Waits until the step's @awo/worker members (the user's own worker processes, which set their concurrency from the signed plan) run the plan's value in total; drift is read back from the members in Redis", example: { kind: 'adaptive-workers', step: 'work', timeout: '30s' } },
  },
  handlers: {
    pass: { description: 'Passes the record on unchanged', example: { handler: 'pass', params: { concurrency: 8 } } },
    validate: { description: 'Passes a JSON object that carries its key (workflow.schema.key); refuses anything else', example: { handler: 'validate', after: ['ingest'] } },
    'strict-validation': { description: 'Checks every rule of workflow.schema (types, required, min, max); refused records go to onFail', example: { handler: 'strict-validation', onFail: 'quarantine', attempts: 3, backoff: '500ms' } },
    enrich: { description: 'Sets the fields its `field.<name>` parameters name', example: { handler: 'enrich', after: ['validate'], params: { 'field.region': 'eu-west' } } },
    sink: { description: 'The end of a route: writes each record once to the stream <prefix>:sink:<step>', example: { handler: 'sink', after: ['enrich'] } },
  },
};

/** JSON Schema of what the config file takes (durations as text or ms, defaults optional). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function kindsOf(union: { options: readonly z.ZodType[] }): [string, z.ZodType][] {
  return union.options.map((o) => {
    const shape = (o as unknown as { shape?: { kind?: { value?: unknown } } }).shape;
    return [String(shape?.kind?.value), o];
  });
}

function entries(section: Section, kinds: [string, z.ZodType][]): RegistryEntry[] {
  return kinds.map(([kind, schema]) => ({ kind, description: ABOUT[section][kind]?.description ?? '', configSchema: jsonSchemaOf(schema), example: ABOUT[section][kind]?.example ?? null }));
}

let cached: Registry | undefined;

/**
 * Everything awo can do, from the config schemas themselves: every source, detector, forecaster,
 * goal kind, action kind and step handler, with a description, the JSON Schema of its config and
 * an example. A kind added to a schema's union appears here by itself.
 */
export function registry(): Registry {
  if (cached) return cached;
  const a = analyzerSchema.shape;
  const anomalyRule = a.anomaly.unwrap().element;
  const driftRule = a.drift.unwrap().element;
  const forecastRule = a.forecast.unwrap().element;
  const detectors = anomalyRule.shape.detectors.unwrap().element.options as readonly string[];
  const drifts = driftRule.shape.method.unwrap().options as readonly string[];
  const models = forecastRule.shape.models.unwrap().element.options as readonly string[];
  cached = {
    sources: entries('sources', kindsOf(sourceSchema)),
    detectors: entries('detectors', [...detectors.map((d) => [d, anomalyRule] as [string, z.ZodType]), ...drifts.map((d) => [d, driftRule] as [string, z.ZodType])]),
    forecasters: entries('forecasters', models.map((m) => [m, forecastRule] as [string, z.ZodType])),
    goals: entries('goals', kindsOf(goalSchema)),
    actions: entries('actions', kindsOf(actionConfigSchema)),
    handlers: entries('handlers', BUILTIN_HANDLERS.map((h) => [h, stepSchema] as [string, z.ZodType])),
  };
  return cached;
}
