import { PlanStore, parseConfig } from '@awo/shared';
import { waitFor } from '@awo/testkit';
import type { Cluster } from './harness.js';
import { account, lastMonitorMetricAt, type ScenarioResult } from './scenarios.js';

const round = (ms: number) => Math.round(ms / 10) / 100;

/** A condition that counts a failed read (a node still down, a slot map being re-read) as not yet. */
const soft = (cond: () => Promise<boolean>) => () => cond().catch(() => false);

/** Requests the ledger has seen carrying this value (the concurrency an action applied). */
const requestsWith = (c: Cluster, value: number) => [...c.ledger.requests.values()].flat().filter((v) => v === value).length;

/**
 * The Redis master of the control slot (the hash tag `{<prefix>}`: the plan, the leases, the
 * revisions) killed -9 under load: its replica must be promoted, and the agents must go on. A
 * plan change asked for after the failover must reach the hook, the load source must be sampled
 * again and the analyzers must drain every partition. `masterFailoverS` runs from the kill to
 * the last of those; `slotServedS` to the promoted replica taking a write for the slot.
 */
export async function masterFailover(c: Cluster, steadyMs: number): Promise<ScenarioResult> {
  const nodes = c.nodes;
  if (!nodes) throw new Error('masterFailover needs the harness on a Redis Cluster');
  const name = 'redis master kill -9 (control slot)';
  c.scenario = name;
  await new Promise((r) => setTimeout(r, steadyMs));
  const dupBefore = c.ledger.duplicates();
  const control = `{${c.prefix}}`;
  const { node: killed, killedAt } = await nodes.killMaster(control);
  const { node: promoted, servedAt } = await nodes.waitFailover(control, 60_000);

  // A plan change asked for after the failover: its action must run.
  const store = new PlanStore(c.redis, c.keys, parseConfig({ prefix: c.prefix, workflow: { steps: { work: { params: { concurrency: 1 } } } } }));
  let current = 0;
  await waitFor(
    soft(async () => {
      current = Number((await store.current()).steps.work?.params.concurrency ?? 0);
      return true;
    }),
    'the plan read back after the failover',
    30_000,
    50,
  );
  const want = (current % 8) + 1;
  const seenBefore = requestsWith(c, want);
  c.ledger.arrival = want;
  await waitFor(() => requestsWith(c, want) > seenBefore, `the action of a plan change after the failover (concurrency ${want})`, 60_000, 20);
  const actionAt = Date.now();
  await waitFor(soft(async () => (await lastMonitorMetricAt(c)) > servedAt), 'a sample of the load source after the failover', 30_000, 20);
  const sampledAt = Date.now();
  await waitFor(soft(() => c.drained()), 'the analyzers to drain every partition after the failover', 60_000, 20);
  const drainedAt = Date.now();
  const masterFailoverS = round(Math.max(actionAt, sampledAt, drainedAt) - killedAt);
  await new Promise((r) => setTimeout(r, steadyMs));
  return {
    name,
    ...(await account(c, name)),
    duplicateActions: c.ledger.duplicates() - dupBefore,
    recoveryS: masterFailoverS,
    recoveredWhen: 'replica promoted, an action of a later plan change run, the load source sampled and every partition drained (from the kill)',
    masterFailoverS,
    slotServedS: round(servedAt - killedAt),
    firstActionS: round(actionAt - killedAt),
    killedMaster: killed.address,
    promoted: promoted.address,
    agentsAlive: c.procs.filter((p) => p.alive).length,
  };
}
