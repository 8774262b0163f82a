import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * `/metrics` through prom-client: one `Registry` per process, made by the runtime and handed to
 * each agent as `deps.metrics` (an `AgentMetrics`, which adds the `agent` label). What an agent
 * counts already lives in its fields, so most metrics are *live*: declared once with their help
 * text and a function that reads the value on every scrape (`collect()`); histograms are
 * observed as things happen. Names are in base units (`_seconds`) and counters end in `_total`;
 * labels take only bounded sets of values (names from the config, stream names).
 *
 *     deps.metrics.live({
 *       awo_planner_leader: gauge('1 while this planner holds the lease', () => (this.#leader ? 1 : 0)),
 *       awo_pool_size: gauge('Workers in the pool', ['pool'], () => [...pools].map(([pool, p]) => [{ pool }, p.size()])),
 *     });
 */

export type Labels = Record<string, string>;
/** One value per label set, for a labelled live metric. */
export type Rows<L extends string> = Iterable<readonly [Record<L, string>, number]>;

/** A metric that mirrors live state: read on every scrape, never incremented by hand. */
export interface LiveMetric {
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly labels: readonly string[];
  readonly read: () => number | Rows<string>;
}

function liveMetric(type: LiveMetric['type'], help: string, a: readonly string[] | (() => number), b?: () => Rows<string>): LiveMetric {
  return typeof a === 'function' ? { type, help, labels: [], read: a } : { type, help, labels: a, read: b as () => Rows<string> };
}

/** A counter (its name ends in `_total`) whose value is read from the agent's own count. */
export function counter(help: string, read: () => number): LiveMetric;
export function counter<L extends string>(help: string, labels: readonly L[], read: () => Rows<L>): LiveMetric;
export function counter(help: string, a: readonly string[] | (() => number), b?: () => Rows<string>): LiveMetric {
  return liveMetric('counter', help, a, b);
}

/** A gauge whose value is read from live state (pool sizes, the leader flag). */
export function gauge(help: string, read: () => number): LiveMetric;
export function gauge<L extends string>(help: string, labels: readonly L[], read: () => Rows<L>): LiveMetric;
export function gauge(help: string, a: readonly string[] | (() => number), b?: () => Rows<string>): LiveMetric {
  return liveMetric('gauge', help, a, b);
}

export interface HistogramSpec<L extends string = never> {
  name: string;
  help: string;
  /** Upper bounds in seconds. */
  buckets: readonly number[];
  labels?: readonly L[];
}

/** Records one observation in seconds (negative values count as 0, non-finite ones are ignored). */
export type Observe<L extends string = never> = [L] extends [never] ? (seconds: number) => void : (seconds: number, labels: Record<L, string>) => void;

/** The histograms agents share; each observation carries the observing agent's label. */
export const HISTOGRAMS = {
  decisionLatency: {
    name: 'awo_decision_latency_seconds',
    help: 'From the timestamp of the newest metric sample a decision acted on to the plan revision it caused being committed',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  },
  actionLatency: {
    name: 'awo_action_latency_seconds',
    help: 'From a plan revision being committed to the result of an action it caused being published',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  batchDuration: {
    name: 'awo_batch_duration_seconds',
    help: "Time to handle one batch: one consumer read of a stream, or one sample round of the monitor (stream: the stream read, or the monitor's metrics stream)",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    labels: ['stream'],
  },
} as const satisfies Record<string, HistogramSpec<string>>;

const NAME = /^awo_[a-z][a-z0-9_]*$/;

interface Source {
  base: Labels;
  read: LiveMetric['read'];
}

interface Family {
  type: LiveMetric['type'];
  labels: readonly string[];
  sources: Set<Source>;
}

/** The process's metrics: one prom-client `Registry` and the families declared on it. */
export class Metrics {
  readonly #families = new Map<string, Family>();
  readonly #histograms = new Map<string, { labels: readonly string[]; histogram: Histogram<string> }>();

  constructor(readonly registry: Registry = new Registry()) {}

  /**
   * Declares live metrics with constant labels (`{ agent }` for an agent's). Two sources of
   * one name (two agents, or two instances of one in a test) are added up. Returns a function
   * that removes these sources again.
   */
  live(specs: Record<string, LiveMetric>, base: Labels = {}): () => void {
    const added: [Family, Source][] = [];
    for (const [name, spec] of Object.entries(specs)) {
      const family = this.#family(name, spec, Object.keys(base));
      const source: Source = { base, read: spec.read };
      family.sources.add(source);
      added.push([family, source]);
    }
    return () => added.forEach(([family, source]) => family.sources.delete(source));
  }

  /** The histogram of a spec, created on first use; `base` names the constant labels its observers add. */
  histogram(spec: HistogramSpec<string>, baseLabels: readonly string[] = []): Histogram<string> {
    const labels = [...baseLabels, ...(spec.labels ?? [])];
    const known = this.#histograms.get(spec.name);
    if (known) {
      sameLabels(spec.name, known.labels, labels);
      return known.histogram;
    }
    checkName(spec.name, 'histogram');
    const histogram = new Histogram({ name: spec.name, help: spec.help, buckets: [...spec.buckets], labelNames: labels, registers: [this.registry] });
    this.#histograms.set(spec.name, { labels, histogram });
    return histogram;
  }

  /** What one agent is handed: its metrics carry `agent="<name>"`. */
  agent(name: string): AgentMetrics {
    return new AgentMetrics(this, name);
  }

  /** The Prometheus text exposition of everything declared. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #family(name: string, spec: LiveMetric, baseLabels: readonly string[]): Family {
    const labels = [...baseLabels, ...spec.labels];
    const known = this.#families.get(name);
    if (known) {
      if (known.type !== spec.type) throw new TypeError(`metric ${name} is declared both as a ${known.type} and as a ${spec.type}`);
      sameLabels(name, known.labels, labels);
      return known;
    }
    checkName(name, spec.type);
    const family: Family = { type: spec.type, labels, sources: new Set() };
    // Each scrape starts from zero and adds up what every source reads now.
    const collect = function (this: Counter<string> | Gauge<string>): void {
      this.reset();
      for (const source of family.sources) readInto(source, family.type, (l, v) => this.inc(l, v));
    };
    const options = { name, help: spec.help, labelNames: labels, registers: [this.registry], collect };
    if (spec.type === 'counter') new Counter(options);
    else new Gauge(options);
    this.#families.set(name, family);
    return family;
  }
}

/** An agent's view of the process's metrics: everything it declares carries its `agent` label. */
export class AgentMetrics {
  constructor(
    private readonly metrics: Metrics,
    readonly agent: string,
  ) {}

  /** Declares live metrics (see `counter`, `gauge`); returns a function that removes them. */
  live(specs: Record<string, LiveMetric>): () => void {
    return this.metrics.live(specs, { agent: this.agent });
  }

  /** An observer for one of the shared histograms (`HISTOGRAMS`), labelled with this agent. */
  histogram<L extends string = never>(spec: HistogramSpec<L>): Observe<L> {
    const histogram = this.metrics.histogram(spec, ['agent']);
    const agent = this.agent;
    return ((seconds: number, labels?: Record<string, string>) => {
      if (Number.isFinite(seconds)) histogram.observe({ ...labels, agent }, Math.max(0, seconds));
    }) as Observe<L>;
  }
}

function readInto(source: Source, type: LiveMetric['type'], add: (labels: Labels, value: number) => void): void {
  let reading: ReturnType<LiveMetric['read']>;
  try {
    reading = source.read();
  } catch {
    return; // a scrape never fails for one source
  }
  const put = (labels: Labels, value: number) => {
    if (Number.isFinite(value) && (type === 'gauge' || value >= 0)) add(labels, value);
  };
  if (typeof reading === 'number') put(source.base, reading);
  else for (const [labels, value] of reading) put({ ...source.base, ...labels }, value);
}

function checkName(name: string, type: LiveMetric['type'] | 'histogram'): void {
  if (!NAME.test(name)) throw new TypeError(`metric name ${name} is not awo_ followed by lower-case letters, digits and _`);
  if ((type === 'counter') !== name.endsWith('_total')) throw new TypeError(`metric ${name}: counters and only counters end in _total`);
}

function sameLabels(name: string, a: readonly string[], b: readonly string[]): void {
  if ([...a].sort().join() !== [...b].sort().join()) throw new TypeError(`metric ${name} is declared with labels [${a.join()}] and [${b.join()}]`);
}
