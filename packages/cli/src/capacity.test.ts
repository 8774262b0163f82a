import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PlannerAgent } from '@awo/planner';
import { delay, paramOf, parseConfig, PlanStore, Runtime } from '@awo/shared';
import { Arrivals, contendedProcessor } from '@awo/sim';
import { deletePrefix, loopConfigInput, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from './agents.js';
import { explainCommand } from './commands/explain.js';

/** The shared resource saturates at this many jobs in flight; past it throughput falls. */
const LIMIT = 6;
const MAX = 16;

function capacityConfig(prefix: string) {
  return loopConfigInput(prefix, {
    // A level is held for the cooldown, long enough for a few saturated samples at each.
    goal: { target: 1000, max: MAX, initialThroughput: 10, targetUtilization: 0.8, startupDelay: 0, cooldown: '3s', maxStep: 2, scaleDownStabilization: '2s' },
    pool: { processor: 'contended', startupDelay: 0, max: MAX },
    top: { telemetry: { spanStore: { enabled: false } } },
  });
}

describe('the capacity model in the loop', () => {
  it('stops near the shared resource\'s limit of 6 in flight instead of at the goal\'s max, and says why', async () => {
    const prefix = testPrefix();
    const dir = mkdtempSync(join(tmpdir(), 'awo-capacity-'));
    const configFile = join(dir, 'awo.yaml');
    const input = capacityConfig(prefix);
    writeFileSync(configFile, JSON.stringify(input));
    const config = parseConfig(input);
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    // 100 ms a job up to 6 in flight: at most 60 jobs/s, and fewer past 6 (36/s at 10, 22/s at 16).
    const agents = buildAgents(runtime, AGENT_NAMES, { executor: { processors: { contended: contendedProcessor(100, LIMIT) } } });
    const planner = agents.find((a): a is PlannerAgent => a instanceof PlannerAgent);
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    const queue = new Queue('work', { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix('work') });
    const concurrency = async () => paramOf(await store.current(), 'work', 'concurrency');
    const out: string[] = [];
    let stop = false;
    try {
      await startAgents(agents);
      // More load than the resource can ever take (90 jobs/s): a backlog always waits.
      const load = (async () => {
        const arrivals = new Arrivals();
        const start = Date.now();
        for (let tick = 0; !stop; tick++) {
          const n = arrivals.next(90, 0.1);
          if (n > 0) await queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: {}, opts: { removeOnComplete: { count: 1000 } } })));
          await delay(Math.max(0, start + (tick + 1) * 100 - Date.now()));
        }
      })();
      let cappedAt = 0;
      await waitFor(async () => ((await store.history(200)).some((h) => /throughput peaks at N\* = \d+/.test(h.revision.reason)) ? (cappedAt = Date.now()) > 0 : false), 'a revision capped by the capacity model', 90_000, 250);
      // Then the plan settles at the ceiling: unchanged for 6 s (the cooldown twice), within 45 s.
      let last = await concurrency();
      let since = Date.now();
      await waitFor(async () => {
        const now = await concurrency();
        if (now !== last) [last, since] = [now, Date.now()];
        return Date.now() - since >= 6000;
      }, 'the plan to settle', 45_000, 250);
      stop = true;
      await load;

      const history = (await store.history(200)).map((h) => h.revision).reverse();
      const sizes = history.map((r) => paramOf(r.plan, 'work', 'concurrency'));
      const final = await concurrency();
      const detail = planner?.status().detail as { goals: { capacity: { lambda: number; sigma: number; kappa: number; peak: number; constrained?: string; points: unknown[] } }[] };
      const fit = detail.goals[0]?.capacity;
      console.info(`capacity run: plan sizes ${sizes.join(' → ')}; fit λ ${fit?.lambda.toFixed(2)}/s σ ${fit?.sigma.toFixed(3)} κ ${fit?.kappa.toFixed(4)} N* ${fit?.peak}${fit?.constrained ? ` (${fit.constrained} held at 0)` : ''}; points ${JSON.stringify(fit?.points)}; capped ${((cappedAt - Date.now()) / -1000).toFixed(1)}s before the end`);

      expect(typeof final === 'number' && final >= LIMIT - 2 && final <= LIMIT + 2, `settled at ${String(final)}, not near ${LIMIT}`).toBe(true);
      expect(final).toBeLessThan(MAX);
      // It settled at the fitted peak, and the plan's last change says so.
      expect(final).toBe(fit?.peak);
      expect(history.at(-1)?.reason).toMatch(new RegExp(`N\\* = ${String(final)} .*not past ${String(final)}\\b`));
      // `awo explain` of the capping revision says why, with σ, κ and N*.
      const capping = history.find((r) => /N\* = /.test(r.reason));
      expect(capping).toBeDefined();
      const io = { out: (l: string) => void out.push(l), err: (l: string) => void out.push(l), env: {}, signal: new AbortController().signal };
      expect(await explainCommand([String(capping?.version), '--config', configFile], io)).toBe(0);
      expect(out.join('\n')).toMatch(/Why: .*throughput peaks at N\* = \d+ \(USL fit over \d+ concurrency levels: λ [\d.]+\/s, σ [\d.]+, κ [\d.]+/);
    } finally {
      stop = true;
      await queue.close();
      await stopAgents(agents, 20_000);
      await deletePrefix(runtime.redis, prefix);
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
