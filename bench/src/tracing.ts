import { randomUUID } from 'node:crypto';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AnalyzerAgent } from '@awo/analyzer';
import { PlannerAgent } from '@awo/planner';
import { createLogger, delay, parseConfig, Runtime, type Metric } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { median, round, table } from './stats.js';

/** Consumer-group lag + pending of a stream: 0 when a group has processed and acked everything. */
async function backlog(runtime: Runtime, stream: 'metrics' | 'insights', group: string): Promise<number> {
  const groups = (await runtime.redis.xinfo('GROUPS', runtime.keys.stream(stream))) as unknown[][];
  for (const g of groups) {
    const info: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
    if (info.name === group) return Number(info.lag ?? 0) + Number(info.pending ?? 0);
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * One run of the loop: N metrics published in monitor-sized batches (each in a PRODUCER
 * span), through the analyzer (forecasts) and the planner (insights and metrics), until both
 * have processed and acked everything. Tracing on: every span recorded and kept in the Redis
 * span store, as by default; off: a sampler that records nothing and no span store.
 */
async function loopRun(url: string, n: number, traced: boolean): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const config = parseConfig({
    prefix,
    redis: { url },
    bus: { block: 100 },
    telemetry: { traces: { sampleRatio: traced ? 1 : 0 }, spanStore: { enabled: traced } },
    workflow: { steps: { work: { params: { concurrency: 1 } } } },
    analyzer: { window: 120, forecast: [{ series: 'load.*.arrival_rate', horizon: '5s' }] },
    planner: {
      goals: [{ kind: 'autoscale', name: 'g', step: 'work', metric: 'load.s0.wait', target: 1e9, arrivalSeries: 'load.s0.arrival_rate', completionSeries: 'load.s0.done', activeSeries: 'load.s0.active', backlogSeries: 'load.s0.waiting', min: 1, max: 1 }],
    },
  });
  const runtime = new Runtime({ config, redisUrl: url, log: createLogger({ level: 'warn' }), env: {} });
  const analyzer = new AnalyzerAgent(runtime.deps('analyzer'));
  const planner = new PlannerAgent(runtime.deps('planner'));
  const monitor = runtime.deps('monitor');
  try {
    await analyzer.start();
    await planner.start();
    while (!planner.isLeader) await delay(10);
    const t0 = performance.now();
    const batch = 200;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < n; i += batch) {
      const ts = Date.now();
      const metrics: Metric[] = Array.from({ length: Math.min(batch, n - i) }, (_, j) => ({ v: 1, series: `load.s${(i + j) % 20}.arrival_rate`, value: 10 + ((i + j) % 7), ts, source: 'bench', labels: {} }));
      const span = monitor.tracer.startSpan('publish metrics', { kind: SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': metrics.length } });
      sends.push(context.with(trace.setSpan(context.active(), span), () => monitor.bus.publish('metrics', metrics)).finally(() => span.end()));
      if (sends.length >= 8) await sends.shift();
    }
    await Promise.all(sends);
    while ((await backlog(runtime, 'metrics', 'analyzer')) > 0 || (await backlog(runtime, 'metrics', 'planner')) > 0 || (await backlog(runtime, 'insights', 'planner')) > 0) await delay(5);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await planner.close();
    await analyzer.close();
    const keys = await runtime.redis.keys(`${prefix}:*`);
    if (keys.length) await runtime.redis.del(...keys);
    await runtime.close();
  }
}

export async function tracingBench(argv: { messages?: number; rounds?: number }, io: BenchIo) {
  const n = argv.messages ?? 20_000;
  const rounds = argv.rounds ?? 3;
  const redis = await benchRedis();
  const on: number[] = [];
  const off: number[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      // Alternate the order so warm-up and noise do not favour one side.
      const [first, second] = r % 2 ? [false, true] : [true, false];
      const a = await loopRun(redis.url, n, first);
      const b = await loopRun(redis.url, n, second);
      (first ? on : off).push(a);
      (second ? on : off).push(b);
      io.progress(`round ${r}/${rounds}: traced ${Math.round(on.at(-1) ?? 0)} msg/s, untraced ${Math.round(off.at(-1) ?? 0)} msg/s`);
    }
  } finally {
    await redis.stop();
  }
  const result = { messages: n, rounds, tracedMsgsPerSec: Math.round(median(on)), untracedMsgsPerSec: Math.round(median(off)), ratio: round(median(on.map((x, i) => x / (off[i] as number))), 3) };
  if (io.json) io.out(JSON.stringify(result));
  else {
    io.out(table([
      { loop: 'monitor batches → analyzer → planner, tracing on', 'msgs/s (median)': result.tracedMsgsPerSec },
      { loop: 'the same, tracing off', 'msgs/s (median)': result.untracedMsgsPerSec },
    ]));
    io.out(`ratio (on / off, median of per-round ratios): ${result.ratio}   goal ≥ 0.85   (${n} metrics × ${rounds} rounds)`);
  }
  return result;
}
