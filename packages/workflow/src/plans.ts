import { AwoError, planFromConfig, PlanStore, trustedPlan, type Plan, type VerifyKeys, type WorkflowConfig } from '@awo/shared';
import { unknownSteps } from './route.js';

/** Plans kept by version; a version never changes, so a cached one is always right. */
const MAX_CACHED = 64;

/**
 * The plans records run on, by version: the current one, or an older one a record entered with
 * (read back from its revision). A plan is used only when its revision's signature holds (with a
 * signing key) and it names no step the config does not declare.
 */
export class PlanVersions {
  readonly #cache = new Map<number, Promise<Plan>>();

  constructor(
    private readonly store: PlanStore,
    private readonly workflow: WorkflowConfig,
    private readonly signingKeys: VerifyKeys,
  ) {}

  /** The current plan version, read each time: a record entering after a commit takes the new route. */
  async currentVersion(): Promise<number> {
    return this.store.currentVersion();
  }

  /** The plan of a version; throws when it is gone, untrusted, or names undeclared steps. */
  get(version: number): Promise<Plan> {
    const cached = this.#cache.get(version);
    if (cached) return cached;
    const loading = this.#load(version);
    this.#remember(version, loading);
    loading.catch(() => this.#cache.delete(version));
    return loading;
  }

  async #load(version: number): Promise<Plan> {
    if (version === 0) return this.#check(planFromConfig(this.workflow), undefined);
    const { plan, revision } = await this.store.currentWithRevision();
    if (plan.version === version) return this.#check(plan, revision);
    if (version > plan.version) throw new AwoError('AWO_PLAN_CONFLICT', `plan v${version} does not exist (the plan is at v${plan.version})`);
    const stored = await this.store.revision(version);
    if (!stored) throw new AwoError('AWO_PLAN_CONFLICT', `plan v${version} is no longer stored (the revisions stream was trimmed or lost)`);
    return this.#check(stored.revision.plan, stored.revision);
  }

  #check(plan: Plan, revision: Parameters<typeof trustedPlan>[1]): Plan {
    const trust = trustedPlan(plan, revision, this.signingKeys, planFromConfig(this.workflow));
    if (!trust.ok) throw new AwoError('AWO_SIGNATURE_INVALID', `refusing plan v${plan.version}: ${trust.reason}`);
    const unknown = unknownSteps(plan, this.workflow);
    if (unknown.length > 0) throw new AwoError('AWO_PLAN_CONFLICT', `refusing plan v${plan.version}: steps ${unknown.join(', ')} are not in the config`);
    return plan;
  }

  #remember(version: number, plan: Promise<Plan>): void {
    plan.catch(() => undefined);
    this.#cache.delete(version);
    this.#cache.set(version, plan);
    if (this.#cache.size > MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value as number);
  }
}
