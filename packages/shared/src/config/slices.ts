import { deepFreeze } from './load.js';
import type { BusConfig, Config } from './schema.js';
import type { WorkflowConfig } from './workflow.js';

/** A forecast rule of the analyzer with its sampling step resolved (its own, else `monitor.interval`). */
export type ForecastRuleConfig = Config['analyzer']['forecast'][number] & { step: number };

/** What the analyzer's data-quality checks take from the planner's quality goals. */
export interface QualityCheckConfig {
  /** Series → the value it must stay under (the lowest of the goals that limit it). */
  readonly limits: Readonly<Record<string, number>>;
  /** Forecast-crossing horizon in steps of the series each forecast rule matches (at least 1). */
  readonly horizons: readonly { readonly series: string; readonly steps: number }[];
}

/** The monitor's slice: its section, the workflow (the `records` sources read its steps and schema), its bus close grace, the allowed clock skew and the metrics partitions (whose fences its source leases raise). */
export interface MonitorConfig {
  readonly prefix: string;
  readonly bus: Pick<BusConfig, 'closeGrace' | 'maxClockSkew' | 'partitions'>;
  readonly workflow: WorkflowConfig;
  readonly monitor: Config['monitor'];
}

/** The analyzer's slice: its section (forecast steps resolved) and the quality checks derived from the planner's goals. */
export interface AnalyzerConfig {
  readonly prefix: string;
  /** `partitions`: how many metrics partitions the analyzers share; `maxLen`: their bound (the rebuild's read-back). */
  readonly bus: Pick<BusConfig, 'partitions' | 'maxLen'>;
  readonly analyzer: Omit<Config['analyzer'], 'forecast'> & { forecast: ForecastRuleConfig[] };
  readonly quality: QualityCheckConfig;
}

/** The planner's slice: its section, the workflow its plans describe, the signing key and the revisions stream's bound. */
export interface PlannerConfig {
  readonly prefix: string;
  readonly bus: Pick<BusConfig, 'maxLen' | 'maxClockSkew' | 'partitions'>;
  readonly workflow: WorkflowConfig;
  readonly signing: Pick<Config['signing'], 'key' | 'previousKey'>;
  readonly planner: Config['planner'];
  /** Where plan change notices are published (absent: none). */
  readonly nats?: Config['nats'];
}

/** The executor's slice: its section, the workflow it runs, the signing key, and the steps the monitor's `records` sources tap. */
export interface ExecutorConfig {
  readonly prefix: string;
  readonly bus: Pick<BusConfig, 'maxLen' | 'maxClockSkew'>;
  readonly workflow: WorkflowConfig;
  readonly signing: Pick<Config['signing'], 'key' | 'previousKey'>;
  readonly executor: Config['executor'];
  /** Step → share of the records entering it that are copied to its tap stream (0–1]. */
  readonly taps: Readonly<Record<string, number>>;
}

/** Each agent's slice of the config. */
export interface AgentConfigs {
  readonly monitor: MonitorConfig;
  readonly analyzer: AnalyzerConfig;
  readonly planner: PlannerConfig;
  readonly executor: ExecutorConfig;
}

export type AgentName = keyof AgentConfigs;

/** The lowest limit of each series any quality goal limits, in the order the goals name them. */
function qualityLimits(goals: Config['planner']['goals']): Record<string, number> {
  const limits = new Map<string, number>();
  for (const goal of goals) {
    if (goal.kind !== 'quality') continue;
    for (const [series, limit] of Object.entries(goal.limits)) {
      const prev = limits.get(series);
      if (prev === undefined || limit < prev) limits.set(series, limit);
    }
  }
  return Object.fromEntries(limits);
}

/**
 * Cuts a validated config into each agent's slice, computing once what an agent derives from
 * another's section: the analyzer's quality limits (from the planner's quality goals) and its
 * forecast steps and crossing horizons (from `monitor.interval`), the executor's tapped steps
 * (from the monitor's `records` sources). Pure; every slice is a frozen copy. The runtime and the
 * bus keep reading the whole config.
 */
export function configSlices(config: Config): AgentConfigs {
  const c = structuredClone(config);
  const forecast = c.analyzer.forecast.map((r) => ({ ...r, step: r.step ?? c.monitor.interval }));
  const taps = Object.fromEntries(c.monitor.sources.flatMap((s) => (s.kind === 'records' ? [[s.step, s.sample] as const] : [])));
  const signing = { ...(c.signing.key === undefined ? {} : { key: c.signing.key }), ...(c.signing.previousKey === undefined ? {} : { previousKey: c.signing.previousKey }) };
  return deepFreeze({
    monitor: { prefix: c.prefix, bus: { closeGrace: c.bus.closeGrace, maxClockSkew: c.bus.maxClockSkew, partitions: c.bus.partitions }, workflow: c.workflow, monitor: c.monitor },
    analyzer: {
      prefix: c.prefix,
      bus: { partitions: c.bus.partitions, maxLen: c.bus.maxLen },
      analyzer: { ...c.analyzer, forecast },
      quality: { limits: qualityLimits(c.planner.goals), horizons: forecast.map((r) => ({ series: r.series, steps: Math.max(1, Math.ceil(r.horizon / r.step)) })) },
    },
    planner: { prefix: c.prefix, bus: { maxLen: c.bus.maxLen, maxClockSkew: c.bus.maxClockSkew, partitions: c.bus.partitions }, workflow: c.workflow, signing, planner: c.planner, ...(c.nats ? { nats: c.nats } : {}) },
    executor: { prefix: c.prefix, bus: { maxLen: c.bus.maxLen, maxClockSkew: c.bus.maxClockSkew }, workflow: c.workflow, signing, executor: c.executor, taps },
  });
}
