import type { RedisClient } from '../redis.js';
import type { z } from 'zod';
import type { WorkflowConfig } from '../config/workflow.js';
import type { Plan } from '../contracts/messages.js';
import type { Keys } from '../contracts/streams.js';
import { parseDuration } from '../duration.js';
import { AwoError, isAwoError } from '../errors.js';
import { PlanReader, planReaderOptions } from '../plan/reader.js';
import { PlanStore } from '../plan/store.js';
import { publishControl, publishSteeringEvent } from './events.js';
import { samePlan, whyNotApplicable } from './rules.js';
import {
  decisionRequestSchema,
  overrideRequestSchema,
  overrideSchema,
  proposalSchema,
  rollbackRequestSchema,
  rollbackSchema,
  type Override,
  type OverrideRequest,
  type Rollback,
  type RollbackRequest,
  type SteeringEvent,
  type SteeringProposal,
} from './schemas.js';
import { newSteeringId, SteeringTable, type Stored } from './table.js';

/** What `Steering` needs of the config: the planner's slice (`configSlices(config).planner`) fits. */
export interface SteeringConfig {
  readonly workflow: WorkflowConfig;
  readonly signing: { readonly key?: string | undefined; readonly previousKey?: string | undefined };
  readonly bus: { readonly maxLen: number; readonly maxClockSkew: number };
  readonly planner: {
    readonly steering: {
      readonly maxOverrides: number;
      readonly maxProposals: number;
      readonly maxRollbacks: number;
      readonly proposalTtl: number;
      readonly keepFinished: number;
      readonly eventsMaxLen: number;
    };
  };
}

/** Parses a request body: AWO_REQUEST_INVALID naming the first bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 8).map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  const first = issues[0] as { path: string; message: string };
  throw new AwoError('AWO_REQUEST_INVALID', `${what}: ${first.path}: ${first.message}`, { details: { issues } });
}

/**
 * `until` as epoch ms: a number is a time (epoch ms); a string ending in a unit (`30m`, `1h30m`)
 * is a duration from now; any other string a time (ISO 8601). It must lie ahead of `now`.
 */
export function resolveUntil(until: string | number | undefined, now: number): number | undefined {
  if (until === undefined) return undefined;
  let at: number;
  if (typeof until === 'number') at = until;
  else if (/^\s*\d+(\.\d+)?\s*[a-z]+/i.test(until) && !/^\d{4}-/.test(until)) {
    try {
      at = now + parseDuration(until);
    } catch (err) {
      throw new AwoError('AWO_REQUEST_INVALID', `until: ${(err as Error).message}`, { cause: err });
    }
  } else at = Date.parse(until);
  if (!Number.isFinite(at)) throw new AwoError('AWO_REQUEST_INVALID', `until: "${String(until)}" is neither a time (ISO 8601, epoch ms) nor a duration (30m, 2h)`);
  if (at <= now) throw new AwoError('AWO_REQUEST_INVALID', `until: ${new Date(at).toISOString()} is not in the future`);
  return Math.round(at);
}

/**
 * The operator's side of steering: what the API and the CLI call. It never writes the plan: it
 * keeps requests (overrides, rollbacks, decisions on proposals) in bounded Redis tables and wakes
 * the leading planner (a `steer` control message), which turns them into signed revisions.
 *
 * Errors (all `AwoError`; the API maps them):
 * - `AWO_REQUEST_INVALID` (400): a malformed body (the message names the field), an unknown step,
 *   a value of another type than the parameter's, an `until` not ahead, a rollback to the current
 *   version or to a revision that does not verify;
 * - `AWO_NOT_FOUND` (404): no override, proposal or rollback with that id; a version never written
 *   or no longer kept;
 * - `AWO_STEER_CONFLICT` (409): unpinning an override already finished; approving or rejecting a
 *   proposal already decided, expired or superseded;
 * - `AWO_STEER_LIMIT` (409): the table holds its bound of records;
 * - `AWO_REDIS_UNAVAILABLE` and ioredis errors (503) when Redis does not answer.
 */
export class Steering {
  readonly overridesTable: SteeringTable<Override>;
  readonly proposalsTable: SteeringTable<SteeringProposal>;
  readonly rollbacksTable: SteeringTable<Rollback>;
  readonly #store: PlanStore;
  readonly #reader: PlanReader;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: SteeringConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.overridesTable = new SteeringTable(redis, keys.overrides, overrideSchema, 'override');
    this.proposalsTable = new SteeringTable(redis, keys.proposals, proposalSchema, 'proposal');
    this.rollbacksTable = new SteeringTable(redis, keys.rollbacks, rollbackSchema, 'rollback');
    this.#store = new PlanStore(redis, keys, config);
    this.#reader = new PlanReader(this.#store, planReaderOptions(config));
  }

  /** Asks to pin `step.param` to `value`; the leading planner writes the revision. Returns the override (`pending`). */
  async pin(request: OverrideRequest, by?: string): Promise<Override> {
    const req = parseRequest(overrideRequestSchema, request, 'override');
    const now = this.now();
    const until = resolveUntil(req.until, now);
    const plan = await this.#store.current();
    const step = plan.steps[req.step];
    if (!step) throw new AwoError('AWO_REQUEST_INVALID', `step: "${req.step}" is not a step of the plan (${Object.keys(plan.steps).join(', ') || 'none'})`);
    const current = step.params[req.param];
    if (current !== undefined && typeof current !== typeof req.value) {
      throw new AwoError('AWO_REQUEST_INVALID', `value: ${req.step}.${req.param} holds a ${typeof current} (${String(current)}), not a ${typeof req.value}`);
    }
    const seq = await this.overridesTable.nextSeq();
    const override: Override = {
      id: newSteeringId(),
      seq,
      step: req.step,
      param: req.param,
      value: req.value,
      at: now,
      status: 'pending',
      ...(until !== undefined ? { until } : {}),
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(by !== undefined ? { by } : {}),
    };
    const stored = await this.overridesTable.create(override, this.config.planner.steering.maxOverrides);
    await this.#announce({ v: 1, type: 'override', at: now, item: stored.value }, by);
    return stored.value;
  }

  /** Asks to remove an override; the leading planner writes the revision. Returns it (`removing`, or `removed` if it never reached the plan). */
  async unpin(id: string, by?: string): Promise<Override> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const found = await this.overridesTable.need(id);
      const o = found.value;
      if (o.status === 'removing') return o;
      if (o.status !== 'pending' && o.status !== 'active') throw new AwoError('AWO_STEER_CONFLICT', `override ${id} is already ${o.status}`, { details: { status: o.status } });
      const now = this.now();
      const next: Override = { ...o, status: 'removing', endedAt: now, ...(by !== undefined ? { endedBy: by } : {}) };
      const stored = await this.overridesTable.replace(found, next);
      if (!stored) continue;
      await this.#announce({ v: 1, type: 'override', at: now, item: stored.value }, by);
      return stored.value;
    }
    throw new AwoError('AWO_STEER_CONFLICT', `override ${id} kept changing under the unpin; try again`);
  }

  /** Every override kept (live and finished), newest request first. */
  async overrides(): Promise<Override[]> {
    return (await this.overridesTable.all()).map((s) => s.value);
  }

  /** One override; AWO_NOT_FOUND when there is none. */
  async override(id: string): Promise<Override> {
    return (await this.overridesTable.need(id)).value;
  }

  /**
   * Asks for a revision whose steps equal version `toVersion`'s (0: the config's plan). Refused
   * up front when that version is the current one, was never written or is no longer kept
   * (AWO_NOT_FOUND), or does not verify (AWO_REQUEST_INVALID); the planner checks again.
   */
  async rollback(request: RollbackRequest, by?: string): Promise<Rollback> {
    const req = parseRequest(rollbackRequestSchema, request, 'rollback');
    const current = await this.#reader.current();
    if (req.toVersion === current.plan.version) throw new AwoError('AWO_REQUEST_INVALID', `toVersion: the plan is already at v${req.toVersion}`);
    await this.#target(req.toVersion);
    const now = this.now();
    const seq = await this.rollbacksTable.nextSeq();
    const rollback: Rollback = {
      id: newSteeringId(),
      seq,
      toVersion: req.toVersion,
      fromVersion: current.plan.version,
      at: now,
      status: 'pending',
      ...(current.plan.epoch !== undefined ? { epoch: current.plan.epoch } : {}),
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(by !== undefined ? { by } : {}),
    };
    const stored = await this.rollbacksTable.create(rollback, this.config.planner.steering.maxRollbacks);
    await this.#announce({ v: 1, type: 'rollback', at: now, item: stored.value }, by);
    return stored.value;
  }

  /** The plan of `version`, trusted; AWO_NOT_FOUND / AWO_REQUEST_INVALID as `rollback` says. */
  async #target(version: number): Promise<Plan> {
    let read;
    try {
      read = await this.#reader.atVersion(version);
    } catch (err) {
      if (isAwoError(err, 'AWO_PLAN_CONFLICT')) throw new AwoError('AWO_NOT_FOUND', `toVersion: ${err.message}`, { cause: err, details: { version } });
      throw err;
    }
    if (!read.trust.ok) throw new AwoError('AWO_REQUEST_INVALID', `toVersion: v${version} is not trusted: ${read.trust.reason}`);
    return read.plan;
  }

  async rollbacks(): Promise<Rollback[]> {
    return (await this.rollbacksTable.all()).map((s) => s.value);
  }

  async rollbackRecord(id: string): Promise<Rollback> {
    return (await this.rollbacksTable.need(id)).value;
  }

  /** Every proposal kept, newest first. */
  async proposals(): Promise<SteeringProposal[]> {
    return (await this.proposalsTable.all()).map((s) => s.value);
  }

  async proposal(id: string): Promise<SteeringProposal> {
    return (await this.proposalsTable.need(id)).value;
  }

  /**
   * Approves an open proposal: the leading planner commits it as a signed revision. Refused
   * (AWO_STEER_CONFLICT) when it is decided, expired, or no longer applies to the plan.
   */
  async approve(id: string, by?: string, body: unknown = {}): Promise<SteeringProposal> {
    const { reason } = parseRequest(decisionRequestSchema, body, 'approval');
    return this.#decide(id, 'approved', by, reason);
  }

  /** Rejects an open proposal: recorded, the plan is left as it is. */
  async reject(id: string, by?: string, body: unknown = {}): Promise<SteeringProposal> {
    const { reason } = parseRequest(decisionRequestSchema, body, 'rejection');
    return this.#decide(id, 'rejected', by, reason);
  }

  async #decide(id: string, to: 'approved' | 'rejected', by: string | undefined, note: string | undefined): Promise<SteeringProposal> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const found = await this.proposalsTable.need(id);
      const p = found.value;
      if (p.status !== 'open') throw new AwoError('AWO_STEER_CONFLICT', `proposal ${id} is already ${p.status}`, { details: { status: p.status } });
      const now = this.now();
      let finished: SteeringProposal | undefined;
      if (p.expiresAt <= now) finished = { ...p, status: 'expired', decidedAt: now };
      else if (to === 'approved') {
        const plan = await this.#store.current();
        const why = samePlan(plan, p.baseVersion, p.epoch) ? undefined : whyNotApplicable(plan, p.changes);
        if (why !== undefined) finished = { ...p, status: 'superseded', decidedAt: now, note: why };
      }
      if (finished) {
        const stored = await this.proposalsTable.replace(found, finished);
        if (!stored) continue;
        await this.#announce({ v: 1, type: 'proposal', at: now, item: stored.value }, by, false);
        throw new AwoError('AWO_STEER_CONFLICT', `proposal ${id} ${finished.status === 'expired' ? `expired at ${new Date(p.expiresAt).toISOString()}` : `is superseded: ${finished.note}`}`, { details: { status: finished.status } });
      }
      const next: SteeringProposal = { ...p, status: to, decidedAt: now, ...(by !== undefined ? { decidedBy: by } : {}), ...(note !== undefined ? { note } : {}) };
      const stored = await this.proposalsTable.replace(found, next);
      if (!stored) continue;
      await this.#announce({ v: 1, type: 'proposal', at: now, item: stored.value }, by, to === 'approved');
      return stored.value;
    }
    throw new AwoError('AWO_STEER_CONFLICT', `proposal ${id} kept changing under the decision; try again`);
  }

  /** Asks every awo process listening (`stream:control`) to re-read its config file. Returns the message's stream id. */
  async requestReload(by?: string): Promise<{ id: string; at: number }> {
    const at = this.now();
    const id = await publishControl(this.redis, this.keys, { v: 1, op: 'reload', at, ...(by !== undefined ? { by } : {}) });
    return { id, at };
  }

  /**
   * Waits (bounded) until a record leaves its transitional state (`pending`, `removing`,
   * `approved`), polling every `every` ms; returns the record as it is then (still transitional
   * when the time ran out). For the CLI, which prints the revision that settled it.
   */
  async settle<K extends 'override' | 'proposal' | 'rollback'>(kind: K, id: string, timeoutMs: number, every = 50): Promise<K extends 'override' ? Override : K extends 'proposal' ? SteeringProposal : Rollback> {
    const table = (kind === 'override' ? this.overridesTable : kind === 'proposal' ? this.proposalsTable : this.rollbacksTable) as SteeringTable<Override | SteeringProposal | Rollback>;
    const deadline = Date.now() + timeoutMs;
    let last: Stored<Override | SteeringProposal | Rollback> = await table.need(id);
    while (['pending', 'removing', 'approved'].includes(last.value.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, every));
      last = await table.need(id);
    }
    return last.value as never;
  }

  /** Publishes the event and wakes the leading planner when it has something to do. */
  async #announce(event: SteeringEvent, by: string | undefined, wake = true): Promise<void> {
    await publishSteeringEvent(this.redis, this.keys, this.config.planner.steering.eventsMaxLen, event);
    if (wake) await publishControl(this.redis, this.keys, { v: 1, op: 'steer', at: event.at, ...(by !== undefined ? { by } : {}) });
  }
}
