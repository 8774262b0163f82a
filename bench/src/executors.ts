import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { applyChanges, createLogger, deletePrefix, paramOf, parseConfig, PlanStore, Runtime, type Change } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { median, round, table } from './stats.js';

const AWO = new URL('../../packages/cli/bin/awo.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One value of a metric (any labels) from an executor's `/metrics`, or undefined when it does not answer. */
async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(await res.text());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `cond` every 10 ms until true, for at most `ms`; the time it took (ms). */
async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

/**
 * Pool takeover among executor processes: two `awo executor` processes share one managed pool;
 * each round SIGKILLs the owner and measures, from the kill, when the other holds the pool's
 * lease (`awo_pool_lease_held` 1) and when its pool is at the plan's size
 * (`awo_pool_size`); a fresh process then joins as the next standby. Medians over `rounds`.
 */
export async function executorsBench(argv: { rounds?: number; lease?: string }, io: BenchIo) {
  const rounds = argv.rounds ?? 5;
  const lease = argv.lease ?? '2s';
  const redis = await benchRedis();
  const prefix = `bench-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), 'awo-executors-bench-'));
  const processor = join(dir, 'processor.mjs');
  writeFileSync(processor, 'export default async function noop() { return undefined; }\n');
  const input = (port: number) => ({
    prefix,
    redis: { url: redis.url },
    log: { level: 'warn' },
    telemetry: { spanStore: { enabled: false } },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 }, apply: { concurrency: 'scale' } } } },
    executor: { resync: '10m', poolLease: lease, closeGrace: '1s', health: { port }, pools: { work: { queue: 'work', processor, initial: 1, max: 20, startupDelay: 0 } }, actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } } },
  });
  const config = parseConfig(input(0));
  const runtime = new Runtime({ config, redisUrl: redis.url, log: createLogger({ level: 'silent' }), env: {} });
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const procs = new Map<number, ChildProcess>();
  const start = async () => {
    const port = await freePort();
    const file = join(dir, `executor-${port}.json`);
    writeFileSync(file, JSON.stringify(input(port)));
    procs.set(port, spawn(process.execPath, [AWO, 'executor', '--config', file], { stdio: 'ignore', env: { ...process.env, AWO_FROM_SOURCE: '1' } }));
    await until(async () => (await metric(port, 'awo_pool_lease_held')) !== undefined, 60_000, `the executor on port ${port} up`);
    return port;
  };
  const lease_ms: number[] = [];
  const plan_ms: number[] = [];
  try {
    await Promise.all([start(), start()]);
    for (let r = 1; r <= rounds; r++) {
      const size = 4 + r;
      const current = await store.current();
      const changes: Change[] = [{ op: 'set', step: 'work', param: 'concurrency', from: paramOf(current, 'work', 'concurrency') ?? null, to: size }];
      await store.commit({ v: 1, version: current.version + 1, parentVersion: current.version, plan: applyChanges(current, changes, current.version + 1), changes, goal: 'bench', reason: 'bench', insightIds: [], at: Date.now(), leader: 'bench' });
      const ports = [...procs.keys()];
      let owner = -1;
      await until(async () => {
        for (const p of ports) if ((await metric(p, 'awo_pool_lease_held')) === 1 && (await metric(p, 'awo_pool_size')) === size) owner = p;
        return owner !== -1;
      }, 20_000, `the owner's pool at ${size}`);
      const other = ports.find((p) => p !== owner) as number;
      const child = procs.get(owner) as ChildProcess;
      const exited = once(child, 'exit');
      const t0 = performance.now();
      child.kill('SIGKILL');
      procs.delete(owner);
      await until(async () => (await metric(other, 'awo_pool_lease_held')) === 1, 60_000, 'the takeover');
      lease_ms.push(performance.now() - t0);
      await until(async () => (await metric(other, 'awo_pool_size')) === size, 60_000, `the pool at the plan's ${size}`);
      plan_ms.push(performance.now() - t0);
      await exited;
      io.progress(`round ${r}/${rounds}: lease taken ${round(lease_ms.at(-1) ?? 0)} ms, pool at the plan ${round(plan_ms.at(-1) ?? 0)} ms after SIGKILL`);
      if (r < rounds) await start();
    }
    const result = { lease, rounds, takeoverMs: { median: round(median(lease_ms)), max: round(Math.max(...lease_ms)) }, atPlanMs: { median: round(median(plan_ms)), max: round(Math.max(...plan_ms)) }, runs: lease_ms.map((l, i) => ({ leaseMs: round(l), atPlanMs: round(plan_ms[i] ?? 0) })) };
    if (io.json) io.out(JSON.stringify(result));
    else {
      io.out(`pool takeover after SIGKILL of its owner, executor.poolLease ${lease}, ${rounds} rounds`);
      io.out(table([{ what: 'lease taken (ms)', median: result.takeoverMs.median, max: result.takeoverMs.max }, { what: 'pool at the plan (ms)', median: result.atPlanMs.median, max: result.atPlanMs.max }]));
    }
    return result;
  } finally {
    for (const child of procs.values()) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await deletePrefix(runtime.redis, prefix).catch(() => undefined);
    await runtime.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
