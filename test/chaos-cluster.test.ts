import { beforeAll, describe, expect, it } from 'vitest';
import { which } from '@awo/testkit';
import { runChaos, type ChaosSummary } from './chaos/main.js';

const HAS_REDIS = Boolean(which('redis-server') && which('redis-cli'));
if (!HAS_REDIS) console.warn('chaos-cluster.test: skipped, redis-server or redis-cli is not on PATH');

/**
 * A short chaos run on a real Redis Cluster (three masters, three replicas), two of each agent
 * as real processes, `bus.partitions` 4: each agent kind killed -9 in turn under steady load
 * (its twin carries on, the killed one restarts), then the master of the control slot killed -9
 * so that its replica takes over. `npm run -s test:chaos -- --cluster --json` runs the same.
 */
describe.skipIf(!HAS_REDIS)('chaos on a Redis Cluster', () => {
  let summary: ChaosSummary;
  const scenario = (name: string) => summary.scenarios.find((s) => s.name === name);

  beforeAll(async () => {
    summary = await runChaos({ cluster: true, steadyMs: 1000 });
    console.log(`cluster chaos figures: ${JSON.stringify(summary)}`);
  }, 240_000);

  it('loses no metric and runs no action twice, through agent kills and a master failover', () => {
    expect(summary.published).toBeGreaterThan(1000);
    for (const s of summary.scenarios) expect([s.name, s.lost, s.duplicateActions, s.processed]).toEqual([s.name, 0, 0, s.published]);
    expect(summary.lost).toBe(0);
    expect(summary.duplicateActions).toBe(0);
    expect(summary.reusedIdempotencyKeys).toEqual([]);
  });

  it('the twin of each killed agent carries on', () => {
    for (const agent of ['analyzer', 'monitor', 'planner', 'executor']) expect(scenario(`kill -9 ${agent}`)?.recoveryS, agent).toBeLessThan(10);
  });

  it("a replica takes over the killed master's slot and the agents go on", () => {
    const failover = scenario('redis master kill -9 (control slot)');
    expect(failover?.promoted).not.toBe(failover?.killedMaster);
    // cluster-node-timeout 1 s: the failure is agreed on and a replica elected within seconds.
    expect(failover?.slotServedS).toBeLessThan(15);
    expect(summary.masterFailoverS).toBeLessThan(30);
    expect(failover?.agentsAlive).toBe(8);
  });
});
