import { counter, gauge, type AgentDeps } from '@awo/shared';

interface Counts {
  revisions: number;
  /** Reconciliations without a revision: at start and every `executor.resync`. */
  resyncs: number;
  enqueued: number;
  duplicates: number;
  untrusted: number;
  squatted: number;
  requeued: number;
  /** The version of the newest trusted plan reconciled (0 before the first). */
  planVersion: number;
}
interface RunnerCounts {
  run: number;
  succeeded: number;
  failed: number;
  retried: number;
  refused: number;
  skipped: number;
}
interface Workflow {
  readonly enabled: boolean;
  readonly counters: { entered: number; processed: number; refused: number; ended: number; failed: number };
}
interface Pool {
  size(): number;
  ready(): number;
  starting(): number;
  busy(): number;
  workerSeconds(): number;
}

/** The executor's metrics, read live from its counts and pools on every scrape; pools by `pool` label. */
/** `drift`: corrections of drift by step. */
export function declareExecutorMetrics(deps: Pick<AgentDeps<unknown>, 'metrics'>, c: Counts, r: RunnerCounts, workflow: Workflow, pools: ReadonlyMap<string, Pool>, drift: ReadonlyMap<string, number> = new Map()): void {
  const perPool = (read: (p: Pool) => number) => () => [...pools].map(([pool, p]) => [{ pool }, read(p)] as const);
  deps.metrics.live({
    awo_executor_revisions_total: counter('Plan revisions reconciled', () => c.revisions),
    awo_executor_resyncs_total: counter('Reconciliations without a revision: at start and every executor.resync', () => c.resyncs),
    awo_executor_drift_total: counter('Actions that corrected drift: the world held another value than the ledger says was applied', ['step'], () => [...drift].map(([step, n]) => [{ step }, n] as const)),
    awo_plan_version: gauge('Version of the newest trusted plan this executor reconciled (0 before the first)', () => c.planVersion),
    awo_executor_actions_enqueued_total: counter('Action jobs this executor created', () => c.enqueued),
    awo_executor_actions_duplicate_total: counter('Action jobs that already existed (a repeated or duplicated delivery)', () => c.duplicates),
    awo_executor_revisions_untrusted_total: counter('Plan revisions refused as unsigned, forged or edited', () => c.untrusted),
    awo_executor_actions_requeued_total: counter('Action jobs that had failed for good, tried again because the plan still wants them', () => c.requeued),
    awo_executor_actions_squatted_total: counter('Action jobs found holding a signed action\'s id with other content, and replaced', () => c.squatted),
    awo_executor_actions_run_total: counter('Actions whose handler ran', () => r.run),
    awo_executor_actions_succeeded_total: counter('Actions applied', () => r.succeeded),
    awo_executor_actions_failed_total: counter('Actions that failed for good', () => r.failed),
    awo_executor_actions_retried_total: counter('Action attempts that failed and will be retried', () => r.retried),
    awo_executor_actions_refused_total: counter('Action jobs refused: malformed, or not allowed by the config', () => r.refused),
    awo_executor_actions_skipped_total: counter('Actions skipped: already applied or superseded', () => r.skipped),
    awo_pool_size: gauge('Workers the pool is asked to have (its desired size)', ['pool'], perPool((p) => p.size())),
    awo_pool_ready: gauge('Workers of the pool that take jobs', ['pool'], perPool((p) => p.ready())),
    awo_pool_starting: gauge('Workers of the pool still starting up', ['pool'], perPool((p) => p.starting())),
    awo_pool_busy: gauge('Workers of the pool running a job now', ['pool'], perPool((p) => p.busy())),
    awo_pool_worker_seconds_total: counter('Worker-seconds of ready and starting workers (the pool\'s cost)', ['pool'], perPool((p) => p.workerSeconds())),
  });
  if (!workflow.enabled) return;
  const w = workflow.counters;
  deps.metrics.live({
    awo_executor_records_entered_total: counter('Workflow records entered', () => w.entered),
    awo_executor_records_processed_total: counter('Workflow step runs on records', () => w.processed),
    awo_executor_records_refused_total: counter('Workflow step runs that refused a record', () => w.refused),
    awo_executor_records_ended_total: counter('Workflow records that reached the end', () => w.ended),
    awo_executor_records_failed_total: counter('Workflow records that failed for good', () => w.failed),
  });
}

/** The same counts by flat name, read in-process (`agent.metrics()`: tests, status). */
export function flatMetrics(c: Counts, r: RunnerCounts, workflow: Workflow, owned: ReadonlyMap<string, Pool>, drift: ReadonlyMap<string, number>, o: { takeovers: number }): Record<string, number> {
  const out: Record<string, number> = {
    executor_revisions_total: c.revisions,
    executor_resyncs_total: c.resyncs,
    executor_drift_total: [...drift.values()].reduce((a, b) => a + b, 0),
    executor_actions_enqueued_total: c.enqueued,
    executor_actions_duplicate_total: c.duplicates,
    executor_revisions_untrusted_total: c.untrusted,
    executor_actions_squatted_total: c.squatted,
    executor_actions_requeued_total: c.requeued,
    executor_actions_run_total: r.run,
    executor_actions_succeeded_total: r.succeeded,
    executor_actions_failed_total: r.failed,
    executor_actions_retried_total: r.retried,
    executor_actions_refused_total: r.refused,
    executor_actions_skipped_total: r.skipped,
    executor_pool_leases_held: owned.size,
    executor_pool_takeovers_total: o.takeovers,
  };
  if (workflow.enabled) {
    const w = workflow.counters;
    out.executor_records_entered_total = w.entered;
    out.executor_records_processed_total = w.processed;
    out.executor_records_refused_total = w.refused;
    out.executor_records_ended_total = w.ended;
    out.executor_records_failed_total = w.failed;
  }
  for (const [name, pool] of owned) {
    out[`executor_pool_${name}_size`] = pool.size();
    out[`executor_pool_${name}_ready`] = pool.ready();
    out[`executor_pool_${name}_starting`] = pool.starting();
    out[`executor_pool_${name}_busy`] = pool.busy();
    out[`executor_pool_${name}_worker_seconds_total`] = pool.workerSeconds();
  }
  return out;
}

/** Pool ownership among several executors (`Ownership`), by `pool` label over the configured pools. */
export function declareOwnershipMetrics(deps: Pick<AgentDeps<unknown>, 'metrics'>, o: { pools: string[]; owns(pool: string): boolean; byPool: ReadonlyMap<string, { takeovers: number; lost: number }>; counts: { groupsDestroyed: number } }): void {
  const perPool = (read: (pool: string) => number) => () => o.pools.map((pool) => [{ pool }, read(pool)] as const);
  deps.metrics.live({
    awo_pool_lease_held: gauge('1 while this executor holds the pool\'s lease (it runs the pool), else 0', ['pool'], perPool((p) => (o.owns(p) ? 1 : 0))),
    awo_pool_takeovers_total: counter('Times this executor took the pool over after its owner stopped renewing the lease', ['pool'], perPool((p) => o.byPool.get(p)?.takeovers ?? 0)),
    awo_pool_leases_lost_total: counter('Times this executor lost the pool\'s lease (not renewed in time) and stopped the pool', ['pool'], perPool((p) => o.byPool.get(p)?.lost ?? 0)),
    awo_executor_groups_destroyed_total: counter('Revisions groups of executors that are gone, destroyed by this one', () => o.counts.groupsDestroyed),
  });
}

/** Remembers `key → value` in a map kept to `max` entries (the oldest go first). */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max = 4096): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
