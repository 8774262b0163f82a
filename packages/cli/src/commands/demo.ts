import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { ExecutorAgent } from '@awo/executor';
import { createLogger, delay, parseConfig, PlanStore, Runtime, type Consumer } from '@awo/shared';
import { AGENT_NAMES, buildAgents, startAgents } from '../agents.js';
import { numberFlag, parse, UsageError } from '../args.js';
import { finishDemo, watchInsights } from '../demo/support.js';
import { Arrivals, autoscaleDemoConfig, defaultShape, rateAt, sleepProcessor, SloMeter, type DemoOverrides } from '@awo/sim';
import { runQualityDemo } from '../demo/quality.js';
import { runWorkersDemo } from '../demo/workers.js';
import { resolveRedis } from '@awo/shared';
import type { Io } from '../io.js';

export interface AutoscaleSummary {
  scenario: 'autoscale';
  durationS: number;
  sloAttainment: number;
  workerSeconds: number;
  planRevisions: number;
  actions: number;
  traceId: string | null;
  targetMs: number;
  jobs: number;
  peakWorkers: number;
  prefix: string;
}

/**
 * `awo demo --scenario autoscale [--duration <s>] [--json]`: a load generator drives a real
 * BullMQ queue processed by a managed worker pool (jobs take real time; new workers are ready
 * only after a start-up delay), with a daily-shaped load plus bursts compressed in time; awo's
 * four agents keep the wait under the goal. Without --duration it runs until Ctrl-C.
 */
export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { scenario: { type: 'string', default: 'autoscale' }, duration: { type: 'string' }, day: { type: 'string' }, rate: { type: 'string' }, keep: { type: 'boolean', default: false } });
  if (values.scenario === 'data-quality') return qualityDemoCommand(values, io);
  if (values.scenario === 'workers') return workersDemoCommand(values, io);
  if (values.scenario !== 'autoscale') throw new UsageError(`unknown scenario "${values.scenario}" (known: autoscale, data-quality, workers)`);
  const durationS = numberFlag(values.duration, 'duration');
  const dayS = numberFlag(values.day, 'day', 120) as number;
  const summary = await runAutoscaleDemo({ durationS, dayS, io, quiet: values.json, keep: values.keep });
  if (values.json) io.out(JSON.stringify(summary));
  else {
    io.out(`\nautoscale demo: ${summary.durationS}s, ${summary.jobs} jobs, wait p95 under ${summary.targetMs}ms in ${(summary.sloAttainment * 100).toFixed(1)}% of seconds`);
    io.out(`  worker-seconds ${summary.workerSeconds.toFixed(0)} (peak ${summary.peakWorkers} workers), ${summary.planRevisions} plan revisions, ${summary.actions} actions`);
    if (summary.traceId) io.out(`  trace of one complete chain: ${summary.traceId}${values.keep ? `   (inspect: AWO_PREFIX=${summary.prefix} npx awo trace ${summary.traceId})` : '   (run with --keep to inspect it afterwards)'}`);
  }
  return 0;
}

async function workersDemoCommand(values: { duration?: string; day?: string; json: boolean; keep: boolean }, io: Io): Promise<number> {
  const durationS = numberFlag(values.duration, 'duration', 90) as number;
  if (durationS < 30) throw new UsageError('--duration of the workers demo must be at least 30 s (it kills a member at a quarter and starts one half way)');
  const dayS = numberFlag(values.day, 'day', durationS) as number;
  const s = await runWorkersDemo({ durationS, dayS, io, quiet: values.json, keep: values.keep });
  if (values.json) io.out(JSON.stringify(s));
  else {
    io.out(`\nworkers demo: ${s.durationS}s, ${s.jobs} jobs, wait p95 under 1000ms in ${(s.sloAttainment * 100).toFixed(1)}% of seconds; ${s.planRevisions} plan revisions`);
    io.out(`  members: at most ${s.members}; converged ${s.convergeAfterKillS ?? '-'}s after a SIGKILL (TTL ${s.ttlMs / 1000}s), ${s.convergeAfterJoinS ?? '-'}s after a new process started; sum over the plan at most ${s.maxConcurrencyOverPlan} (largest share ${s.maxShare})`);
    if (s.traceId) io.out(`  trace of one revision: ${s.traceId}${values.keep ? `   (inspect: AWO_PREFIX=${s.prefix} npx awo trace ${s.traceId})` : ''}`);
  }
  return 0;
}

async function qualityDemoCommand(values: { duration?: string; rate?: string; json: boolean; keep: boolean }, io: Io): Promise<number> {
  const durationS = numberFlag(values.duration, 'duration', 60) as number;
  if (durationS < 20) throw new UsageError('--duration of the data-quality demo must be at least 20 s (it has a clean, a bad and a recovery phase)');
  const rate = numberFlag(values.rate, 'rate', 50) as number;
  const s = await runQualityDemo({ durationS, rate, io, quiet: values.json, keep: values.keep });
  if (values.json) io.out(JSON.stringify(s));
  else {
    io.out(`\ndata-quality demo: ${s.durationS}s, ${s.recordsIn} records in: ${s.recordsStored} stored, ${s.recordsQuarantined} quarantined, ${s.recordsRejected} rejected, ${s.recordsFailed} failed, ${s.recordsLost} lost`);
    io.out(`  bad data from ${s.badPhase.fromS}s to ${s.badPhase.toS}s: seen after ${s.detectionDelayS ?? '-'}s, rerouted at ${s.rerouteAtS ?? '-'}s, reverted at ${s.revertAtS ?? '-'}s; ${s.badRecordsEscaped} of ${s.badRecordsIn} bad records reached the store`);
    if (s.traceId) io.out(`  trace of the reroute: ${s.traceId}${values.keep ? `   (inspect: AWO_PREFIX=${s.prefix} npx awo trace ${s.traceId})` : '   (run with --keep to inspect it afterwards)'}`);
  }
  return 0;
}

export interface DemoOptions {
  durationS: number | undefined;
  dayS: number;
  io: Io;
  quiet: boolean;
  /** Jobs per second at `t` seconds into the run; default: the daily shape with bursts. */
  rate?: (t: number) => number;
  /** Called once a second with the second's p95 wait (ms) and the pool size, e.g. to keep per-minute figures. */
  onSecond?: (second: number, p95Ms: number | undefined, workers: number) => void;
  /** Keep the demo's keys (plan, streams, spans) for `awo trace` / `awo explain` afterwards. */
  keep?: boolean;
  redisUrl?: string;
  /** Wait target, mean service time and worker start-up delay, ms (default 1000, 100, 3000). */
  workload?: { targetMs: number; serviceMs: number; startupDelayMs: number };
  /** Changes to the demo's config (goal, sources, forecast rule, pool). */
  overrides?: DemoOverrides;
  /** Each job's service time, ms (default: the workload's, fixed). */
  jobServiceMs?: () => number;
  /** The SLO's bucket: the summary's attainment is the share of these whose wait p95 met the target (default 1000). */
  sloBucketMs?: number;
}

export async function runAutoscaleDemo(opts: DemoOptions): Promise<AutoscaleSummary> {
  const { io } = opts;
  // Logs go to stderr, so stdout carries only status lines and the summary.
  const log = createLogger({ level: io.env.AWO_LOG_LEVEL ?? 'warn', base: { service: 'awo-demo' }, destination: pino.destination(2) });
  const redis = await resolveRedis(parseConfig({ redis: opts.redisUrl ? { url: opts.redisUrl } : {} }, io.env), log);
  const prefix = `awo-demo-${randomUUID().slice(0, 6)}`;
  const settings = { prefix, redisUrl: redis.url, ...(opts.workload ?? { targetMs: 1000, serviceMs: 100, startupDelayMs: 3000 }), dayS: opts.dayS };
  const config = autoscaleDemoConfig(settings, opts.overrides);
  const runtime = new Runtime({ config, redisUrl: redis.url, log, env: io.env });
  const agents = buildAgents(runtime, AGENT_NAMES, { executor: { processors: { sleep: sleepProcessor(settings.serviceMs) } } });
  const executor = agents.find((a): a is ExecutorAgent => a instanceof ExecutorAgent);
  const pool = executor?.pool('work');
  if (!pool) throw new Error('the demo config has no pool "work"');
  const start = Date.now();
  const slo = new SloMeter(settings.targetMs, start);
  const bucketMs = opts.sloBucketMs ?? 1000;
  const sloBuckets = bucketMs === 1000 ? slo : new SloMeter(settings.targetMs, start, bucketMs);
  pool.onJobStart((job) => {
    slo.jobStarted(job.waitMs, job.startedAt);
    if (sloBuckets !== slo) sloBuckets.jobStarted(job.waitMs, job.startedAt);
  });
  const serviceMs = opts.jobServiceMs ?? (() => settings.serviceMs);
  const queue = new Queue(pool.config.queue, { connection: runtime.connect('load'), prefix: pool.queuePrefix });
  const shape = defaultShape(opts.dayS);
  const rate = opts.rate ?? ((t: number) => rateAt(shape, t));
  const arrivals = new Arrivals();
  let jobs = 0;
  let peakWorkers = 0;
  let latestForecast: { value: number; model: string } | undefined;
  let watcher: Consumer | undefined;
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  try {
    await startAgents(agents);
    watcher = await watchInsights(runtime, (i) => {
      if (i.kind === 'forecast') latestForecast = { value: i.value, model: i.model };
    });
    if (!opts.quiet) io.out(`awo autoscale demo: Redis ${redis.origin} (${redis.url}), prefix ${prefix}; target wait p95 < ${settings.targetMs}ms; jobs take ${settings.serviceMs}ms; workers start in ${settings.startupDelayMs / 1000}s; a "day" is ${opts.dayS}s`);
    const tickMs = 100;
    let lastStatus = start;
    let addedThisSecond = 0;
    for (let tick = 0; !io.signal.aborted; tick++) {
      const t = (Date.now() - start) / 1000;
      if (opts.durationS !== undefined && t >= opts.durationS) break;
      const n = arrivals.next(rate(t), tickMs / 1000);
      if (n > 0) {
        await queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: { serviceMs: serviceMs() }, opts: { removeOnComplete: { age: 120, count: 5000 }, removeOnFail: { age: 600 } } })));
        jobs += n;
        addedThisSecond += n;
      }
      if (tick % 5 === 0) {
        const ts = (await queue.getJobs(['wait'], 0, 0, true))[0]?.timestamp ?? NaN;
        if (Number.isFinite(ts)) {
          slo.oldestWaiting(Date.now() - ts);
          if (sloBuckets !== slo) sloBuckets.oldestWaiting(Date.now() - ts);
        }
      }
      peakWorkers = Math.max(peakWorkers, pool.size());
      if (Date.now() - lastStatus >= 1000) {
        const second = Math.floor((lastStatus - start) / 1000);
        const p95 = slo.p95Of(second);
        const plan = await store.current();
        opts.onSecond?.(second, p95, pool.size());
        if (!opts.quiet) {
          io.out(
            `t=${String(second).padStart(4)}s  arrival ${(addedThisSecond / ((Date.now() - lastStatus) / 1000)).toFixed(1).padStart(6)}/s  forecast ${latestForecast ? `${latestForecast.value.toFixed(1).padStart(6)}/s (${latestForecast.model})` : '     -'}  workers ${String(pool.size()).padStart(2)} (ready ${String(pool.ready()).padStart(2)})  wait p95 ${p95 === undefined ? '     -' : `${Math.round(p95)}ms`.padStart(7)}  plan v${plan.version}`,
          );
        }
        addedThisSecond = 0;
        lastStatus = Date.now();
      }
      await delay(Math.max(0, start + (tick + 1) * tickMs - Date.now()), io.signal);
    }
  } finally {
    await watcher?.close();
    await queue.close();
  }
  const durationMs = Date.now() - start;
  const durationS = Math.round(durationMs / 1000);
  const history = await store.history(10_000);
  const actions = await runtime.redis.xlen(runtime.keys.stream('results'));
  const summary: AutoscaleSummary = {
    scenario: 'autoscale',
    durationS,
    sloAttainment: Math.round(sloBuckets.attainment(Math.floor(durationMs / bucketMs)) * 10_000) / 10_000,
    workerSeconds: Math.round(pool.workerSeconds() * 10) / 10,
    planRevisions: history.length,
    actions,
    traceId: history.find((h) => h.revision.trace)?.revision.trace?.traceId ?? null,
    targetMs: settings.targetMs,
    jobs,
    peakWorkers,
    prefix,
  };
  await finishDemo({ agents, runtime, redis, prefix, keep: opts.keep, log });
  return summary;
}

