import { isCluster, waitForReplicas, type RedisClient } from '../redis.js';
import { encode } from '../bus/codec.js';
import { decode } from '../bus/codec.js';
import type { BusConfig } from '../config/schema.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { planRevisionSchema, planSchema, type Plan, type PlanRevision } from '../contracts/messages.js';
import type { Keys } from '../contracts/streams.js';
import { AwoError } from '../errors.js';
import { injectHeaders, type TraceHeaders } from '../telemetry/propagation.js';
import { epochOf, newEpoch } from './epoch.js';
import { planFromConfig } from './model.js';
import { runScript } from './scripts.js';

export interface StoredRevision {
  id: string;
  revision: PlanRevision;
  headers: TraceHeaders;
}

/** The current plan hash as stored: the strings a reader parses (and compares, to parse them once). */
export interface StoredPlan {
  version: string;
  epoch: string;
  plan: string;
  revision: string | null;
}

/** Revisions scanned to find an old version in a store written before the revision index existed. */
const LEGACY_SCAN = 10_000;

/**
 * The current plan (a hash: epoch, version, plan JSON) and its revision history (a stream,
 * indexed by version in a hash). Writes go through one Lua script: compare-and-set on
 * (epoch, version), fenced by the planner's lease.
 */
export class PlanStore {
  /** Commits on a Redis Cluster that no replica had acknowledged within the bound (a failover then could lose them). */
  unreplicated = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: { workflow: WorkflowConfig; bus: Pick<BusConfig, 'maxLen'> },
  ) {}

  /**
   * The current plan; until the first revision, version 0 (the config's workflow) with a fresh
   * epoch: the lineage a revision built on it starts.
   */
  async current(): Promise<Plan> {
    const [version, json] = await this.redis.hmget(this.keys.plan, 'version', 'plan');
    if (!version || !json) return this.initial();
    return planSchema.parse(JSON.parse(json));
  }

  /** The current plan's version (one small read). */
  async currentVersion(): Promise<number> {
    const version = await this.redis.hget(this.keys.plan, 'version');
    return version ? Number(version) : 0;
  }

  /** Version 0: the config's workflow, with a fresh epoch (the lineage a first revision starts). */
  initial(): Plan {
    return { epoch: newEpoch(), ...planFromConfig(this.config.workflow) };
  }

  /** The current plan hash, unparsed; undefined until the first revision. */
  async stored(): Promise<StoredPlan | undefined> {
    const [version, json, revision, epoch] = await this.redis.hmget(this.keys.plan, 'version', 'plan', 'revision', 'epoch');
    if (!version || !json) return undefined;
    return { version, epoch: epoch ?? '', plan: json, revision: revision ?? null };
  }

  /**
   * Writes a revision if the plan is still at `revision.parentVersion` of the revision's epoch
   * (any epoch when the parent is version 0) and, when a lease token is given, this writer holds
   * the lease. Returns the revision's stream id.
   */
  async commit(revision: PlanRevision, leaseToken = '', headers: TraceHeaders = injectHeaders()): Promise<string> {
    const valid = planRevisionSchema.parse(revision);
    if (valid.version !== valid.parentVersion + 1 || valid.plan.version !== valid.version) {
      throw new AwoError('AWO_PLAN_CONFLICT', `revision ${valid.version} must follow its parent ${valid.parentVersion} and carry a plan of its own version`);
    }
    const fields = encode(valid, headers);
    const [status, detail, stored] = (await runScript(this.redis, 'plan-commit-4', [this.keys.plan, this.keys.stream('revisions'), this.keys.lease, this.keys.planRevisionIndex], [
      String(valid.parentVersion),
      String(valid.version),
      JSON.stringify(valid.plan),
      leaseToken,
      this.config.bus.maxLen,
      JSON.stringify(valid),
      epochOf(valid.plan),
      ...fields,
    ])) as [number, string, string?];
    if (status === 1) {
      // On a cluster, the commit is answered once the plan's replicas have it (bounded): a
      // failover must not take back a version the executors may already act on.
      const acked = await waitForReplicas(this.redis, this.keys.plan).catch(() => 0);
      if (acked === 0 && isCluster(this.redis)) this.unreplicated++;
      return detail;
    }
    if (status === 0) {
      const epoch = stored ?? '';
      const where = epoch === epochOf(valid.plan) ? '' : ` of epoch ${epoch || '(none)'}, not ${epochOf(valid.plan) || '(none)'}`;
      throw new AwoError('AWO_PLAN_CONFLICT', `plan is at version ${detail}${where}, not ${valid.parentVersion}`, { details: { current: Number(detail), epoch } });
    }
    throw new AwoError('AWO_NOT_LEADER', `the planner lease is held by ${detail || 'nobody'}`, { details: { holder: detail } });
  }

  /** Revisions, newest first (at most `limit`). Entries that fail their schema are skipped. */
  async history(limit = 20): Promise<StoredRevision[]> {
    const entries = (await this.redis.xrevrange(this.keys.stream('revisions'), '+', '-', 'COUNT', limit)) as [string, string[]][];
    const out: StoredRevision[] = [];
    for (const [id, fields] of entries) {
      const d = decode('revisions', fields);
      if (d.ok) out.push({ id, revision: d.message, headers: d.headers });
    }
    return out;
  }

  /**
   * The stored revision of a plan version, if still in the (trimmed) stream: its entry id from
   * the index, then that one entry. A store written before the index existed is scanned instead.
   */
  async revision(version: number): Promise<StoredRevision | undefined> {
    const [id, indexed] = await this.redis.hmget(this.keys.planRevisionIndex, String(version), '_min');
    if (!id) return indexed ? undefined : (await this.history(LEGACY_SCAN)).find((r) => r.revision.version === version);
    const [entry] = (await this.redis.xrange(this.keys.stream('revisions'), id, id)) as [string, string[]][];
    if (!entry) return undefined;
    const d = decode('revisions', entry[1]);
    return d.ok && d.message.version === version ? { id, revision: d.message, headers: d.headers } : undefined;
  }
}

/** The plan and its revision from the stored hash (a revision that fails its schema is left out). */
export function parseStored(stored: StoredPlan): { plan: Plan; revision: PlanRevision | undefined } {
  const plan = planSchema.parse(JSON.parse(stored.plan));
  const parsed = stored.revision ? planRevisionSchema.safeParse(JSON.parse(stored.revision)) : undefined;
  return { plan, revision: parsed?.success ? parsed.data : undefined };
}
