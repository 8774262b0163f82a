import { partitionOf } from '@awo/shared';
import { median, round } from './stats.js';

/** The series: `so.f<i>` (forecast; at least one per partition) and `so.s<i>` (anomaly), `count` in all. */
export function seriesNames(count: number, partitions: number): { forecast: string[]; anomaly: string[] } {
  const forecast: string[] = [];
  const covered = new Set<number>();
  const want = Math.max(1, Math.round(count / 10));
  for (let i = 0; (forecast.length < want || covered.size < partitions) && forecast.length < count && i < 100 * partitions + count; i++) {
    const name = `so.f${i}`;
    const p = partitionOf(name, partitions);
    if (forecast.length >= want && covered.has(p)) continue;
    forecast.push(name);
    covered.add(p);
  }
  const anomaly = Array.from({ length: count - forecast.length }, (_, i) => `so.s${i}`);
  return { forecast, anomaly };
}

/** How the series and partitions fall on the analyzers, from who holds each partition's lease. */
export interface Balance {
  /** Partitions each holder holds (holders in order of first partition). */
  partitionsPerAnalyzer: number[];
  /** Series each holder analyzes (those whose partition it holds). */
  seriesPerAnalyzer: number[];
  /** max / mean series per analyzer: 1 is even; 2 means one analyzer carries twice its share. */
  maxOverMean: number;
  /** Partitions nobody held. */
  unheld: number;
}

/** Balance of `series` over the holders of `holders[n]` (partition n's lease holder, null when free). */
export function balanceOf(holders: readonly (string | null)[], series: readonly string[]): Balance {
  const P = holders.length;
  const parts = new Map<string, number>();
  for (const h of holders) if (h !== null) parts.set(h, (parts.get(h) ?? 0) + 1);
  const per = new Map<string, number>([...parts.keys()].map((h) => [h, 0]));
  for (const s of series) {
    const h = holders[partitionOf(s, P)];
    if (h !== null && h !== undefined) per.set(h, (per.get(h) ?? 0) + 1);
  }
  const counts = [...per.values()];
  const mean = counts.length === 0 ? 0 : counts.reduce((a, b) => a + b, 0) / counts.length;
  return {
    partitionsPerAnalyzer: [...parts.values()],
    seriesPerAnalyzer: counts,
    maxOverMean: mean === 0 ? Number.NaN : round(Math.max(...counts) / mean, 3),
    unheld: holders.filter((h) => h === null).length,
  };
}

/** The holder part (instance) of a lease token `<instance>:<uuid>`; null for a free lease. */
export function holderOf(token: string | null): string | null {
  return token === null ? null : token.slice(0, token.lastIndexOf(':'));
}

/** Whether every partition is held, by exactly `n` holders, each with ⌊P/n⌋ or ⌈P/n⌉ of them. */
export function isBalanced(holders: readonly (string | null)[], n: number): boolean {
  const b = balanceOf(holders, []);
  const P = holders.length;
  return b.unheld === 0 && b.partitionsPerAnalyzer.length === n && b.partitionsPerAnalyzer.every((c) => c === Math.floor(P / n) || c === Math.ceil(P / n));
}

/** What one analyzer process did during a measured round. */
export interface ProcessFigures {
  metrics: number;
  cpuUs: number;
}

/** One measured round: a backlog published while the analyzers were stopped, then worked off. */
export interface RoundFigures {
  published: number;
  /** Seconds from the analyzers' resumption until every partition's group had read and acknowledged everything. */
  drainS: number;
  /** Per analyzer process, in the same order every round. */
  processes: ProcessFigures[];
  /** Redis server CPU (the server, or the cluster's masters), µs, over the publish and the drain. */
  redisCpuUs: number;
}

/** One setup's measured figures, before medians and ratios. */
export interface RunFigures {
  setup: string;
  redis: 'single' | 'cluster';
  analyzers: number;
  partitions: number;
  series: number;
  rounds: RoundFigures[];
  /** Per process, CPU µs per second with no traffic (measured before the rounds). */
  idleUsPerSec: number[];
  insights: number;
  balance: Balance;
  /** How the partition streams fall on the Redis masters (by their hash tags): partitions per master. */
  partitionsPerMaster: number[];
}

/** A run as printed: figures, medians, and ratios against the 1-analyzer run of the same Redis kind. */
export interface RunResult {
  setup: string;
  redis: 'single' | 'cluster';
  analyzers: number;
  partitions: number;
  series: number;
  rounds: number;
  published: number;
  processed: number;
  insights: number;
  /** Median over the rounds of metrics processed per second of drain (metrics in → insights out, acknowledged). */
  metricsPerSec: number;
  /** Analyzer CPU over drain time, summed over processes: how many cores the analyzers got. */
  coresBusy: number;
  /** Per process, over the measured rounds: metrics it processed and CPU µs per metric. */
  perProcess: { metrics: number; cpuUsPerMetric: number }[];
  /** Median over the processes of their CPU µs per metric. */
  cpuUsPerMetric: number;
  /** The same less each process's idle CPU over the drain time: the cost of the metrics themselves. */
  netCpuUsPerMetric: number;
  /** Median over the processes of their idle CPU, % of a core. */
  idleCorePct: number;
  /** Redis CPU µs per metric published (publish, read, ack and the insights). */
  redisCpuUsPerMetric: number;
  maxOverMean: number;
  partitionsPerMaster: number[];
  vs1: { metricsPerSec: number; cpuUsPerMetric: number } | null;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Medians, sums and ratios for the runs; `vs1` compares with the run of 1 analyzer on the same Redis kind. */
export function withRatios(runs: readonly RunFigures[]): RunResult[] {
  const shaped = runs.map((r): RunResult => {
    const procs = r.rounds[0]?.processes.length ?? 0;
    const pooled = Array.from({ length: procs }, (_, i) => ({
      metrics: sum(r.rounds.map((x) => x.processes[i]?.metrics ?? 0)),
      cpuUs: sum(r.rounds.map((x) => x.processes[i]?.cpuUs ?? 0)),
    }));
    const perProcess = pooled.map((p) => ({ metrics: p.metrics, cpuUsPerMetric: p.metrics > 0 ? round(p.cpuUs / p.metrics, 1) : Number.NaN }));
    const published = sum(r.rounds.map((x) => x.published));
    const drainS = sum(r.rounds.map((x) => x.drainS));
    return {
      setup: r.setup,
      redis: r.redis,
      analyzers: r.analyzers,
      partitions: r.partitions,
      series: r.series,
      rounds: r.rounds.length,
      published,
      processed: sum(pooled.map((p) => p.metrics)),
      insights: r.insights,
      metricsPerSec: Math.round(median(r.rounds.filter((x) => x.drainS > 0).map((x) => sum(x.processes.map((p) => p.metrics)) / x.drainS))),
      coresBusy: drainS > 0 ? round(sum(pooled.map((p) => p.cpuUs)) / 1e6 / drainS, 2) : Number.NaN,
      perProcess,
      cpuUsPerMetric: round(median(perProcess.map((p) => p.cpuUsPerMetric).filter(Number.isFinite)), 1),
      netCpuUsPerMetric: round(median(pooled.map((p, i) => (p.cpuUs - (r.idleUsPerSec[i] ?? 0) * drainS) / p.metrics).filter(Number.isFinite)), 1),
      idleCorePct: round(median(r.idleUsPerSec) / 1e4, 2),
      redisCpuUsPerMetric: published > 0 ? round(sum(r.rounds.map((x) => x.redisCpuUs)) / published, 1) : Number.NaN,
      maxOverMean: r.balance.maxOverMean,
      partitionsPerMaster: r.partitionsPerMaster,
      vs1: null,
    };
  });
  return shaped.map((r) => {
    const one = shaped.find((x) => x.redis === r.redis && x.analyzers === 1);
    return { ...r, vs1: one ? { metricsPerSec: round(r.metricsPerSec / one.metricsPerSec, 2), cpuUsPerMetric: round(r.cpuUsPerMetric / one.cpuUsPerMetric, 2) } : null };
  });
}

/** What the figures say about cores and shards, for one Redis kind. */
export interface Outlook {
  redis: 'single' | 'cluster';
  /** Metrics/s one core carries as an analyzer: 1e6 / CPU µs per metric. */
  perCore: number;
  /** Metrics/s one Redis master would carry alone: 1e6 / Redis CPU µs per metric. */
  perShard: number;
  shards: number;
  /** Metrics/s at which the busiest master is saturated, partitions spread as measured. */
  redisBound: number;
  /** The analyzers' bound with one analyzer per partition, each on its own core. */
  analyzerBound: number;
  /** min(cores × perCore, redisBound): what this machine's cores could carry at most. */
  onThisMachine: number;
  line: string;
}

/**
 * What the figures say about cores and shards: an analyzer process spends `cpuUsPerMetric` µs of
 * one core per metric, so a core carries about 1e6 / that metrics/s; Redis spends
 * `redisCpuUsPerMetric` µs (over all its masters) per metric, and each master carries the share of
 * the partitions whose hash tags it serves, so the busiest master bounds the loop at
 * 1e6 / redisCpuUsPerMetric × P / (its partitions). Analyzers scale with cores up to one per
 * partition (a partition has one analyzer at a time).
 */
export function projection(runs: readonly RunResult[], cores: number): Outlook[] {
  const kinds = [...new Set(runs.map((r) => r.redis))];
  return kinds.map((redis) => {
    const mine = runs.filter((r) => r.redis === redis);
    const cpu = median(mine.map((r) => r.cpuUsPerMetric).filter(Number.isFinite));
    const rcpu = median(mine.map((r) => r.redisCpuUsPerMetric).filter(Number.isFinite));
    const partitions = mine[0]?.partitions ?? 1;
    const perMaster = mine[0]?.partitionsPerMaster ?? [partitions];
    const busiest = Math.max(1, ...perMaster);
    const shards = perMaster.length;
    const perCore = Math.round(1e6 / cpu);
    const perShard = Math.round(1e6 / rcpu);
    const redisBound = Math.round((perShard * partitions) / busiest);
    const analyzerBound = perCore * partitions;
    const onThisMachine = Math.min(perCore * cores, redisBound);
    const line = `${redis}: an analyzer process spends ${round(cpu, 1)} µs CPU per metric, so each core given to analyzers adds ~${perCore} metrics/s (k cores ≈ k × ${perCore}/s, up to ${partitions} analyzers = bus.partitions: ~${analyzerBound}/s). ` +
      `Redis spends ${round(rcpu, 1)} µs per metric; with ${partitions} partitions on ${shards} ${shards === 1 ? 'server' : 'masters'} (${perMaster.join('/')}), the busiest saturates near ${redisBound}/s, and more masters (partitions ≥ masters) raise that bound in proportion. ` +
      `These ${cores} cores could carry at most ~${onThisMachine}/s.`;
    return { redis, perCore, perShard, shards, redisBound, analyzerBound, onThisMachine, line };
  });
}
