import type { Plan, PlanRevision } from '../contracts/messages.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { AwoError } from '../errors.js';
import { planFromConfig } from './model.js';
import { trustedPlan, verifyKeyCount as keyCount, verifyKeys, type VerifyKeys } from './sign.js';
import { parseStored, type PlanStore } from './store.js';

/** Whether a plan may be acted on (see `trustedPlan`). */
export type PlanTrust = ReturnType<typeof trustedPlan>;

/** A plan as read: the plan, the revision that wrote it (none at version 0), and whether it is trusted. */
export interface PlanRead {
  plan: Plan;
  revision: PlanRevision | undefined;
  trust: PlanTrust;
}

export interface PlanReaderOptions {
  workflow: WorkflowConfig;
  /** The keys revisions must carry a signature of (the signing key, and the previous one during a rotation; none: every plan is trusted). */
  keys: VerifyKeys;
  /** Plans kept (each cache); default 64. */
  maxCached?: number;
  /**
   * How far a new lineage's first revision may be signed before the newest one seen (ms, the
   * planners' clock skew): an older one is a replay. Default 5000 (`bus.maxClockSkew`).
   */
  maxClockSkew?: number;
}

/** The reader options an agent's config slice gives: its workflow, its signing keys and the bus's clock skew. */
export function planReaderOptions(config: { workflow: WorkflowConfig; signing: { key?: string | undefined; previousKey?: string | undefined }; bus: { maxClockSkew: number } }): PlanReaderOptions {
  return { workflow: config.workflow, keys: verifyKeys(config.signing), maxClockSkew: config.bus.maxClockSkew };
}

/** The newest trusted revision a reader has seen: what a replayed older one is told apart by. */
interface Newest {
  epoch: string;
  version: number;
  at: number;
}

interface Verified {
  plan: string;
  revision: string | null;
  read: PlanRead;
}

/**
 * The one way an executor reads the plan: the current plan, or the plan of a version (for records
 * that entered on it). Each (epoch, version) is parsed and its signature verified once, then
 * kept (bounded). The current plan hash is read on every `current()`, since it is what changes;
 * its bytes are compared with what was verified, so an edit behind a verified revision is
 * verified again (and refused). An old version is read through the revision index.
 */
export class PlanReader {
  /** Plans parsed from Redis, and signature checks made: each once per (epoch, version) and bytes. */
  readonly counters = { reads: 0, verifications: 0 };
  /** Current plans refused as replays of an older signed revision. */
  replaysRefused = 0;
  readonly #current = new Map<string, Verified>();
  readonly #versions = new Map<number, Promise<PlanRead>>();
  readonly #max: number;
  /** Version 0: the config's own plan, the only one trusted without a revision. */
  readonly #baseline: Plan;
  /** The epoch of the plan last read: versions restart in a new lineage, so the version cache is dropped when it changes. */
  #epoch: string | undefined;
  #newest: Newest | undefined;

  constructor(
    private readonly store: PlanStore,
    private readonly options: PlanReaderOptions,
  ) {
    this.#max = options.maxCached ?? 64;
    this.#baseline = planFromConfig(options.workflow);
  }

  /** The current plan's version (one small read). */
  currentVersion(): Promise<number> {
    return this.store.currentVersion();
  }

  /**
   * The current plan with its revision and trust. Until the first revision: version 0, the
   * config's workflow with a fresh epoch each call (as `PlanStore.current()`).
   */
  async current(): Promise<PlanRead> {
    const stored = await this.store.stored();
    if (!stored) return this.#verify(this.store.initial(), undefined);
    if (this.#epoch !== stored.epoch) {
      if (this.#epoch !== undefined) this.#versions.clear();
      this.#epoch = stored.epoch;
    }
    const key = `${stored.epoch}\u0000${stored.version}`;
    const known = this.#current.get(key);
    let read: PlanRead;
    if (known && known.plan === stored.plan && known.revision === stored.revision) read = known.read;
    else {
      this.counters.reads++;
      const { plan, revision } = parseStored(stored);
      read = this.#verify(plan, revision);
      remember(this.#current, key, { plan: stored.plan, revision: stored.revision, read }, this.#max);
    }
    return this.#fresh(read);
  }

  /**
   * A signed revision proves who wrote it, not when: anyone who can write the plan hash could put
   * an older signed revision back and roll the world back with it. So the current plan must not be
   * older than the newest trusted one this reader has seen: in its lineage by version, and a new
   * lineage (after Redis lost its data) by the signed time of its revision, within the clock skew.
   */
  #fresh(read: PlanRead): PlanRead {
    const revision = read.revision;
    if (!read.trust.ok || !revision || keyCount(this.options.keys) === 0) return read;
    const epoch = revision.plan.epoch ?? '';
    const newest = this.#newest;
    if (newest) {
      if (epoch === newest.epoch && revision.version < newest.version) {
        this.replaysRefused++;
        return { ...read, trust: { ok: false, reason: `replayed: revision v${revision.version} is older than v${newest.version} of the same lineage, already seen` } };
      }
      if (epoch !== newest.epoch && revision.at + (this.options.maxClockSkew ?? 5000) < newest.at) {
        this.replaysRefused++;
        return { ...read, trust: { ok: false, reason: `replayed: revision v${revision.version} of lineage ${epoch || '(none)'} was signed at ${revision.at}, before v${newest.version} of lineage ${newest.epoch || '(none)'} (${newest.at}) already seen` } };
      }
    }
    if (!newest || epoch !== newest.epoch || revision.version > newest.version) this.#newest = { epoch, version: revision.version, at: revision.at };
    return read;
  }

  /**
   * The plan of a version: 0 is the config's workflow (without an epoch), the current version the
   * current plan, an older one its stored revision's plan. Throws AWO_PLAN_CONFLICT when the
   * version does not exist or is no longer stored. An untrusted plan is returned (with its
   * verdict) but not kept, so a later call reads it again.
   */
  atVersion(version: number): Promise<PlanRead> {
    const cached = this.#versions.get(version);
    if (cached) return cached;
    const loading = this.#load(version);
    loading.catch(() => undefined);
    remember(this.#versions, version, loading, this.#max);
    const forget = () => {
      if (this.#versions.get(version) === loading) this.#versions.delete(version);
    };
    loading.then((r) => !r.trust.ok && forget(), forget);
    return loading;
  }

  async #load(version: number): Promise<PlanRead> {
    if (version === 0) return this.#verify(this.#baseline, undefined);
    const current = await this.current();
    if (current.plan.version === version) return current;
    if (version > current.plan.version) throw new AwoError('AWO_PLAN_CONFLICT', `plan v${version} does not exist (the plan is at v${current.plan.version})`);
    const stored = await this.store.revision(version);
    if (!stored) throw new AwoError('AWO_PLAN_CONFLICT', `plan v${version} is no longer stored (the revisions stream was trimmed or lost)`);
    this.counters.reads++;
    return this.#verify(stored.revision.plan, stored.revision);
  }

  #verify(plan: Plan, revision: PlanRevision | undefined): PlanRead {
    this.counters.verifications++;
    return { plan, revision, trust: trustedPlan(plan, revision, this.options.keys, this.#baseline) };
  }
}

/** Sets `key` as the newest entry, dropping the oldest past `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
