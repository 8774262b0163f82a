import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, freePort, parseConfig, PlanStore, Runtime, type Config } from '@awo/shared';
import { ExecutorAgent } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { AgentProcess } from './chaos/harness.js';
import { commitParams, metricSample, readResults, scrapeMetrics } from './executor-harness.js';
import { cleanupPrefix, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** The executor's part of the config: one pool `work` scaled by the action `scale`. */
function executorConfig(prefix: string, processor: string, resync: string, port = 0) {
  return {
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 200, ackInterval: 5, claimInterval: 100, closeGrace: '2s' },
    telemetry: { spanStore: { enabled: false } },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 }, apply: { concurrency: 'scale' } } } },
    executor: {
      resync,
      poolLease: '1s',
      closeGrace: '2s',
      health: { port },
      pools: { work: { queue: 'work', processor, initial: 1, max: 10, startupDelay: 0 } },
      actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } },
    },
  };
}

/** Commits the next (unsigned) revision setting `work.concurrency`, as a planner would. */
const commit = (store: PlanStore, concurrency: number) => commitParams(store, [['work', 'concurrency', concurrency]]);
describe('level-triggered reconciliation', () => {
  it('periodic resync corrects a pool resized behind the executor\'s back, counted by step and logged with both values', async () => {
    const prefix = testPrefix();
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const config: Config = parseConfig(executorConfig(prefix, 'sleep', '300ms'));
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log, env: {} });
    const agent = new ExecutorAgent(runtime.deps('executor'), { processors: { sleep: sleepProcessor(20) } });
    const pool = agent.pools.get('work');
    if (!pool) throw new Error('no pool');
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    try {
      await agent.start();
      await commit(store, 6);
      await waitFor(async () => pool.size() === 6 && (await readResults(runtime)).length === 1, 'the pool at 6 and its result', 10_000);
      // Nothing drifted yet: the ledger and the world agree.
      expect(metricSample(await runtime.metrics.text(), 'awo_executor_drift_total', 'step="work"')).toBeUndefined();

      // Someone resizes the pool behind the executor's back; no revision comes.
      const moved = Date.now();
      pool.setSize(2);
      let correctedAt = 0;
      await waitFor(() => (pool.size() === 6 ? (correctedAt = Date.now()) > 0 : false), 'resync to bring the pool back to 6', 5000, 10);
      const latency = correctedAt - moved;
      console.info(`drift correction latency: ${latency} ms (executor.resync 300ms)`);
      expect(latency).toBeLessThan(300 + 2000);

      expect(metricSample(await runtime.metrics.text(), 'awo_executor_drift_total', 'step="work"')).toBe(1);
      const drift = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => typeof l.msg === 'string' && l.msg.startsWith('drift'));
      expect(drift).toMatchObject({ trigger: 'resync', step: 'work', param: 'concurrency', planned: 6, observed: 2, ledger: 6, version: 1 });
      // The correction ran as an action of its own: the plan's action id with a drift suffix.
      await waitFor(async () => (await readResults(runtime)).length === 2, 'the correction\'s result', 5000);
      const [first, second] = await readResults(runtime);
      expect(second).toMatchObject({ ok: true, value: 6, version: 1 });
      expect(second?.id).toMatch(new RegExp(`^${first?.id.replace(/\./g, '\\.')}\\.d[0-9a-z]+$`));
      expect(agent.metrics().executor_resyncs_total).toBeGreaterThanOrEqual(2);
    } finally {
      await agent.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    }
  }, 30_000);

  it('after kill -9 of an executor process with its pool at 8, the restarted executor brings the pool back to 8', async () => {
    const prefix = testPrefix();
    const dir = mkdtempSync(join(tmpdir(), 'awo-resync-'));
    const processor = join(dir, 'processor.mjs');
    writeFileSync(processor, 'export default async function noop() { return undefined; }\n');
    const port = await freePort();
    const configFile = join(dir, 'awo.yaml');
    // A long resync: the restart must heal at start, not on the timer.
    const input = executorConfig(prefix, processor, '10m', port);
    writeFileSync(configFile, JSON.stringify({ ...input, log: { level: 'info' } }));
    const config = parseConfig(input);
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: createLogger({ level: 'silent' }), env: {} });
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    const procs: AgentProcess[] = [];
    const poolSize = async () => metricSample(await scrapeMetrics(port), 'awo_pool_size', 'pool="work"');
    try {
      procs.push(new AgentProcess('executor', configFile));
      await waitFor(async () => (await poolSize()) === 1, 'the executor process up with its pool at initial 1', 20_000, 50);
      await commit(store, 8);
      await waitFor(async () => (await poolSize()) === 8 && (await readResults(runtime)).some((r) => r.ok && r.value === 8), 'the pool at 8', 10_000, 50);

      await procs[0]?.kill('SIGKILL');
      const restarted = new AgentProcess('executor', configFile);
      procs.push(restarted);
      // The ledger still says 8 is applied; the new process's pool starts at 1 until it reconciles.
      // The dead process's pool lease lasts up to executor.poolLease (1s here): the new process
      // starts the pool when it takes the lease, at start or on a later renewal (a takeover).
      const killedAt = Date.now();
      await waitFor(async () => (await poolSize()) === 8, 'the restarted executor\'s pool back at 8', 20_000, 50);
      console.info(`restart: pool back at 8 ${Date.now() - killedAt} ms after the new process was spawned`);
      const text = await scrapeMetrics(port);
      expect(metricSample(text, 'awo_executor_drift_total', 'step="work"')).toBe(1);
      const drift = restarted.output.split('\n').filter((l) => l.includes('"msg":"drift')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(drift).toMatchObject([{ step: 'work', planned: 8, observed: 1, ledger: 8 }]);
      expect(['start', 'takeover']).toContain(drift[0]?.trigger);
    } finally {
      for (const p of procs) await p.kill('SIGTERM');
      await runtime.close();
      await cleanupPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
