import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLogger, delay, parseConfig, Runtime, type Consumer, type MessageInput } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { drained } from './pipeline.js';
import { peakRssMb, startAgentProcesses, stopAgentProcesses } from './pipeline-agents.js';
import { table } from './stats.js';

/** Series a rule keeps (the rules' default `maxSeries`). */
const MAX_SERIES = 1000;
const RULES = ['forecast[0]', 'anomaly[0]'];

/** The analyzer alone: a forecast and a records anomaly rule on `bench.card.*`, series told apart by `tenant`. */
function cardinalityConfigYaml(prefix: string, url: string, ports: Record<string, number>): string {
  return `prefix: ${prefix}
redis: { url: "${url}" }
bus: { maxLen: 2000000, block: 100 }
log: { level: warn }
analyzer:
  health: { port: ${ports.analyzer} }
  forecast: [{ series: "bench.card.*", horizon: 1s, step: 100ms, labels: [tenant], maxSeries: ${MAX_SERIES} }]
  anomaly: [{ series: "bench.card.*", detectors: [records], labels: [tenant], maxSeries: ${MAX_SERIES} }]
`;
}

interface Run {
  legitimateForecasts: number;
  peakRssMb: number;
  /** Growth of the analyzer's resident memory from just before the first tick to after the last (VmRSS), kB. */
  rssGrowthKb: number;
  series: number;
  refused: Record<string, number>;
}

/** Resident memory of a process now (VmRSS), kB. */
function rssKb(pid: number | undefined): number {
  const m = pid === undefined ? null : /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** The analyzer's counters from its /metrics, by name with labels (`awo_` and the agent label dropped). */
async function analyzerCounters(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^awo_(analyzer_\w+)\{agent="analyzer"(?:,(.*))?\} (\S+)$/.exec(line);
    if (m) out[m[2] ? `${m[1]}{${m[2]}}` : (m[1] as string)] = Number(m[3]);
  }
  return out;
}

/**
 * One run against a fresh analyzer process: `ticks` ticks, each one point of every legitimate
 * series (and `floodPerTick` points of new label sets on a matched series), waiting for the
 * analyzer to drain each tick so the two runs batch the legitimate points alike.
 */
async function runOnce(url: string, opts: { legitimate: number; ticks: number; floodPerTick: number }, io: BenchIo): Promise<Run> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const log = createLogger({ level: 'warn' });
  const procs = await startAgentProcesses(prefix, url, { names: ['analyzer'], configYaml: cardinalityConfigYaml });
  const analyzer = procs[0]!;
  const config = parseConfig({ prefix, redis: { url }, bus: { maxLen: 2_000_000, block: 100 } });
  const runtime = new Runtime({ config, redisUrl: url, log, env: {} });
  let watcher: Consumer | undefined;
  try {
    let legitimateForecasts = 0;
    watcher = await runtime.bus.consume('insights', {
      group: 'bench',
      consumer: 'b',
      startId: '$',
      handler: async (d) => {
        if (d.message.kind === 'forecast' && d.message.series.startsWith('bench.card.legit')) legitimateForecasts++;
      },
    });
    const rssBefore = rssKb(analyzer.child.pid);
    let flooded = 0;
    for (let t = 0; t < opts.ticks; t++) {
      const ts = Date.now();
      const batch: MessageInput<'metrics'>[] = [];
      for (let i = 0; i < opts.legitimate; i++) batch.push({ v: 1, series: `bench.card.legit${i}`, value: 100 + i + 20 * Math.sin(t / 8) + (t % 3), ts, source: 'bench', labels: { tenant: 'legit' } });
      for (let i = 0; i < opts.floodPerTick; i++) batch.push({ v: 1, series: 'bench.card.flood', value: 1, ts, source: 'bench', labels: { tenant: `flood-${flooded++}` } });
      await runtime.bus.publish('metrics', batch);
      while (!(await drained(runtime, [['metrics', 'analyzer']]))) await delay(5);
      if ((t + 1) % 20 === 0) io.progress(`  tick ${t + 1}/${opts.ticks}: ${flooded} flood series sent, analyzer RSS ${Math.round(rssKb(analyzer.child.pid) / 1024)} MB`);
    }
    while (!(await drained(runtime, [['insights', 'bench']]))) await delay(5);
    const counters = await analyzerCounters(analyzer.port);
    return {
      legitimateForecasts,
      peakRssMb: peakRssMb(analyzer.child.pid),
      rssGrowthKb: rssKb(analyzer.child.pid) - rssBefore,
      series: counters.analyzer_series ?? Number.NaN,
      refused: Object.fromEntries(RULES.map((r) => [r, counters[`analyzer_series_refused_total{rule="${r}"}`] ?? Number.NaN])),
    };
  } finally {
    await watcher?.close();
    await stopAgentProcesses(procs);
    const keys = await runtime.redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await runtime.redis.unlink(...keys.slice(i, i + 500));
    await runtime.close();
  }
}

/**
 * Label cardinality: 100,000 distinct label sets on a series two rules match (forecast and
 * records anomaly, `labels: [tenant]`, `maxSeries: 1000`) while 20 legitimate series keep
 * flowing, against the analyzer as its own process; the same run without the flood, for the
 * forecasts the legitimate series get. Prints series attempted, admitted and refused (per rule),
 * the analyzer's peak RSS and the memory per admitted series.
 */
export async function cardinalityBench(argv: { series?: number; ticks?: number }, io: BenchIo) {
  const flood = argv.series ?? 100_000;
  const ticks = argv.ticks ?? 100;
  const legitimate = 20;
  const redis = await benchRedis();
  try {
    io.progress(`without the flood: ${legitimate} series, ${ticks} ticks…`);
    const quiet = await runOnce(redis.url, { legitimate, ticks, floodPerTick: 0 }, io);
    io.progress(`with the flood: ${flood} new label sets over ${ticks} ticks…`);
    const flooded = await runOnce(redis.url, { legitimate, ticks, floodPerTick: Math.ceil(flood / ticks) }, io);
    const attempted = legitimate + Math.ceil(flood / ticks) * ticks;
    const refused = flooded.refused[RULES[0]!] ?? Number.NaN;
    const admittedByFlood = flooded.series - quiet.series;
    const result = {
      seriesAttempted: attempted,
      seriesAdmitted: attempted - refused,
      seriesRefused: refused,
      refusedByRule: flooded.refused,
      analyzerPeakRssMb: flooded.peakRssMb,
      analyzerPeakRssMbWithoutFlood: quiet.peakRssMb,
      // The extra memory the flood left behind, over the series it added (per rule): an upper
      // bound, since it also holds what parsing 100,000 more messages left in the heap.
      bytesPerSeries: Math.round(((flooded.rssGrowthKb - quiet.rssGrowthKb) * 1024) / Math.max(1, admittedByFlood)),
      legitimateForecasts: flooded.legitimateForecasts,
      legitimateForecastsWithoutFlood: quiet.legitimateForecasts,
      ticks,
    };
    if (io.json) io.out(JSON.stringify(result));
    else {
      io.out(table([
        { measure: 'series attempted (per rule: 20 legitimate + the flood)', value: result.seriesAttempted },
        { measure: `series admitted (per rule, maxSeries ${MAX_SERIES})`, value: result.seriesAdmitted },
        { measure: 'series refused (per rule)', value: result.seriesRefused },
        { measure: 'analyzer peak RSS under the flood, MB (goal < 256)', value: result.analyzerPeakRssMb },
        { measure: 'analyzer peak RSS without the flood, MB', value: result.analyzerPeakRssMbWithoutFlood },
        { measure: 'bytes per admitted series (RSS growth with the flood − without, / series it added, all rules)', value: result.bytesPerSeries },
        { measure: `forecasts of the ${legitimate} legitimate series during the flood`, value: result.legitimateForecasts },
        { measure: '… and in the same run without the flood', value: result.legitimateForecastsWithoutFlood },
      ]));
      io.out(`Refused per rule: ${JSON.stringify(result.refusedByRule)}. Series are counted per rule (two rules match each); RSS figures are the analyzer process's (VmHWM, VmRSS), rounded to MB.`);
    }
    return result;
  } finally {
    await redis.stop();
  }
}
