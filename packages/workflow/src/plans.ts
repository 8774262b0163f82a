import { AwoError, type Plan, type PlanReader, type WorkflowConfig } from '@awo/shared';
import { unknownSteps } from './route.js';

/**
 * The plans records run on, by version: the current one, or an older one a record entered with,
 * through the executor's plan reader (which reads and verifies each version once). A plan is used
 * only when its revision's signature holds (with a signing key) and it names no step the config
 * does not declare.
 */
export class PlanVersions {
  constructor(
    private readonly reader: PlanReader,
    private readonly workflow: WorkflowConfig,
  ) {}

  /** The current plan version, read each time: a record entering after a commit takes the new route. */
  currentVersion(): Promise<number> {
    return this.reader.currentVersion();
  }

  /** The plan of a version; throws when it is gone, untrusted, or names undeclared steps. */
  async get(version: number): Promise<Plan> {
    const { plan, trust } = await this.reader.atVersion(version);
    if (!trust.ok) throw new AwoError('AWO_SIGNATURE_INVALID', `refusing plan v${plan.version}: ${trust.reason}`);
    const unknown = unknownSteps(plan, this.workflow);
    if (unknown.length > 0) throw new AwoError('AWO_PLAN_CONFLICT', `refusing plan v${plan.version}: steps ${unknown.join(', ')} are not in the config`);
    return plan;
  }
}
