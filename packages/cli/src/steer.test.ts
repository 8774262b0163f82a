import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PlanStore, Runtime, type Agent, type Override, type SteeringProposal } from '@awo/shared';
import { sleepProcessor } from '@awo/sim';
import { deletePrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';
import { buildAgents, startAgents, stopAgents } from './agents.js';
import { planCommand } from './commands/plan.js';
import { parseValue, proposalsCommand } from './commands/steer.js';
import type { Io } from './io.js';

const KEY = 'cli-steer-test-signing-key-0123456789';

/** A config file, a leading planner and an executor with a real pool, and commands run as `awo` runs them. */
async function cliHarness(mode: 'apply' | 'propose') {
  const prefix = testPrefix();
  const path = join(tmpdir(), `awo-steer-${randomUUID()}.yaml`);
  const env = { AWO_SIGNING_KEY: KEY };
  await writeFile(path, JSON.stringify({
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 100, ackInterval: 5 },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'scale-work' } } } },
    planner: {
      lease: '2s', evaluateInterval: '200ms',
      goals: [{
        kind: 'autoscale', name: 'work-wait', mode, step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 2000,
        arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting',
        min: 1, max: 20, initialThroughput: 10, cooldown: 0, maxStep: 20, scaleDownStabilization: 0,
      }],
    },
    executor: { pools: { work: { queue: 'work', processor: 'sleep', initial: 2, max: 20 } }, actions: { 'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' } } },
  }));
  const config = await loadConfig(path, env);
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const agents: Agent[] = buildAgents(runtime, ['planner', 'executor'], { executor: { processors: { sleep: sleepProcessor(10) } } });
  await startAgents(agents);
  await waitFor(() => (agents.find((a) => a.name === 'planner') as Agent & { isLeader: boolean }).isLeader, 'leadership');
  const run = async (command: (argv: string[], io: Io) => Promise<number>, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await command([...argv, '--config', path], { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env, AWO_CONFIG: path }, signal: new AbortController().signal });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const executor = agents.find((a) => a.name === 'executor') as Agent & { pool(name: string): { size(): number } | undefined };
  return {
    runtime,
    run,
    store: new PlanStore(runtime.redis, runtime.keys, config),
    poolSize: () => executor.pool('work')?.size(),
    async [Symbol.asyncDispose]() {
      await stopAgents(agents, 10_000);
      await deletePrefix(runtime.redis, prefix).catch(() => undefined);
      await runtime.close();
      await rm(path, { force: true });
    },
  };
}

const forecast = (value: number) => ({ v: 1 as const, id: `f-${randomUUID().slice(0, 8)}`, kind: 'forecast' as const, series: 'bullmq.work.arrival_rate', ts: Date.now(), metricIds: [], model: 'linear-trend', value, lower: value - 5, upper: value + 5, horizonMs: 10_000, observed: value / 2 });

describe('awo plan pin|unpin|rollback and awo proposals', { timeout: 30_000 }, () => {
  it('pins, unpins and rolls back through the leading planner; the executor follows each signed revision', async () => {
    await using t = await cliHarness('apply');
    const pinned = await t.run(planCommand, 'pin', 'work', 'concurrency', '6', '--until', '10m', '--reason', 'maintenance', '--by', 'alice', '--json');
    expect(pinned.code).toBe(0);
    const o = JSON.parse(pinned.out) as Override;
    expect(o).toMatchObject({ status: 'active', version: 1, value: 6, by: 'alice', reason: 'maintenance' });
    await waitFor(() => t.poolSize() === 6, 'the pool at 6');
    const list = await t.run(planCommand, 'overrides');
    expect(list.out).toMatch(new RegExp(`override ${o.id} active: work\\.concurrency = 6 until .* \\(revision v1\\) by alice: maintenance`));
    const shown = await t.run(planCommand, 'show');
    expect(shown.out).toMatch(new RegExp(`pinned: work\\.concurrency = 6 \\(override ${o.id} by alice until`));

    const unpinned = await t.run(planCommand, 'unpin', o.id);
    expect(unpinned).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`override ${o.id} removed: .*released by v2`)) });

    const rolled = await t.run(planCommand, 'rollback', '1', '--reason', 'back to the pin');
    expect(rolled.out).toMatch(/rollback [0-9a-f]{16} applied: to v1 as revision v3/);
    expect((await t.store.current()).steps.work?.params.concurrency).toBe(6);

    // Errors come as coded AwoErrors (main prints them and exits 1) or usage errors (exit 2).
    await expect(t.run(planCommand, 'unpin', 'ffffffffffffffff')).rejects.toMatchObject({ code: 'AWO_NOT_FOUND' });
    await expect(t.run(planCommand, 'rollback', '42')).rejects.toMatchObject({ code: 'AWO_NOT_FOUND' });
    await expect(t.run(planCommand, 'pin', 'work', 'concurrency')).rejects.toThrow(/usage: awo plan pin/);
  });

  it('lists proposals (text and --json), approves one into a revision and rejects another', async () => {
    await using t = await cliHarness('propose');
    await t.runtime.bus.publish('insights', forecast(60));
    await waitFor(async () => JSON.parse((await t.run(proposalsCommand, 'list', '--json')).out).length === 1, 'a proposal');
    const [p] = JSON.parse((await t.run(proposalsCommand, 'list', '--json')).out) as SteeringProposal[];
    expect((await t.run(proposalsCommand, 'list')).out).toMatch(new RegExp(`${p?.id}  open, expires in \\d+s  goal work-wait on v0: work\\.concurrency 2 → 8`));
    const approved = await t.run(proposalsCommand, 'approve', p?.id as string, '--by', 'dave');
    expect(approved.out).toMatch(new RegExp(`${p?.id}  applied as revision v1 by dave`));
    await waitFor(() => t.poolSize() === 8, 'the pool at 8');

    await t.runtime.bus.publish('insights', forecast(120));
    await waitFor(async () => (JSON.parse((await t.run(proposalsCommand, 'list', '--json')).out) as SteeringProposal[]).some((x) => x.status === 'open'), 'a second proposal');
    const second = (JSON.parse((await t.run(proposalsCommand, 'list', '--json')).out) as SteeringProposal[]).find((x) => x.status === 'open') as SteeringProposal;
    expect((await t.run(proposalsCommand, 'reject', second.id, '--reason', 'too big')).out).toMatch(new RegExp(`${second.id}  rejected by .*\\n.*\\n    note: too big`));
    expect((await t.store.current()).version).toBe(1);
    await expect(t.run(proposalsCommand, 'approve', second.id)).rejects.toMatchObject({ code: 'AWO_STEER_CONFLICT' });
  });

  it('reads values as the types they spell', () => {
    expect([parseValue('5'), parseValue('-1.5'), parseValue('true'), parseValue('strict')]).toEqual([5, -1.5, true, 'strict']);
  });
});
