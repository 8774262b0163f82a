import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSlices, loadConfig, PlanStore, Runtime, Steering, type Agent } from '@awo/shared';
import { deletePrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from './agents.js';
import { watchReloads } from './supervise.js';

const KEY = 'reload-test-signing-key-0123456789';

/** The config document of these tests (JSON is YAML): `max` and `sources` are what the reloads change. */
function doc(prefix: string, change: { max?: number; target?: number; threshold?: number; sources?: unknown[]; prefix?: string; raw?: unknown } = {}) {
  return {
    prefix: change.prefix ?? prefix,
    redis: { url: REDIS_URL },
    bus: { block: 100, ackInterval: 5 },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 } } } },
    monitor: { interval: '1s', sources: change.sources ?? [{ kind: 'system', name: 'host', interval: '5s' }] },
    analyzer: { anomaly: [{ series: 'bullmq.work.wait_p95_ms', detectors: ['robust-z'], threshold: change.threshold ?? 4 }] },
    planner: {
      lease: '2s',
      evaluateInterval: '200ms',
      goals: [
        {
          kind: 'autoscale', name: 'work-wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: change.target ?? 2000, ...(change.raw !== undefined ? { min: change.raw } : { min: 1 }),
          arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting',
          max: change.max ?? 20, initialThroughput: 10, cooldown: 0, maxStep: 20, scaleDownStabilization: 0,
        },
      ],
    },
  };
}

const forecast = (value: number) => ({ v: 1 as const, id: `f-${randomUUID().slice(0, 8)}`, kind: 'forecast' as const, series: 'bullmq.work.arrival_rate', ts: Date.now(), metricIds: [], model: 'linear-trend', value, lower: value - 5, upper: value + 5, horizonMs: 10_000, observed: value / 2 });

async function reloadHarness() {
  const prefix = testPrefix();
  const path = join(tmpdir(), `awo-reload-${randomUUID()}.yaml`);
  const env = { AWO_SIGNING_KEY: KEY };
  await writeFile(path, JSON.stringify(doc(prefix)));
  const config = await loadConfig(path, env);
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const agents: Agent[] = buildAgents(runtime, AGENT_NAMES);
  const hangups = new EventTarget();
  await startAgents(agents);
  const watch = await watchReloads({ path, env, config, agents, runtime, log: quietLogger(), hangups });
  const planner = agents.find((a) => a.name === 'planner') as Agent & { isLeader: boolean };
  await waitFor(() => planner.isLeader, 'leadership');
  return {
    prefix,
    runtime,
    agents,
    hangups,
    reloader: watch.reloader,
    store: new PlanStore(runtime.redis, runtime.keys, config),
    steering: new Steering(runtime.redis, runtime.keys, configSlices(config).planner),
    write: (d: unknown) => writeFile(path, JSON.stringify(d)),
    agent: (name: string) => agents.find((a) => a.name === name) as Agent,
    reloads: async (result: string) => Number((await runtime.metrics.text()).match(new RegExp(`awo_config_reload_total\\{result="${result}"\\} (\\d+)`))?.[1] ?? 0),
    async [Symbol.asyncDispose]() {
      await watch.close();
      await stopAgents(agents, 10_000);
      await runtime.close();
      await deletePrefix(runtime.redis.duplicate(), prefix).catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}

describe('hot reload (SIGHUP and the reload control message)', () => {
  it('an invalid file changes nothing and counts result="error"; a valid one changes goals, thresholds and sources without a restart', async () => {
    await using t = await reloadHarness();
    // Invalid: the goal's min is a string. Asked for through the control stream, as the API does.
    await t.write(doc(t.prefix, { max: 5, raw: 'lots' }));
    await t.steering.requestReload('ops');
    await waitFor(() => t.reloader.counts.error === 1, 'the invalid reload refused');
    expect(await t.reloads('error')).toBe(1);
    expect(t.reloader.counts.ok + t.reloader.counts.partial).toBe(0);
    // The old goal (max 20) still decides: 60/s ÷ (10/s × 0.8) = 7.5 → 8.
    await t.runtime.bus.publish('insights', forecast(60));
    await waitFor(async () => (await t.store.current()).steps.work?.params.concurrency === 8, 'the old goal at work (8)');

    // Valid, by SIGHUP: the goal's max drops to 5, a source is added, the anomaly threshold changes.
    await t.write(doc(t.prefix, { max: 5, target: 1500, threshold: 6, sources: [{ kind: 'system', name: 'host', interval: '5s' }, { kind: 'system', name: 'host2', interval: '5s' }] }));
    t.hangups.dispatchEvent(new Event('hangup'));
    await waitFor(() => t.reloader.counts.ok === 1, 'the valid reload applied');
    expect(await t.reloads('ok')).toBe(1);
    // 100/s would take the old goal to 13 workers; the new one stops at its max of 5.
    await t.runtime.bus.publish('insights', forecast(100));
    await waitFor(async () => (await t.store.current()).steps.work?.params.concurrency === 5, 'the new goal (max 5) at work');
    expect(JSON.stringify(t.agent('monitor').status().detail)).toContain('system:host2');
    expect(t.agent('planner').state).toBe('running');

    // What cannot change live (the prefix) is refused by path; the rest still applies.
    await t.write(doc(t.prefix, { max: 6, prefix: `${t.prefix}-other`, sources: [{ kind: 'system', name: 'host', interval: '5s' }, { kind: 'system', name: 'host2', interval: '5s' }] }));
    const outcome = await t.reloader.reload('test');
    expect(outcome.result).toBe('partial');
    expect(outcome.refused.map((r) => r.path)).toContain('prefix');
    expect(outcome.applied).toEqual(expect.arrayContaining(['planner: planner.goals', 'analyzer: analyzer.anomaly']));
    expect(await t.reloads('partial')).toBe(1);
  }, 30_000);
});
