import { PlanStore, parseConfig } from '@awo/shared';
import { waitFor } from '@awo/testkit';
import type { Cluster } from './harness.js';
import { account, lastMonitorMetricAt, maxErrorsPerSecond, type ScenarioResult } from './scenarios.js';

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
  const onKilled = (await nodes.masterOf(control)).port;
  const partitionsOnKilled = (await Promise.all(c.metricsStreams().map((k) => nodes.masterOf(k)))).filter((n) => n.port === onKilled).length;
  const { node: killed, killedAt } = await nodes.killMaster(control);
  const { node: promoted, servedAt } = await nodes.waitFailover(control, 60_000);

  // Three signs of progress after the failover, timed each on its own: the action of a plan
  // change asked for now, a sample of the load source, and a metric published after the
  // failover read and acknowledged by the analyzers with every partition drained.
  const store = new PlanStore(c.redis, c.keys, parseConfig({ prefix: c.prefix, workflow: { steps: { work: { params: { concurrency: 1 } } } } }));
  const timed = async (wait: Promise<void>) => {
    await wait;
    return Date.now();
  };
  const acted = async () => {
    let current = 0;
    const read = async () => {
      current = Number((await store.current()).steps.work?.params.concurrency ?? 0);
      return true;
    };
    await waitFor(soft(read), 'the plan read back after the failover', 30_000, 50);
    const want = (current % 8) + 1;
    const seenBefore = requestsWith(c, want);
    c.ledger.arrival = want;
    await waitFor(() => requestsWith(c, want) > seenBefore, `the action of a plan change after the failover (concurrency ${want})`, 60_000, 20);
  };
  const mark = c.lastSeq + 1;
  const [actionAt, sampledAt, drainedAt] = await Promise.all([
    timed(acted()),
    timed(waitFor(soft(async () => (await lastMonitorMetricAt(c)) > servedAt), 'a sample of the load source after the failover', 30_000, 20)),
    timed(waitFor(soft(async () => c.lastPublished >= mark && (await c.drained())), 'a metric published after the failover analyzed, every partition drained', 60_000, 20)),
  ]);
  const masterFailoverS = round(Math.max(actionAt, sampledAt, drainedAt) - killedAt);
  const errors = maxErrorsPerSecond(c, killedAt, Date.now());
  // The killed node started again rejoins as a replica of the promoted one: the shard is
  // redundant again (the load goes on meanwhile).
  const restartedAt = Date.now();
  const { rejoinedAt } = await nodes.restart(killed, 60_000);
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
    sampledS: round(sampledAt - killedAt),
    drainedS: round(drainedAt - killedAt),
    /** From starting the killed node again until it is a replica of the promoted one, its link up. */
    rejoinS: round(rejoinedAt - restartedAt),
    killedMaster: killed.address,
    /** Metrics partitions whose master was the one killed (besides the control slot). */
    partitionsOnKilledMaster: partitionsOnKilled,
    promoted: promoted.address,
    agentsAlive: c.procs.filter((p) => p.alive).length,
    errorLines: errors.errors,
    maxErrorLinesPerSecond: errors.maxPerSecond,
  };
}
