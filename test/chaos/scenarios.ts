import { applyChanges, isAwoError, PlanStore, parseConfig, type AwoError, type PlanRevision } from '@awo/shared';
import { waitFor } from '@awo/testkit';
import { type AgentName, type AgentProcess, type Cluster, executorGroupOf, groupState } from './harness.js';

export interface ScenarioResult {
  name: string;
  /** Metrics whose XADD Redis answered during the scenario. */
  published: number;
  /** Of those, the ones in the stream and acked by the analyzer group (lag 0, pending 0). */
  processed: number;
  lost: number;
  /** Action requests that repeated an Idempotency-Key the ledger had already answered. */
  duplicateActions: number;
  /** Seconds from the restart (or the fault) to recovery; see `recoveredWhen`. */
  recoveryS: number;
  recoveredWhen: string;
  [extra: string]: unknown;
}

const round = (ms: number) => Math.round(ms / 10) / 100;

/** Waits a bounded time for the analyzer to catch up, then counts this scenario's metrics. */
export async function account(c: Cluster, name: string, from = 0): Promise<Pick<ScenarioResult, 'published' | 'processed' | 'lost'>> {
  // From here the load counts as steady load between scenarios (accounted on its own), so no
  // metric of this scenario is published after the stream is read.
  if (c.scenario === name) c.scenario = 'steady load between scenarios';
  await waitFor(() => c.drained(), `the analyzer group to drain after ${name}`, 30_000, 50);
  // The load goes on while the stream is read: what is published after this point is not yet
  // in the stream, and is not counted here (it was charged as lost).
  let upTo = 0;
  for (const seq of c.published.keys()) upTo = Math.max(upTo, seq);
  const present = await c.presentSeqs();
  let published = 0;
  let processed = 0;
  for (const [seq, scenario] of c.published) {
    if (scenario !== name || seq < from || seq > upTo) continue;
    published++;
    if (present.has(seq)) processed++;
  }
  return { published, processed, lost: published - processed };
}

const MONITORED = 'http-json.load.arrival';

/** The newest metric a monitor published (its sample of the load source), as a stream id time. */
export async function lastMonitorMetricAt(c: Cluster): Promise<number> {
  const entries = (await c.redis.xrevrange(c.metricsStreamOf(MONITORED), '+', '-', 'COUNT', 200)) as [string, string[]][];
  const hit = entries.find(([, f]) => (f[1] ?? '').includes(`"series":"${MONITORED}"`));
  return hit ? Number(hit[0].split('-')[0]) : 0;
}

export async function leaseHolder(c: Cluster): Promise<string> {
  return (await c.redis.get(c.keys.lease)) ?? '';
}

/**
 * Which of the live processes of an agent to kill: the planner that leads, the monitor that
 * samples the load source (their standby must then take over), else the oldest.
 */
async function victimOf(c: Cluster, agent: AgentName): Promise<AgentProcess | undefined> {
  const live = c.live(agent);
  const lease = agent === 'planner' ? c.keys.lease : agent === 'monitor' ? c.keys.monitorLease('http-json:load') : undefined;
  const token = lease ? ((await c.redis.get(lease)) ?? '') : '';
  return live.find((p) => token.startsWith(`${agent}-${p.pid}:`)) ?? live[0];
}

/**
 * kill -9 one agent under steady load, restart it at once, and time its recovery. With two of
 * each agent, the one killed is the one working (the leading planner, the monitor sampling the
 * load): the other must carry on.
 */
export async function killAgent(c: Cluster, agent: AgentName, steadyMs: number): Promise<ScenarioResult> {
  const name = `kill -9 ${agent}`;
  c.scenario = name;
  c.ledger.arrival = 3 + (c.ledger.arrival % 5);
  await new Promise((r) => setTimeout(r, steadyMs));
  const dupBefore = c.ledger.duplicates();
  const victim = await victimOf(c, agent);
  if (!victim) throw new Error(`no live ${agent}`);
  await c.kill(victim);
  // Keep the load (and plan changes) coming while it is down and coming back.
  c.ledger.arrival = 1 + ((c.ledger.arrival + 3) % 8);
  const restartedAt = Date.now();
  const next = c.spawn(agent);
  const requestsBefore = c.ledger.total;
  let recoveredWhen = '';
  if (agent === 'analyzer') {
    // Its dead consumer's pending entries are claimed (after claimMinIdle) by the new one.
    await waitFor(() => c.drained(), 'the analyzer group back to lag 0 and pending 0', 30_000, 20);
    recoveredWhen = 'analyzer group lag 0 and pending 0';
  } else if (agent === 'monitor') {
    await waitFor(async () => (await lastMonitorMetricAt(c)) > restartedAt, 'a metric from the restarted monitor (or the standby)', 30_000, 20);
    recoveredWhen = c.perAgent > 1 ? 'first metric of the load source after the kill (standby or restarted monitor)' : 'first metric sampled by the new monitor';
  } else if (agent === 'planner') {
    const others = c.live('planner').map((p) => `planner-${p.pid}:`);
    await waitFor(async () => {
      const holder = await leaseHolder(c);
      return others.some((o) => holder.startsWith(o));
    }, 'another planner (the standby or the restarted one) to lead', 30_000, 20);
    recoveredWhen = c.perAgent > 1 ? 'another planner holds the lease' : 'new planner holds the lease';
  } else {
    const revisions = c.keys.stream('revisions');
    await waitFor(async () => {
      const group = await executorGroupOf(c.redis, revisions, next.pid);
      return c.ledger.total > requestsBefore && group !== undefined && ((await groupState(c.redis, revisions, group))?.pending ?? 1) === 0;
    }, 'an action from the restarted executor', 30_000, 20);
    recoveredWhen = 'first action run after restart, executor group pending 0';
  }
  const recoveryS = round(Date.now() - restartedAt);
  await new Promise((r) => setTimeout(r, steadyMs));
  return { name, ...(await account(c, name)), duplicateActions: c.ledger.duplicates() - dupBefore, recoveryS, recoveredWhen };
}

/** Two planners; the leader killed -9: the standby takes over within the lease; a stale write is refused. */
export async function leaderFailover(c: Cluster, steadyMs: number): Promise<ScenarioResult> {
  const name = 'planner leader kill -9';
  c.scenario = name;
  const standby = c.spawn('planner');
  await new Promise((r) => setTimeout(r, steadyMs));
  const token = await leaseHolder(c);
  const leader = c.live('planner').find((p) => token.startsWith(`planner-${p.pid}:`));
  if (!leader) throw new Error(`no live planner holds the lease (${token})`);
  const other = leader === standby ? c.live('planner').find((p) => p !== leader) : standby;
  const dupBefore = c.ledger.duplicates();
  const killedAt = Date.now();
  await c.kill(leader);
  await waitFor(async () => (await leaseHolder(c)).startsWith(`planner-${other?.pid ?? -1}:`), 'the standby to take the lease', 15_000, 10);
  const takeoverMs = Date.now() - killedAt;
  // The dead leader's late write, with its old lease token: refused by the lease check.
  const config = parseConfig({ prefix: c.prefix, workflow: { steps: { work: { params: { concurrency: 1 } } } } });
  const store = new PlanStore(c.redis, c.keys, config);
  const plan = await store.current();
  const change = { op: 'set' as const, step: 'work', param: 'concurrency', from: plan.steps.work?.params.concurrency ?? null, to: 7 };
  const stale: PlanRevision = { v: 1, version: plan.version + 1, parentVersion: plan.version, plan: applyChanges(plan, [change], plan.version + 1), changes: [change], goal: 'load', reason: 'late write of a dead leader', insightIds: [], at: Date.now(), leader: token.split(':')[0] ?? '' };
  let staleWrite = 'accepted';
  try {
    await store.commit(stale, token);
  } catch (err) {
    staleWrite = isAwoError(err, 'AWO_NOT_LEADER') || isAwoError(err, 'AWO_PLAN_CONFLICT') ? (err as AwoError).code : `error: ${(err as Error).message}`;
  }
  // The version check alone also fences a writer that lost the race (no lease token at all).
  let staleVersion = 'accepted';
  try {
    await store.commit({ ...stale, version: plan.version, parentVersion: plan.version - 1, plan: { ...stale.plan, version: plan.version } });
  } catch (err) {
    staleVersion = isAwoError(err, 'AWO_PLAN_CONFLICT') ? 'AWO_PLAN_CONFLICT' : `error: ${(err as Error).message}`;
  }
  await new Promise((r) => setTimeout(r, steadyMs));
  return { name, ...(await account(c, name)), duplicateActions: c.ledger.duplicates() - dupBefore, recoveryS: round(takeoverMs), recoveredWhen: 'standby holds the lease (from the kill)', takeoverS: round(takeoverMs), leaseS: 2, staleWrite, staleVersion };
}

/** Errors per second of the agents over a window: the highest one-second count. */
export function maxErrorsPerSecond(c: Cluster, from: number, to: number): { errors: number; maxPerSecond: number } {
  const times = [...c.pastErrors, ...c.procs.flatMap((p) => p.errors)].filter((t) => t >= from && t <= to);
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor(t / 1000), (buckets.get(Math.floor(t / 1000)) ?? 0) + 1);
  return { errors: times.length, maxPerSecond: Math.max(0, ...buckets.values()) };
}

/**
 * Redis killed -9 and restarted on the same port: with AOF (fsync always) nothing it answered is
 * lost; with no persistence, streams, groups and the plan are gone and must be recreated.
 */
export async function redisRestart(c: Cluster, persistent: boolean, steadyMs: number): Promise<ScenarioResult> {
  const name = persistent ? 'redis kill -9 + restart (AOF)' : 'redis restart without persistence';
  c.scenario = name;
  await new Promise((r) => setTimeout(r, steadyMs));
  const dupBefore = c.ledger.duplicates();
  const revisionsBefore = await c.redis.xlen(c.keys.stream('revisions'));
  const t0 = Date.now();
  await c.server.stop('SIGKILL');
  const downMs = 500;
  await new Promise((r) => setTimeout(r, downMs));
  await c.startRedis(persistent);
  const restartedAt = Date.now();
  // Metrics published from here on must all be processed, whatever happened to the rest.
  const firstSeqAfter = Math.max(0, ...c.published.keys()) + 1;
  await waitFor(async () => (await groupState(c.redis, c.keys.stream('metrics'), 'analyzer')) !== undefined && (await c.drained()), 'the analyzer group back and drained', 30_000, 20);
  const recoveryS = round(Date.now() - restartedAt);
  c.ledger.arrival = 1 + ((c.ledger.arrival + 2) % 8);
  const requestsBefore = c.ledger.total;
  // An agent that never comes back is a figure, not a crash of the run: null when no action ran.
  let actionS: number | null = null;
  try {
    await waitFor(() => c.ledger.total > requestsBefore, 'an action after the restart', 20_000, 20);
    actionS = round(Date.now() - restartedAt);
  } catch {
    // reported below as firstActionAfterRestartS: null
  }
  const leaseHolderAfter = await leaseHolder(c);
  await new Promise((r) => setTimeout(r, steadyMs));
  const after = await account(c, name, firstSeqAfter);
  const all = await account(c, name);
  const errs = maxErrorsPerSecond(c, t0, Date.now());
  const revisions = persistent ? (await c.redis.xlen(c.keys.stream('revisions'))) - revisionsBefore : await c.redis.xlen(c.keys.stream('revisions'));
  const result: ScenarioResult = {
    name,
    ...(persistent ? all : after),
    duplicateActions: c.ledger.duplicates() - dupBefore,
    recoveryS,
    recoveredWhen: 'analyzer group recreated/back, lag 0 and pending 0 (from the restart)',
    firstActionAfterRestartS: actionS,
    leaseHolderAfterRestart: leaseHolderAfter || null,
    errorLines: errs.errors,
    maxErrorLinesPerSecond: errs.maxPerSecond,
    revisionsInWindow: revisions,
    agentsAlive: c.procs.filter((p) => p.alive).length,
  };
  if (!persistent) result.lostWithRedisData = all.lost - after.lost;
  return result;
}

/** The load source answers 503 from now on: its metric goes stale and the goal's fallback applies. */
export async function silentSource(c: Cluster): Promise<ScenarioResult> {
  const name = 'silent source → fallback';
  c.scenario = name;
  c.ledger.arrival = 6;
  const store = new PlanStore(c.redis, c.keys, parseConfig({ prefix: c.prefix, workflow: { steps: { work: { params: { concurrency: 1 } } } } }));
  await waitFor(async () => (await store.current()).steps.work?.params.concurrency === 6, 'the plan at 6 workers', 15_000, 20);
  const silencedAt = Date.now();
  c.ledger.silent = true;
  let reason = '';
  await waitFor(
    async () => {
      const [latest] = await store.history(1);
      const ok = latest !== undefined && latest.revision.at >= silencedAt && /fallback/.test(latest.revision.reason);
      if (ok) reason = `${latest.revision.reason} (v${latest.revision.version}: ${JSON.stringify(latest.revision.changes[0])})`;
      return ok;
    },
    'a fallback revision',
    15_000,
    20,
  );
  const fallbackS = round(Date.now() - silencedAt);
  c.ledger.silent = false;
  return { name, ...(await account(c, name)), duplicateActions: 0, recoveryS: fallbackS, recoveredWhen: 'fallback revision committed (from the silence; staleAfter 1s)', fallbackReason: reason };
}
