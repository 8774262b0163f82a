import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, decode, delay, deletePrefix, parseConfig, partitionOf, Runtime, type MessageInput } from '@awo/shared';
import type { BenchIo } from './context.js';
import { cpuMicros, scrape, startAnalyzers, stopAnalyzers, type AnalyzerProcess } from './scaleout-agents.js';
import { balanceOf, holderOf, isBalanced, projection, seriesNames, withRatios, type RoundFigures, type RunFigures } from './scaleout-figures.js';
import { redisCpuMicros, startTarget, type RedisKind, type Target } from './scaleout-redis.js';
import { round, table } from './stats.js';

export interface ScaleoutOptions {
  /** Series published (10 % of them forecast, the rest anomaly-checked). */
  series?: number;
  /** Metrics published per measured round. */
  messages?: number;
  /** Measured rounds per setup. */
  rounds?: number;
  partitions?: number;
  /** The partition lease of the takeover run (`analyzer.leaseTtl`). */
  lease?: string;
  /** Only this Redis kind (default both). */
  redis?: string;
  /** Analyzer counts (default 1, 2, 4). */
  analyzers?: number[];
}

/** The analyzers' lease in the throughput runs: long enough that they survive the SIGSTOP while the backlog is published. */
const RUN_LEASE_MS = 10_000;
const MAX_SERIES = 10_000;
/** Points kept per series (`analyzer.window`); the warm-up fills it. */
const WINDOW = 120;
/** How long each setup's processes are watched with no traffic, for their idle CPU. */
const IDLE_MS = 1500;
const MAX_MESSAGES = 1_000_000;

function configInput(prefix: string, t: Target, partitions: number, leaseTtl: number | string, names: { forecast: string[]; anomaly: string[] }, messages: number) {
  return {
    prefix,
    redis: t.redisConfig,
    log: { level: 'warn' },
    telemetry: { spanStore: { enabled: false } },
    bus: { partitions, maxLen: Math.max(100_000, messages), block: 100 },
    analyzer: {
      leaseTtl,
      window: WINDOW,
      forecast: [{ series: 'so.f*', horizon: '10s', step: '1s', maxSeries: Math.max(1, names.forecast.length) }],
      anomaly: [{ series: 'so.s*', maxSeries: Math.max(1, names.anomaly.length) }],
    },
  };
}

/** The holder (instance) of each partition's lease, null when free (one GET each: on a cluster they live in different slots). */
async function holders(runtime: Runtime, partitions: number): Promise<(string | null)[]> {
  return Promise.all(Array.from({ length: partitions }, (_, n) => runtime.redis.get(runtime.keys.partitionLease(n, partitions)).then(holderOf)));
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(everyMs);
  }
}

/** Whether the analyzer group of every partition has read and acknowledged every entry. */
async function drained(runtime: Runtime, partitions: number): Promise<boolean> {
  const done = await Promise.all(
    Array.from({ length: partitions }, async (_, n) => {
      const key = runtime.keys.metricsPartition(n, partitions);
      const [groups, info] = await Promise.all([runtime.redis.xinfo('GROUPS', key) as Promise<unknown[][]>, runtime.redis.xinfo('STREAM', key) as Promise<unknown[]>]);
      const last = info[info.indexOf('last-generated-id') + 1];
      const g = groups.map((row) => new Map(Array.from({ length: row.length / 2 }, (_, i) => [String(row[2 * i]), row[2 * i + 1]]))).find((x) => x.get('name') === 'analyzer');
      return g !== undefined && g.get('last-delivered-id') === last && Number(g.get('pending')) === 0;
    }),
  );
  return done.every(Boolean);
}

/** Publishes `messages` metrics round-robin over the series, as fast as the bus takes them, for at most `maxMs`; how many went. */
async function publishBacklog(runtime: Runtime, series: readonly string[], messages: number, maxMs: number): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  const CHUNK = 2000;
  while (sent < messages && performance.now() - t0 < maxMs) {
    const ts = Date.now();
    const batch: MessageInput<'metrics'>[] = [];
    for (let i = sent; i < Math.min(messages, sent + CHUNK); i++) {
      const round_ = Math.floor(i / series.length);
      batch.push({ v: 1, series: series[i % series.length] as string, value: 100 + ((round_ * 7 + i) % 13) + (round_ % 50 === 49 ? 80 : 0), ts, source: 'bench:scaleout' });
    }
    await runtime.bus.publish('metrics', batch);
    sent += batch.length;
  }
  return sent;
}

interface Setup {
  t: Target;
  dir: string;
  partitions: number;
  names: { forecast: string[]; anomaly: string[] };
  messages: number;
  rounds: number;
}

/** A fresh prefix, a config file and the bench's own runtime on it; `body` runs with them, then everything is stopped and deleted. */
async function withPrefix<T>(s: Setup, leaseTtl: number | string, body: (runtime: Runtime, file: string, procs: AnalyzerProcess[]) => Promise<T>): Promise<T> {
  const prefix = `bench-so-${randomUUID().slice(0, 8)}`;
  const input = configInput(prefix, s.t, s.partitions, leaseTtl, s.names, s.messages);
  const file = join(s.dir, `${prefix}.json`);
  writeFileSync(file, JSON.stringify(input));
  const config = parseConfig(input);
  const runtime = new Runtime({ config, redisUrl: s.t.url, log: createLogger({ level: 'warn' }), env: {} });
  const procs: AnalyzerProcess[] = [];
  try {
    return await body(runtime, file, procs);
  } finally {
    await stopAnalyzers(procs);
    await deletePrefix(runtime.redis, prefix).catch(() => undefined);
    await runtime.close();
  }
}

/**
 * One measured round: the analyzers are stopped (SIGSTOP) while the backlog is published, then
 * continued; measured from then until every partition's group has acknowledged everything (their
 * insights published first): the drain time, each process's CPU (/proc/<pid>/stat) and metrics
 * (its awo_analyzer_metrics_total), and the Redis servers' CPU (INFO) over publish and drain.
 */
async function measureRound(runtime: Runtime, s: Setup, procs: readonly AnalyzerProcess[], series: readonly string[]): Promise<RoundFigures> {
  const before = await Promise.all(procs.map((p) => scrape(p.port, 'awo_analyzer_metrics_total')));
  const redis0 = await redisCpuMicros(runtime.redis);
  for (const p of procs) p.child.kill('SIGSTOP');
  let published = 0;
  let cpu0: number[] = [];
  let t0 = 0;
  try {
    // Stopped at most 40 % of the lease, so no lease lapses while the backlog goes in.
    published = await publishBacklog(runtime, series, s.messages, RUN_LEASE_MS * 0.4);
    cpu0 = procs.map((p) => cpuMicros(p.pid));
  } finally {
    t0 = performance.now();
    for (const p of procs) p.child.kill('SIGCONT');
  }
  await waitFor(`the analyzers to work off ${published} metrics`, 180_000, async () => ((await drained(runtime, s.partitions)) ? true : undefined), 20);
  const drainS = (performance.now() - t0) / 1000;
  const cpu1 = procs.map((p) => cpuMicros(p.pid));
  const redis1 = await redisCpuMicros(runtime.redis);
  const after = await Promise.all(procs.map((p) => scrape(p.port, 'awo_analyzer_metrics_total')));
  const processes = procs.map((p, i) => ({ metrics: (after[i] ?? 0) - (before[i] ?? 0), cpuUs: (cpu1[i] ?? 0) - (cpu0[i] ?? 0) }));
  return { published, drainS, processes, redisCpuUs: redis1 - redis0 };
}

/**
 * One setup: `n` analyzer processes hold the partitions (balanced); a warm-up fills every series'
 * window (JIT and state settled, as in a long-running process), then `rounds` measured rounds.
 */
async function measureRun(s: Setup, n: number, io: BenchIo): Promise<RunFigures> {
  const setup = `${s.t.kind}-${n}`;
  const series = [...s.names.forecast, ...s.names.anomaly];
  return withPrefix(s, RUN_LEASE_MS, async (runtime, file, procs) => {
    io.progress(`${setup}: starting ${n} analyzer process${n > 1 ? 'es' : ''}…`);
    procs.push(...(await startAnalyzers(file, n)));
    const held = await waitFor(`${s.partitions} partitions balanced over ${n} analyzers`, 60_000, async () => {
      const h = await holders(runtime, s.partitions);
      return isBalanced(h, n) ? h : undefined;
    });
    const warmup = Math.min(MAX_MESSAGES, WINDOW * series.length);
    io.progress(`${setup}: warm-up, ${warmup} metrics (${WINDOW} a series)…`);
    await publishBacklog(runtime, series, warmup, Number.POSITIVE_INFINITY);
    await waitFor('the warm-up worked off', 180_000, async () => ((await drained(runtime, s.partitions)) ? true : undefined), 50);
    const insights0 = await runtime.redis.xlen(runtime.keys.stream('insights'));
    // What each process spends with no traffic (timers, lease rounds, blocked reads), to tell apart from the per-metric cost.
    const idle0 = procs.map((p) => cpuMicros(p.pid));
    const ti = performance.now();
    await delay(IDLE_MS);
    const idleS = (performance.now() - ti) / 1000;
    const idleUsPerSec = procs.map((p, i) => (cpuMicros(p.pid) - (idle0[i] ?? 0)) / idleS);
    const rounds: RoundFigures[] = [];
    for (let r = 1; r <= s.rounds; r++) {
      const x = await measureRound(runtime, s, procs, series);
      rounds.push(x);
      io.progress(`${setup} round ${r}/${s.rounds}: ${x.published} metrics in ${round(x.drainS, 2)} s, CPU µs/metric per process ${x.processes.map((p) => round(p.cpuUs / p.metrics, 1)).join(', ')}`);
    }
    const heldAfter = await holders(runtime, s.partitions);
    if (heldAfter.some((h, i) => h !== held[i])) io.progress(`${setup}: warning: partitions moved during the run`);
    const insights = (await runtime.redis.xlen(runtime.keys.stream('insights'))) - insights0;
    const masters = await s.t.mastersOf(Array.from({ length: s.partitions }, (_, i) => runtime.keys.metricsPartition(i, s.partitions)));
    const perMaster = [...masters.reduce((m, port) => m.set(port, (m.get(port) ?? 0) + 1), new Map<number, number>()).values()].sort((a, b) => b - a);
    return { setup, redis: s.t.kind, analyzers: n, partitions: s.partitions, series: series.length, rounds, idleUsPerSec, insights, balance: balanceOf(held, series), partitionsPerMaster: perMaster };
  });
}

/**
 * Takeover: four analyzers on a steady load of the forecast series; SIGKILL the holder of
 * partition 0 and time, from the kill, when all its partitions are held by others and when each
 * of them has given an insight for a metric published after the kill.
 */
async function measureTakeover(s: Setup, lease: string, io: BenchIo) {
  return withPrefix(s, lease, async (runtime, file, procs) => {
    const leaseMs = parseConfig({ analyzer: { leaseTtl: lease } }).analyzer.leaseTtl;
    io.progress(`takeover (${s.t.kind}): 4 analyzers, analyzer.leaseTtl ${lease}…`);
    procs.push(...(await startAnalyzers(file, 4)));
    await waitFor('the partitions balanced over 4 analyzers', 60_000, async () => (isBalanced(await holders(runtime, s.partitions), 4) ? true : undefined));
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const ts = Date.now();
        await runtime.bus.publish('metrics', s.names.forecast.map((series, i) => ({ v: 1, series, value: 100 + ((ts / 100 + i) % 17), ts, source: 'bench:scaleout' })));
        await delay(100);
      }
    })();
    // Insights read back: per partition, the newest (at, metric ts, holder).
    const newest = new Map<number, { ts: number; holder: string }>();
    let cursor = '0-0';
    const read = async () => {
      const rows = (await runtime.redis.xrange(runtime.keys.stream('insights'), `(${cursor}`, '+', 'COUNT', 5000)) as [string, string[]][];
      for (const [id, fields] of rows) {
        cursor = id;
        const d = decode('insights', fields);
        const at = fields.indexOf('lease');
        if (d.ok) newest.set(partitionOf(d.message.series, s.partitions), { ts: d.message.ts, holder: holderOf(at >= 0 ? (fields[at + 1] ?? '') : null) ?? '' });
      }
    };
    try {
      await waitFor('insights from every partition', 60_000, async () => (await read(), newest.size === s.partitions ? true : undefined));
      const before = await holders(runtime, s.partitions);
      const victim = procs.find((p) => p.instance === before[0]);
      if (!victim) throw new Error(`no analyzer process holds partition 0 (${before[0]})`);
      const moved = before.flatMap((h, n) => (h === victim.instance ? [n] : []));
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      io.progress(`takeover (${s.t.kind}): SIGKILLed ${victim.instance}, holder of partitions ${moved.join(', ')}`);
      let leasesS: number | undefined;
      const flowS = await waitFor('the dead analyzer\'s partitions taken over and their insights flowing', leaseMs * 3 + 60_000, async () => {
        const h = await holders(runtime, s.partitions);
        if (leasesS === undefined && moved.every((n) => h[n] !== null && h[n] !== victim.instance)) leasesS = (Date.now() - killedAt) / 1000;
        await read();
        const flowing = moved.every((n) => {
          const x = newest.get(n);
          return x !== undefined && x.ts >= killedAt && x.holder !== victim.instance;
        });
        return flowing && leasesS !== undefined ? (Date.now() - killedAt) / 1000 : undefined;
      }, 20);
      return { redis: s.t.kind, leaseTtlS: leaseMs / 1000, partitionsMoved: moved.length, leasesTakenS: round(leasesS ?? Number.NaN, 2), insightsFlowS: round(flowS, 2) };
    } finally {
      stop = true;
      await load;
    }
  });
}

/**
 * Scale-out: metrics/s and analyzer CPU µs per metric with 1, 2 and 4 analyzer processes on a
 * single Redis and on a three-master Redis Cluster; partition balance; takeover when one of four
 * analyzers dies. Figures per process and as ratios: the machine's cores are few and shared.
 */
export async function scaleoutBench(argv: ScaleoutOptions, io: BenchIo) {
  const seriesCount = argv.series ?? 200;
  const messages = argv.messages ?? 30_000;
  const rounds = argv.rounds ?? 3;
  const partitions = argv.partitions ?? 8;
  const lease = argv.lease ?? '5s';
  const counts = argv.analyzers ?? [1, 2, 4];
  if (!Number.isInteger(seriesCount) || seriesCount < 1 || seriesCount > MAX_SERIES) throw new Error(`--series must be an integer from 1 to ${MAX_SERIES}`);
  if (!Number.isInteger(messages) || messages < 1 || messages > MAX_MESSAGES) throw new Error(`--messages must be an integer from 1 to ${MAX_MESSAGES}`);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be an integer from 1 to 20');
  if (!Number.isInteger(partitions) || partitions < 4 || partitions > 64) throw new Error('--partitions must be an integer from 4 to 64');
  const kinds: RedisKind[] = argv.redis === undefined ? ['single', 'cluster'] : argv.redis === 'single' || argv.redis === 'cluster' ? [argv.redis] : [];
  if (kinds.length === 0) throw new Error('--redis must be single or cluster');
  const names = seriesNames(seriesCount, partitions);
  const dir = mkdtempSync(join(tmpdir(), 'awo-scaleout-'));
  const runs: RunFigures[] = [];
  const takeovers: Awaited<ReturnType<typeof measureTakeover>>[] = [];
  try {
    for (const kind of kinds) {
      io.progress(`${kind}: starting ${kind === 'cluster' ? 'a three-master Redis Cluster' : 'a private redis-server'}…`);
      const t = await startTarget(kind);
      try {
        const s: Setup = { t, dir, partitions, names, messages, rounds };
        for (const n of counts) runs.push(await measureRun(s, n, io));
        takeovers.push(await measureTakeover(s, lease, io));
      } finally {
        await t.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const results = withRatios(runs);
  const cores = availableParallelism();
  const most = Math.max(...counts);
  const widest = runs.find((r) => r.analyzers === most);
  const widestResult = results.find((r) => r.analyzers === most);
  // Balance: from the lease holders and partitionOf (series per analyzer), and as measured (metrics each analyzer processed).
  const measured = widestResult?.perProcess.map((p) => p.metrics) ?? [];
  const measuredMean = measured.reduce((a, b) => a + b, 0) / Math.max(1, measured.length);
  const balance = {
    analyzers: most,
    partitions,
    series: seriesCount,
    ...(widest?.balance ?? balanceOf([], [])),
    metricsPerAnalyzer: measured,
    measuredMaxOverMean: measuredMean > 0 ? round(Math.max(...measured) / measuredMean, 3) : Number.NaN,
    byRun: runs.map((r) => ({ setup: r.setup, maxOverMean: r.balance.maxOverMean })),
  };
  const takeoverS = Math.max(...takeovers.map((x) => x.insightsFlowS));
  const outlook = projection(results, cores);
  const result = { partitions, series: seriesCount, window: WINDOW, messages, rounds, cores, runs: results, balance, takeoverS, takeover: takeovers, projection: outlook.map(({ line: _line, ...rest }) => rest) };
  if (io.json) {
    io.out(JSON.stringify(result));
    return result;
  }
  io.out(`scale-out: ${seriesCount} series (${names.forecast.length} forecast, ${names.anomaly.length} anomaly-checked), bus.partitions ${partitions}, analyzer.window ${WINDOW} (filled by a warm-up), ${rounds} rounds of ${messages} metrics a setup (medians), ${cores} cores shared by every process`);
  io.out(table(results.map((r) => ({
    setup: r.setup,
    analyzers: r.analyzers,
    'metrics/s': r.metricsPerSec,
    '×vs1': r.vs1?.metricsPerSec ?? '-',
    'cores busy': r.coresBusy,
    'CPU µs/metric (median/process)': r.cpuUsPerMetric,
    'CPU ×vs1': r.vs1?.cpuUsPerMetric ?? '-',
    'net of idle': r.netCpuUsPerMetric,
    'idle % core': r.idleCorePct,
    'Redis µs/metric': r.redisCpuUsPerMetric,
    insights: r.insights,
    'max/mean series': r.maxOverMean,
    'partitions/master': r.partitionsPerMaster.join('/'),
  }))));
  io.out(`balance (${balance.analyzers} analyzers, ${partitions} partitions): partitions per analyzer ${balance.partitionsPerAnalyzer.join('/')}, series per analyzer ${balance.seriesPerAnalyzer.join('/')}, max/mean ${balance.maxOverMean} (metrics processed per analyzer ${measured.join('/')}, max/mean ${balance.measuredMaxOverMean})`);
  for (const x of takeovers) io.out(`takeover (${x.redis}, leaseTtl ${x.leaseTtlS} s): ${x.partitionsMoved} partitions held by the others after ${x.leasesTakenS} s, their insights flowing again after ${x.insightsFlowS} s`);
  io.out('what this says about cores and shards:');
  for (const p of outlook) io.out(`  ${p.line}`);
  return result;
}
