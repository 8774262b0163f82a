import {
  applyChanges,
  AwoError,
  canonicalJson,
  desiredPins,
  diffPlans,
  errorMessage,
  FINISHED_OVERRIDE,
  FINISHED_PROPOSAL,
  isAwoError,
  newSteeringId,
  pinsOf,
  publishSteeringEvent,
  samePins,
  samePlan,
  Steering,
  whyNotApplicable,
  type Change,
  type Keys,
  type Logger,
  type Override,
  type Plan,
  type PlanReader,
  type PlannerConfig,
  type Rollback,
  type SteeringEvent,
  type SteeringProposal,
  type SteeringTable,
  type Stored, type RedisClient } from '@awo/shared';
import type { Proposal } from './goals/index.js';

/** A revision the steering asks the planner to commit (the planner signs it under its lease). */
export interface SteerRevision {
  goal: string;
  next: Plan;
  changes: Change[];
  reason: string;
  insightIds: string[];
}

/** Commits a revision on top of `plan`; the version written, or undefined when it lost (conflict, lease). */
export type CommitFn = (plan: Plan, revision: SteerRevision) => Promise<number | undefined>;

/**
 * The leading planner's side of steering: it turns the operators' requests kept by `Steering`
 * (overrides, rollbacks, approved proposals) into signed revisions, writes the proposals of
 * propose-mode goals, and moves records to their final states (expired, superseded, applied…).
 * Level-triggered: `reconcile` compares the records with the plan every time it runs, so a lost
 * wake-up or a restart heals.
 */
export class PlannerSteering {
  readonly steering: Steering;
  readonly counts = { proposalsWritten: 0, proposalsRefused: 0, overrideRevisions: 0, rollbacks: 0, approvals: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly configOf: () => PlannerConfig,
    private readonly reader: PlanReader,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.steering = new Steering(redis, keys, configOf(), now);
  }

  /**
   * Whether any steering record is kept (one round trip, no parsing): the level-triggered pass
   * is skipped while there is none. Each table holds its `_seq` counter beside the records.
   */
  async anything(): Promise<boolean> {
    const replies = (await this.redis.pipeline().hlen(this.keys.overrides).hlen(this.keys.proposals).hlen(this.keys.rollbacks).exec()) ?? [];
    return replies.some(([err, n]) => err !== null || Number(n) > 1);
  }

  /** Records skipped because they failed their schema. */
  get invalidRecords(): number {
    return this.steering.overridesTable.invalid + this.steering.proposalsTable.invalid + this.steering.rollbacksTable.invalid;
  }

  /**
   * One pass: pending rollbacks first (oldest first), then approved proposals, then the pins the
   * overrides ask for; then expiries and pruning. Returns the plan as it stands after the pass.
   */
  async reconcile(plan: Plan, commit: CommitFn): Promise<Plan> {
    let current = plan;
    current = await this.#rollbacks(current, commit);
    current = await this.#approvals(current, commit);
    current = await this.#overrides(current, commit);
    await this.#finish();
    return current;
  }

  async #rollbacks(plan: Plan, commit: CommitFn): Promise<Plan> {
    const pending = (await this.steering.rollbacksTable.all()).filter((r) => r.value.status === 'pending').reverse();
    let current = plan;
    for (const stored of pending) {
      const r = stored.value;
      let target: Plan;
      try {
        if ((r.epoch ?? '') !== (current.epoch ?? '') && r.fromVersion !== 0) throw new AwoError('AWO_NOT_FOUND', `the plan started a new lineage since v${r.toVersion} was asked for`);
        if (r.toVersion >= current.version) throw new AwoError('AWO_NOT_FOUND', `plan v${r.toVersion} is not older than the current v${current.version}`);
        const read = await this.reader.atVersion(r.toVersion);
        if (!read.trust.ok) throw new AwoError('AWO_REQUEST_INVALID', `v${r.toVersion} is not trusted: ${read.trust.reason}`);
        target = read.plan;
      } catch (err) {
        await this.#update(this.steering.rollbacksTable, stored, { ...r, status: 'refused', error: errorMessage(err).slice(0, 1024) }, 'rollback');
        this.log.warn({ rollback: r.id, toVersion: r.toVersion, err: errorMessage(err) }, 'rollback refused');
        continue;
      }
      const version = current.version + 1;
      // The steps of that version exactly; the pins requested before the rollback end with it.
      const next: Plan = { ...(current.epoch !== undefined ? { epoch: current.epoch } : {}), version, steps: structuredClone(target.steps) };
      const released = Object.keys(pinsOf(current));
      const reason = `rollback to v${r.toVersion} requested${r.by ? ` by ${r.by}` : ''}${r.reason ? `: ${r.reason}` : ''}${released.length ? `; releases the pins of override${released.length > 1 ? 's' : ''} ${released.join(', ')}` : ''}`;
      const committed = await commit(current, { goal: 'rollback', next, changes: diffPlans(current, next), reason, insightIds: [] });
      if (committed === undefined) return current;
      this.counts.rollbacks++;
      await this.#update(this.steering.rollbacksTable, stored, { ...r, status: 'applied', version: committed }, 'rollback');
      for (const o of await this.steering.overridesTable.all()) {
        const live = o.value.status === 'active' || o.value.status === 'removing' || (o.value.status === 'pending' && o.value.at <= r.at);
        if (live) await this.#update(this.steering.overridesTable, o, { ...o.value, status: 'removed', endedVersion: committed, endedAt: this.now(), endedBy: `rollback ${r.id}` }, 'override');
      }
      current = { ...next, version: committed };
    }
    return current;
  }

  async #approvals(plan: Plan, commit: CommitFn): Promise<Plan> {
    const approved = (await this.steering.proposalsTable.all()).filter((p) => p.value.status === 'approved').reverse();
    let current = plan;
    for (const stored of approved) {
      const p = stored.value;
      const why = samePlan(current, p.baseVersion, p.epoch) ? undefined : whyNotApplicable(current, p.changes);
      let next: Plan | undefined;
      let error = why;
      if (why === undefined) {
        try {
          next = applyChanges(current, p.changes, current.version + 1);
        } catch (err) {
          error = errorMessage(err);
        }
      }
      if (!next) {
        await this.#update(this.steering.proposalsTable, stored, { ...p, status: 'superseded', note: (error ?? '').slice(0, 1024) }, 'proposal');
        continue;
      }
      const reason = `approved${p.decidedBy ? ` by ${p.decidedBy}` : ''} (proposal ${p.id}): ${p.reason}`;
      const committed = await commit(current, { goal: p.goal, next, changes: p.changes, reason: reason.slice(0, 2048), insightIds: p.insightIds });
      if (committed === undefined) return current;
      this.counts.approvals++;
      await this.#update(this.steering.proposalsTable, stored, { ...p, status: 'applied', version: committed }, 'proposal');
      current = { ...next, version: committed };
    }
    return current;
  }

  async #overrides(plan: Plan, commit: CommitFn): Promise<Plan> {
    const now = this.now();
    const records = await this.steering.overridesTable.all();
    // A pending override of a step the plan no longer has cannot be applied.
    for (const o of records) {
      if (o.value.status === 'pending' && !plan.steps[o.value.step]) await this.#update(this.steering.overridesTable, o, { ...o.value, status: 'refused', error: `step "${o.value.step}" is not in the plan (v${plan.version})` }, 'override');
    }
    const usable = records.filter((o) => !(o.value.status === 'pending' && !plan.steps[o.value.step])).map((o) => o.value);
    const want = desiredPins(usable, now);
    const had = pinsOf(plan);
    const next: Plan = { ...structuredClone(plan), version: plan.version + 1 };
    delete next.pins;
    if (Object.keys(want.pins).length > 0) next.pins = want.pins;
    for (const pin of Object.values(want.pins)) {
      const step = next.steps[pin.step];
      if (step) step.params[pin.param] = pin.value;
    }
    const changes = diffPlans(plan, next);
    let version = plan.version;
    let current = plan;
    if (changes.length > 0 || !samePins(had, want.pins)) {
      const reason = pinReason(records.map((o) => o.value), had, want);
      const committed = await commit(plan, { goal: 'override', next, changes, reason, insightIds: [] });
      if (committed === undefined) return plan;
      this.counts.overrideRevisions++;
      version = committed;
      current = { ...next, version: committed };
    }
    // Records follow the plan now in place.
    const ended = version !== plan.version ? version : undefined;
    const expired = new Set(want.expired.map((o) => o.id));
    const superseded = new Set(want.superseded.map((o) => o.id));
    // Ended ones first, so whoever sees the new pin active also sees the one it replaced ended.
    const activate: [Stored<Override>, Override][] = [];
    for (const o of records) {
      const v = o.value;
      let to: Override | undefined;
      if (v.status === 'pending' && v.id in want.pins) {
        activate.push([o, { ...v, status: 'active', version }]);
        continue;
      }
      if (v.status === 'removing' && !(v.id in pinsOf(current))) to = { ...v, status: 'removed', ...(v.id in had && ended ? { endedVersion: ended } : {}) };
      else if ((v.status === 'pending' || v.status === 'active') && (expired.has(v.id) || superseded.has(v.id))) {
        to = { ...v, status: expired.has(v.id) ? 'expired' : 'superseded', endedAt: now, ...(v.id in had && ended ? { endedVersion: ended } : {}) };
      }
      if (to) await this.#update(this.steering.overridesTable, o, to, 'override');
    }
    for (const [o, to] of activate) await this.#update(this.steering.overridesTable, o, to, 'override');
    return current;
  }

  /**
   * The proposal a propose-mode goal makes instead of a revision. The same changes on the same
   * plan are proposed once; new ones supersede the goal's open proposal. Past
   * `planner.steering.maxProposals` records a new one is refused and counted.
   */
  async propose(goal: string, plan: Plan, proposal: Proposal): Promise<SteeringProposal | undefined> {
    const now = this.now();
    const open = (await this.steering.proposalsTable.all()).filter((p) => p.value.goal === goal && (p.value.status === 'open' || p.value.status === 'approved'));
    const same = open.find((p) => samePlan(plan, p.value.baseVersion, p.value.epoch) && canonicalJson(p.value.changes) === canonicalJson(proposal.changes));
    if (same) return undefined;
    for (const p of open) {
      if (p.value.status === 'open') await this.#update(this.steering.proposalsTable, p, { ...p.value, status: 'superseded', decidedAt: now, note: `goal ${goal} proposed again on v${plan.version}` }, 'proposal');
    }
    const seq = await this.steering.proposalsTable.nextSeq();
    const record: SteeringProposal = {
      id: newSteeringId(),
      seq,
      goal,
      baseVersion: plan.version,
      ...(plan.epoch !== undefined ? { epoch: plan.epoch } : {}),
      changes: proposal.changes,
      reason: proposal.reason.slice(0, 2048),
      insightIds: proposal.insightIds.slice(0, 256),
      at: now,
      expiresAt: now + this.configOf().planner.steering.proposalTtl,
      status: 'open',
    };
    try {
      const stored = await this.steering.proposalsTable.create(record, this.configOf().planner.steering.maxProposals);
      this.counts.proposalsWritten++;
      await this.#event({ v: 1, type: 'proposal', at: now, item: stored.value });
      this.log.info({ proposal: record.id, goal, baseVersion: plan.version, reason: record.reason }, 'proposal written (goal in propose mode)');
      return stored.value;
    } catch (err) {
      if (!isAwoError(err, 'AWO_STEER_LIMIT')) throw err;
      this.counts.proposalsRefused++;
      if (this.counts.proposalsRefused === 1 || this.counts.proposalsRefused % 100 === 0) this.log.warn({ goal, refused: this.counts.proposalsRefused, err: err.message }, 'proposal refused: the proposals table is full');
      return undefined;
    }
  }

  /** Open proposals past their time expire; finished records older than `keepFinished` are dropped. */
  async #finish(): Promise<void> {
    const now = this.now();
    const keep = this.configOf().planner.steering.keepFinished;
    for (const p of await this.steering.proposalsTable.all()) {
      if (p.value.status === 'open' && p.value.expiresAt <= now) await this.#update(this.steering.proposalsTable, p, { ...p.value, status: 'expired', decidedAt: now }, 'proposal');
      else if (FINISHED_PROPOSAL.has(p.value.status) && (p.value.decidedAt ?? p.value.at) + keep <= now) await this.steering.proposalsTable.remove(p);
    }
    for (const o of await this.steering.overridesTable.all()) {
      if (FINISHED_OVERRIDE.has(o.value.status) && (o.value.endedAt ?? o.value.at) + keep <= now) await this.steering.overridesTable.remove(o);
    }
    for (const r of await this.steering.rollbacksTable.all()) {
      if (r.value.status !== 'pending' && r.value.at + keep <= now) await this.steering.rollbacksTable.remove(r);
    }
  }

  async #update<T extends Override | SteeringProposal | Rollback>(table: SteeringTable<T>, from: Stored<T>, next: T, type: SteeringEvent['type']): Promise<void> {
    const stored = await table.replace(from, next);
    // Changed meanwhile (an operator's unpin or decision): the next pass sees it.
    if (stored) await this.#event({ v: 1, type, at: this.now(), item: stored.value } as SteeringEvent);
  }

  #event(event: SteeringEvent): Promise<string> {
    return publishSteeringEvent(this.redis, this.keys, this.configOf().planner.steering.eventsMaxLen, event);
  }
}

/** Why the pins change, in words: what is pinned, unpinned, expired or superseded. */
function pinReason(records: readonly Override[], had: Record<string, unknown>, want: ReturnType<typeof desiredPins>): string {
  const byId = new Map(records.map((o) => [o.id, o]));
  const parts: string[] = [];
  for (const [id, pin] of Object.entries(want.pins)) {
    if (id in had) continue;
    const until = pin.until !== undefined ? ` until ${new Date(pin.until).toISOString()}` : ' until unpinned';
    parts.push(`pinned ${pin.step}.${pin.param} to ${String(pin.value)} (override ${id}${pin.by ? ` by ${pin.by}` : ''}${until}${pin.reason ? `: ${pin.reason}` : ''}); goals will not change it while it holds`);
  }
  for (const id of Object.keys(had)) {
    if (id in want.pins) continue;
    const o = byId.get(id);
    const what = o ? `${o.step}.${o.param}` : 'a parameter';
    if (want.expired.some((e) => e.id === id)) parts.push(`pin of ${what} expired (override ${id}); goals take it back`);
    else if (want.superseded.some((e) => e.id === id)) parts.push(`override ${id} of ${what} superseded by a newer one`);
    else parts.push(`unpinned ${what} (override ${id}${o?.endedBy ? ` by ${o.endedBy}` : ''}); goals take it back`);
  }
  return (parts.join('; ') || 'pins restated').slice(0, 2048);
}
