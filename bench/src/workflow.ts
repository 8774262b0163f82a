import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { qualityDemoConfig } from '@awo/sim';
import { ExecutorAgent } from '@awo/executor';
import { rerouteChanges } from '@awo/planner';
import { applyChanges, createLogger, delay, deletePrefix, PlanStore, Runtime, type Config } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { median, round, table } from './stats.js';

const STEPS = ['ingest', 'validate', 'enrich', 'store'] as const;
const BATCH = 500;

/**
 * Records/s through awo's workflow runner (the data-quality demo's ingest → validate → enrich →
 * store, 16 workers a step, tracing on, the records source's tap on validate), against the same
 * four-queue chain in plain BullMQ (each worker adds the next job, the last one counts), in one
 * run; rounds alternate the two. Also awo's records/s across a reroute (strict-validation and
 * quarantine inserted halfway), and the bench process's peak RSS.
 */
export async function workflowBench(argv: { records?: number; rounds?: number }, io: BenchIo) {
  const n = argv.records ?? 5000;
  const rounds = argv.rounds ?? 3;
  const redis = await benchRedis();
  const awo: number[] = [];
  const rerouted: number[] = [];
  const raw: number[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    for (let r = 1; r <= rounds; r++) {
      raw.push(await rawRound(redis.url, n));
      awo.push(await awoRound(redis.url, n, false));
      rerouted.push(await awoRound(redis.url, n, true));
      io.progress(`round ${r}/${rounds}: plain BullMQ ${Math.round(raw.at(-1)!)} records/s; awo ${Math.round(awo.at(-1)!)} records/s; awo across a reroute ${Math.round(rerouted.at(-1)!)} records/s`);
    }
  } finally {
    clearInterval(sampler);
    await redis.stop();
  }
  const ratios = awo.map((a, i) => a / (raw[i] as number));
  const result = {
    records: n,
    rounds,
    steps: STEPS.length,
    awoRecordsPerSec: Math.round(median(awo)),
    reroutedRecordsPerSec: Math.round(median(rerouted)),
    rawBullmqRecordsPerSec: Math.round(median(raw)),
    ratio: round(median(ratios), 3),
    peakRssMb: Math.round(peakRss / 1e6),
  };
  if (io.json) io.out(JSON.stringify(result));
  else {
    io.out(table([
      { measure: 'plain BullMQ, 4 queues chained (ceiling)', 'records/s (median)': result.rawBullmqRecordsPerSec },
      { measure: 'awo workflow runner (versioned routes, once-only sinks, tap, spans)', 'records/s (median)': result.awoRecordsPerSec },
      { measure: 'awo, rerouted through strict-validation halfway', 'records/s (median)': result.reroutedRecordsPerSec },
    ]));
    io.out(`ratio awo / plain BullMQ (median of per-round ratios): ${result.ratio}   peak RSS ${result.peakRssMb} MB   (${n} records × ${rounds} rounds)`);
  }
  return result;
}

const order = (i: number) => ({ id: `o-${i}`, amount: 50 + (i % 100), currency: 'EUR', at: Date.now() });

async function awoRound(url: string, n: number, reroute: boolean): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const config = qualityDemoConfig({ prefix, redisUrl: url, stabilizationMs: 60_000 });
  const runtime = new Runtime({ config, redisUrl: url, log: createLogger({ level: 'warn' }), env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'));
  try {
    await executor.start();
    const counts = async () => {
      const c = await runtime.redis.hmget(runtime.keys.workflowCounts, 'out:store', 'out:quarantine');
      return c.reduce((sum, v) => sum + Number(v ?? 0), 0);
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      if (reroute && i === Math.floor(n / 2 / BATCH) * BATCH) await commitReroute(runtime, config);
      await executor.workflow.submit(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => order(i + j)));
    }
    while ((await counts()) < n) await delay(5);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await executor.close();
    await deletePrefix(runtime.redis, prefix);
    await runtime.close();
  }
}

/** Commits the demo goal's reroute, as the planner would. */
async function commitReroute(runtime: Runtime, config: Config): Promise<void> {
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const plan = await store.current();
  const goal = config.planner.goals[0];
  if (!goal || goal.kind !== 'quality') throw new Error('the demo config has no quality goal');
  const changes = rerouteChanges(goal, config.workflow, plan);
  const version = plan.version + 1;
  await store.commit({ v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, changes, version), changes, goal: goal.name, reason: 'bench', insightIds: [], at: Date.now(), leader: 'bench' });
}

async function rawRound(url: string, n: number): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queues = STEPS.map((s) => new Queue(`raw.${s}`, { connection, prefix }));
  let done = 0;
  const workers = STEPS.map(
    (s, i) =>
      new Worker(
        `raw.${s}`,
        async (job: Job) => {
          const next = queues[i + 1];
          if (next) await next.add(s, job.data, { jobId: `${job.id}.${i + 1}`, removeOnComplete: { age: 3600 } });
          else done++;
        },
        { connection, prefix, concurrency: 16 },
      ),
  );
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => ({ name: 'ingest', data: { id: `o-${i + j}`, record: order(i + j) }, opts: { jobId: `o-${i + j}`, removeOnComplete: { age: 3600 } } }));
      await (queues[0] as Queue).addBulk(jobs);
    }
    while (done < n) await delay(5);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.close()));
    await deletePrefix(connection, prefix);
    await connection.quit();
  }
}
