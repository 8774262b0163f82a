import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, PlanStore, Runtime } from '@awo/shared';
import { Ledger, quietLogger, startRedisServer, testPrefix, waitFor } from '@awo/testkit';
import { buildAgents, startAgents, stopAgents } from './agents.js';

/**
 * A Redis without persistence restarts under a running planner and executor: the plan, the
 * applied state and the action jobs are gone, and plan versions start again at 1. The new
 * lineage's first decision must act (a receiver that honours Idempotency-Key would drop a reused
 * key), and no action may run twice.
 */
describe('a data-losing Redis restart', () => {
  it('starts a new plan epoch: the next decision acts under a new action id, and nothing runs twice', async () => {
    const ledger = new Ledger();
    const url = await ledger.start();
    // Our own dir: a server started without one deletes its dir when it stops.
    const dir = mkdtempSync(join(tmpdir(), 'awo-epoch-'));
    let server = await startRedisServer({ dir });
    const { port } = server;
    const prefix = testPrefix();
    const config = parseConfig({
      prefix,
      redis: { url: server.url, connectTimeout: '1s' },
      bus: { block: 200, ackInterval: 5, claimInterval: 200, claimMinIdle: '1s', closeGrace: '2s' },
      telemetry: { spanStore: { enabled: false } },
      workflow: { steps: { work: { params: { concurrency: 1 }, apply: { concurrency: 'hook' } } } },
      planner: {
        lease: '1s',
        evaluateInterval: '100ms',
        // No metric ever arrives: each evaluation falls back to 2 workers.
        goals: [{ kind: 'autoscale', name: 'load', step: 'work', metric: 'none.wait', target: 1000, arrivalSeries: 'none.arrival', completionSeries: 'none.done', activeSeries: 'none.active', backlogSeries: 'none.waiting', min: 1, max: 8, cooldown: '100ms', staleAfter: '1s', fallback: { fixed: 2 } }],
      },
      executor: { attempts: 3, backoff: '200ms', closeGrace: '2s', actions: { hook: { kind: 'http', url: `${url}/hook`, timeout: '2s' } } },
    }, { AWO_SIGNING_KEY: 'epoch-test-signing-key-0123456789' });
    const runtime = new Runtime({ config, redisUrl: server.url, log: quietLogger(), env: {} });
    const agents = buildAgents(runtime, ['planner', 'executor']);
    const planner = agents.find((a) => a.name === 'planner');
    const evaluations = () => planner?.metrics().planner_evaluations_total ?? 0;
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    try {
      await startAgents(agents);
      await waitFor(() => ledger.total === 1, 'the first action', 20_000, 20);
      const before = await store.current();
      expect(before).toMatchObject({ version: 1, epoch: expect.stringMatching(/^[0-9a-f]{12}$/) });

      await server.stop('SIGKILL');
      server = await startRedisServer({ port, dir });
      await waitFor(() => ledger.total === 2, 'an action of the new lineage', 20_000, 20);
      // Let the planner evaluate a good many times more: no decision, and so no action, follows.
      const seen = evaluations();
      await waitFor(() => evaluations() >= seen + 10, 'ten more evaluations', 20_000, 20);

      const after = await store.current();
      expect(after.version).toBe(1);
      expect(after.epoch).not.toBe(before.epoch);
      const keys = [...ledger.requests.keys()];
      expect(keys).toEqual([`e${before.epoch}.v1.work.concurrency`, `e${after.epoch}.v1.work.concurrency`]);
      expect([...ledger.requests.values()]).toEqual([[2], [2]]);
      expect(ledger.total).toBe(2);
    } finally {
      await stopAgents(agents, 20_000);
      await runtime.close();
      await server.stop('SIGKILL');
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
