import type { Redis } from 'ioredis';
import { encode } from '../bus/codec.js';
import { decode } from '../bus/codec.js';
import type { Config } from '../config/schema.js';
import { planRevisionSchema, planSchema, type Plan, type PlanRevision } from '../contracts/messages.js';
import type { Keys } from '../contracts/streams.js';
import { AwoError } from '../errors.js';
import { injectHeaders, type TraceHeaders } from '../telemetry/propagation.js';
import { planFromConfig } from './model.js';
import { runScript } from './scripts.js';

export interface StoredRevision {
  id: string;
  revision: PlanRevision;
  headers: TraceHeaders;
}

/**
 * The current plan (a hash: version, plan JSON) and its revision history (a stream). Writes go
 * through one Lua script: compare-and-set on the version, fenced by the planner's lease.
 */
export class PlanStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly config: Pick<Config, 'workflow' | 'bus'>,
  ) {}

  /** The current plan; version 0 (the config's workflow) until the first revision. */
  async current(): Promise<Plan> {
    const [version, json] = await this.redis.hmget(this.keys.plan, 'version', 'plan');
    if (!version || !json) return planFromConfig(this.config.workflow);
    return planSchema.parse(JSON.parse(json));
  }

  /** The current plan's version (one small read). */
  async currentVersion(): Promise<number> {
    const version = await this.redis.hget(this.keys.plan, 'version');
    return version ? Number(version) : 0;
  }

  /**
   * The current plan with the revision that wrote it (undefined at version 0), for readers that
   * must check the revision's signature before acting on the plan.
   */
  async currentWithRevision(): Promise<{ plan: Plan; revision: PlanRevision | undefined }> {
    const [version, json, revision] = await this.redis.hmget(this.keys.plan, 'version', 'plan', 'revision');
    if (!version || !json) return { plan: planFromConfig(this.config.workflow), revision: undefined };
    const plan = planSchema.parse(JSON.parse(json));
    const parsed = revision ? planRevisionSchema.safeParse(JSON.parse(revision)) : undefined;
    return { plan, revision: parsed?.success ? parsed.data : undefined };
  }

  /**
   * Writes a revision if the plan is still at `revision.parentVersion` and, when a lease token
   * is given, this writer holds the lease. Returns the revision's stream id.
   */
  async commit(revision: PlanRevision, leaseToken = '', headers: TraceHeaders = injectHeaders()): Promise<string> {
    const valid = planRevisionSchema.parse(revision);
    if (valid.version !== valid.parentVersion + 1 || valid.plan.version !== valid.version) {
      throw new AwoError('AWO_PLAN_CONFLICT', `revision ${valid.version} must follow its parent ${valid.parentVersion} and carry a plan of its own version`);
    }
    const fields = encode(valid, headers);
    const [status, detail] = (await runScript(this.redis, 'plan-commit-3', [this.keys.plan, this.keys.stream('revisions'), this.keys.lease], [
      String(valid.parentVersion),
      String(valid.version),
      JSON.stringify(valid.plan),
      leaseToken,
      this.config.bus.maxLen,
      JSON.stringify(valid),
      ...fields,
    ])) as [number, string];
    if (status === 1) return detail;
    if (status === 0) throw new AwoError('AWO_PLAN_CONFLICT', `plan is at version ${detail}, not ${valid.parentVersion}`, { details: { current: Number(detail) } });
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

  /** The stored revision of a plan version, if still in the (trimmed) stream. */
  async revision(version: number, scan = 10_000): Promise<StoredRevision | undefined> {
    return (await this.history(scan)).find((r) => r.revision.version === version);
  }
}
