import { randomUUID } from 'node:crypto';
import { MonitorAgent, type Sample, type Source } from '@awo/monitor';
import { createLogger, delay, GROUPS, parseConfig, PlanStore, Runtime, type Consumer } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { peakRssMb, startAgentProcesses, stopAgentProcesses } from './pipeline-agents.js';
import { quantile, round, table } from './stats.js';

/** A synthetic source: `perTick` samples each tick, one of them the load series of the goal. */
class LoadSource implements Source {
  readonly kind = 'bench';
  readonly name = 'load';
  tick = 0;
  constructor(
    readonly interval: number,
    private readonly perTick: number,
    private readonly load: (tick: number) => number,
  ) {}
  async sample(): Promise<Sample[]> {
    const t = this.tick++;
    const out: Sample[] = [{ series: 'bench.load.arrival_rate', value: this.load(t) }];
    for (let i = 1; i < this.perTick; i++) out.push({ series: `bench.s${i % 500}.value`, value: 100 + ((t * 7 + i) % 13) });
    return out;
  }
  async close(): Promise<void> {}
}

/** Whether every group has read and acked everything (default: the pipeline's agents). */
export async function drained(runtime: Runtime, groups: readonly (readonly ['metrics' | 'insights', string])[] = [['metrics', 'analyzer'], ['metrics', 'planner'], ['insights', 'planner']]): Promise<boolean> {
  for (const [stream, group] of groups) {
    const groups = (await runtime.redis.xinfo('GROUPS', runtime.keys.stream(stream))) as unknown[][];
    const g = groups.map((row) => Object.fromEntries(Array.from({ length: row.length / 2 }, (_, i) => [String(row[2 * i]), row[2 * i + 1]]))).find((x) => x.name === group);
    if (!g || Number(g.lag ?? 1) + Number(g.pending ?? 1) > 0) return false;
  }
  return true;
}

/** Raw pipelined XADD of metric-sized entries: the ceiling. */
async function rawXadd(runtime: Runtime, n: number): Promise<number> {
  const key = runtime.keys.benchRaw;
  const payload = JSON.stringify({ v: 1, series: 'bench.s1.value', value: 101, ts: Date.now(), source: 'bench:load', labels: {} });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 500) {
    const p = runtime.redis.pipeline();
    for (let j = i; j < Math.min(n, i + 500); j++) p.xadd(key, 'MAXLEN', '~', 2_000_000, '*', 'data', payload);
    await p.exec();
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await runtime.redis.del(key);
  return rate;
}

/**
 * The loop's own speed: metrics/s through monitor → analyzer → planner (analyzer, planner and
 * executor each their own process, tracing on), metric-to-action latency at a fixed load, peak
 * RSS per agent, and the raw pipelined XADD ceiling with the ratio, in one run.
 */
export async function pipelineBench(argv: { seconds?: number; rate?: number }, io: BenchIo) {
  const seconds = argv.seconds ?? 15;
  const rate = argv.rate ?? 10_000;
  const redis = await benchRedis();
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const log = createLogger({ level: 'warn' });
  const procs = await startAgentProcesses(prefix, redis.url);
  const config = parseConfig({ prefix, redis: { url: redis.url }, bus: { maxLen: 2_000_000, block: 100 }, monitor: { interval: 100 } });
  const runtime = new Runtime({ config, redisUrl: redis.url, log, env: {} });
  const insightTs = new Map<string, number>();
  const results: { at: number; version: number }[] = [];
  const watchers: Consumer[] = [];
  try {
    // 1. Throughput: the source publishes as fast as the monitor can (ticks never overlap).
    io.progress('throughput: monitor publishing as fast as it can for 5 s…');
    const flood = new LoadSource(1, 2000, (t) => 50 + (t % 10));
    let monitor = new MonitorAgent(runtime.deps('monitor'), { sources: [flood] });
    const t0 = performance.now();
    await monitor.start();
    await delay(5000);
    await monitor.close();
    const published = flood.tick * 2000;
    while (!(await drained(runtime))) await delay(10);
    const metricsPerSec = published / ((performance.now() - t0) / 1000);
    io.progress(`  ${published} metrics through analyzer and planner: ${Math.round(metricsPerSec)}/s`);

    // 2. Latency at a fixed load: the load series steps between 20 and 300 every second, so the
    // planner resizes the step each second and the executor acts.
    io.progress(`latency: ${rate} metrics/s for ${seconds} s…`);
    watchers.push(await runtime.bus.consume('insights', { group: GROUPS.bench, consumer: 'b', startId: '$', handler: async (d) => void insightTs.set(d.message.id, d.message.ts) }));
    watchers.push(await runtime.bus.consume('results', { group: GROUPS.bench, consumer: 'b', startId: '$', handler: async (d) => void results.push({ at: d.message.at, version: d.message.version }) }));
    const steady = new LoadSource(100, rate / 10, (t) => (Math.floor(t / 10) % 2 ? 300 : 20));
    monitor = new MonitorAgent(runtime.deps('monitor'), { sources: [steady] });
    await monitor.start();
    await delay(seconds * 1000);
    await monitor.close();
    while (!(await drained(runtime))) await delay(10);
    await delay(500);
    const history = await new PlanStore(runtime.redis, runtime.keys, config).history(10_000);
    const byVersion = new Map(history.map((h) => [h.revision.version, h.revision]));
    const latencies: number[] = [];
    for (const r of results) {
      const ts = byVersion.get(r.version)?.insightIds.map((id) => insightTs.get(id)).find((x) => x !== undefined);
      if (ts !== undefined) latencies.push(r.at - ts);
    }
    const rawXaddPerSec = await rawXadd(runtime, 200_000);
    const peak = { monitor: peakRssMb(process.pid), analyzer: peakRssMb(procs[2]?.child.pid), planner: peakRssMb(procs[1]?.child.pid), executor: peakRssMb(procs[0]?.child.pid) };
    const result = {
      metricsPerSec: Math.round(metricsPerSec),
      rawXaddPerSec: Math.round(rawXaddPerSec),
      ratio: round(metricsPerSec / rawXaddPerSec, 3),
      latencyMs: { p50: round(quantile(latencies, 0.5), 1), p99: round(quantile(latencies, 0.99), 1), actions: latencies.length, atMetricsPerSec: rate },
      peakRssMb: peak,
    };
    if (io.json) io.out(JSON.stringify(result));
    else {
      io.out(table([
        { measure: 'metrics/s through monitor → analyzer → planner (tracing on)', value: result.metricsPerSec },
        { measure: 'raw pipelined XADD (ceiling)', value: result.rawXaddPerSec },
        { measure: 'ratio (goal ≥ 0.25)', value: result.ratio },
        { measure: `metric-to-action latency p50, ms (at ${rate}/s)`, value: result.latencyMs.p50 },
        { measure: `metric-to-action latency p99, ms (goal < 50)`, value: result.latencyMs.p99 },
        { measure: 'actions measured', value: latencies.length },
        ...Object.entries(peak).map(([agent, mb]) => ({ measure: `peak RSS ${agent}${agent === 'monitor' ? ' (the bench process)' : ''}, MB`, value: mb })),
      ]));
      io.out('Latency: from the sample time of the metric behind the insight that caused a revision, to its ActionResult (a Redis write). Agents other than the monitor run as their own processes.');
    }
    return result;
  } finally {
    await Promise.allSettled(watchers.map((w) => w.close()));
    await stopAgentProcesses(procs);
    const keys = await runtime.redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await runtime.redis.unlink(...keys.slice(i, i + 500));
    await runtime.close();
    await redis.stop();
  }
}
