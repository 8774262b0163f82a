/**
 * The Kubernetes Horizontal Pod Autoscaler's decision logic, as in
 * `pkg/controller/podautoscaler` (replica_calculator.go and horizontal.go, autoscaling/v2 with
 * `behavior`, Kubernetes 1.27+), reduced to one metric and one target:
 *
 * 1. The metric's proposal: for a resource utilisation target, {@link resourceReplicas}; for an
 *    external metric with an AverageValue target (what KEDA creates), {@link externalReplicas}.
 *    Both keep the current count when the usage ratio is within the tolerance (10%).
 * 2. Stabilisation ({@link HpaController.reconcile}): the recommendation is held between the
 *    lowest recommendation of the scale-up window (default 0 s) and the highest of the scale-down
 *    window (default 300 s); the unstabilised recommendation is recorded.
 * 3. Rate limits: scale up to at most max(period-start + 4 pods, period-start × 2) per 15 s, down
 *    by at most 100% per 15 s (the default policies), the period start being the current count
 *    minus what was added (plus what was removed) within the policy period; then min and max.
 *
 * Times are seconds. Each comparison with a window keeps the controller's strictness
 * (`timestamp.After(cutoff)`): a record exactly one window old is out of it.
 */

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

export interface HpaBehavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** The defaults the API server fills in (`SetDefaults_HorizontalPodAutoscalerBehavior`). */
export const DEFAULT_BEHAVIOR: HpaBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
};

/** The controller's default `--horizontal-pod-autoscaler-tolerance`. */
export const DEFAULT_TOLERANCE = 0.1;

/** The default `--horizontal-pod-autoscaler-sync-period`, s. */
export const HPA_SYNC_SECONDS = 15;

export interface ResourceMetricInput {
  /** The scale target's spec.replicas. */
  currentReplicas: number;
  /** Pods that are ready and have a metric. */
  readyPods: number;
  /** Pods not ready yet (starting); set aside, counted as 0% usage on a scale-up. */
  unreadyPods: number;
  /** Mean utilisation of the ready pods, as a fraction of the request (e.g. 0.85). */
  utilization: number;
  /** Target utilisation, as a fraction (e.g. 0.7). */
  target: number;
  tolerance?: number;
}

/**
 * `GetResourceReplicas`: desired = ceil(usageRatio × readyPods) with usageRatio = utilisation /
 * target, or the current count within the tolerance. With unready pods and usageRatio > 1, the
 * ratio is recomputed with them at 0% and the scale-up only happens if it survives that
 * (outside the tolerance, same direction): desired = ceil(newRatio × (ready + unready)).
 * No metrics missing is assumed (every ready pod reports).
 */
export function resourceReplicas(m: ResourceMetricInput): number {
  const tolerance = m.tolerance ?? DEFAULT_TOLERANCE;
  if (m.readyPods <= 0) return m.currentReplicas; // "did not receive metrics for any ready pods"
  const usageRatio = m.utilization / m.target;
  const rebalanceIgnored = m.unreadyPods > 0 && usageRatio > 1;
  if (!rebalanceIgnored) {
    if (Math.abs(1 - usageRatio) <= tolerance) return m.currentReplicas;
    return Math.ceil(usageRatio * m.readyPods);
  }
  const pods = m.readyPods + m.unreadyPods;
  const newUsageRatio = (m.utilization * m.readyPods) / (m.target * pods);
  if (Math.abs(1 - newUsageRatio) <= tolerance || newUsageRatio < 1) return m.currentReplicas;
  const newReplicas = Math.ceil(newUsageRatio * pods);
  if (newReplicas < m.currentReplicas) return m.currentReplicas;
  return newReplicas;
}

export interface ExternalMetricInput {
  /** hpa.status.currentReplicas. */
  statusReplicas: number;
  /** The metric's value (summed over its series), e.g. the queue length. */
  value: number;
  /** The AverageValue target per pod. */
  targetAverageValue: number;
  tolerance?: number;
}

/**
 * `GetExternalPerPodMetricReplicas`: usageRatio = value / (target × statusReplicas); outside the
 * tolerance, desired = ceil(value / target), else statusReplicas.
 */
export function externalReplicas(m: ExternalMetricInput): number {
  const tolerance = m.tolerance ?? DEFAULT_TOLERANCE;
  const usageRatio = m.value / (m.targetAverageValue * m.statusReplicas);
  if (Math.abs(1 - usageRatio) > tolerance) return Math.ceil(m.value / m.targetAverageValue);
  return m.statusReplicas;
}

interface Recommendation {
  value: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** The per-HPA state of the controller: recorded recommendations and scale events. */
export class HpaController {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: HpaBehavior;
  readonly #recommendations: Recommendation[] = [];
  readonly #upEvents: ScaleEvent[] = [];
  readonly #downEvents: ScaleEvent[] = [];

  constructor(opts: { minReplicas: number; maxReplicas: number; behavior?: HpaBehavior }) {
    if (!(opts.minReplicas >= 1 && opts.maxReplicas >= opts.minReplicas)) throw new RangeError(`expected 1 <= minReplicas <= maxReplicas, got ${opts.minReplicas}, ${opts.maxReplicas}`);
    this.minReplicas = opts.minReplicas;
    this.maxReplicas = opts.maxReplicas;
    this.behavior = opts.behavior ?? DEFAULT_BEHAVIOR;
  }

  /**
   * One `reconcileAutoscaler` at time `now` (s): the metric's proposal in, the new
   * spec.replicas out (equal to `current` when nothing changes). Records the scale event.
   */
  reconcile(now: number, current: number, proposal: number): number {
    if (this.#recommendations.length === 0) this.#recommendations.push({ value: current, at: now });
    let desired: number;
    if (current > this.maxReplicas) desired = this.maxReplicas;
    else if (current < this.minReplicas) desired = this.minReplicas;
    else {
      const stabilized = this.#stabilize(now, current, proposal);
      desired = this.#limitRate(now, current, stabilized);
    }
    if (desired !== current) this.#storeEvent(now, current, desired);
    return desired;
  }

  #stabilize(now: number, current: number, desired: number): number {
    const { scaleUp, scaleDown } = this.behavior;
    const upCutoff = now - scaleUp.stabilizationWindowSeconds;
    const downCutoff = now - scaleDown.stabilizationWindowSeconds;
    let up = desired;
    let down = desired;
    let oldIndex = -1;
    this.#recommendations.forEach((r, i) => {
      if (r.at > upCutoff) up = Math.min(up, r.value);
      if (r.at > downCutoff) down = Math.max(down, r.value);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let recommendation = current;
    if (recommendation < up) recommendation = up;
    if (recommendation > down) recommendation = down;
    const record = { value: desired, at: now };
    if (oldIndex >= 0) this.#recommendations[oldIndex] = record;
    else this.#recommendations.push(record);
    return recommendation;
  }

  #limitRate(now: number, current: number, desired: number): number {
    if (desired > current) {
      const limit = Math.max(current, this.#scaleUpLimit(now, current));
      const maximum = Math.min(this.maxReplicas, limit);
      return desired > maximum ? maximum : desired;
    }
    if (desired < current) {
      const limit = Math.min(current, this.#scaleDownLimit(now, current));
      const minimum = Math.max(this.minReplicas, limit);
      return desired < minimum ? minimum : desired;
    }
    return desired;
  }

  #scaleUpLimit(now: number, current: number): number {
    const rules = this.behavior.scaleUp;
    if (rules.selectPolicy === 'Disabled') return current;
    let result = rules.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (const p of rules.policies) {
      const start = current - changeInPeriod(now, p.periodSeconds, this.#upEvents) + changeInPeriod(now, p.periodSeconds, this.#downEvents);
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  #scaleDownLimit(now: number, current: number): number {
    const rules = this.behavior.scaleDown;
    if (rules.selectPolicy === 'Disabled') return current;
    let result = rules.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (const p of rules.policies) {
      const start = current - changeInPeriod(now, p.periodSeconds, this.#upEvents) + changeInPeriod(now, p.periodSeconds, this.#downEvents);
      const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  #storeEvent(now: number, prev: number, next: number): void {
    const up = next > prev;
    const events = up ? this.#upEvents : this.#downEvents;
    const rules = up ? this.behavior.scaleUp : this.behavior.scaleDown;
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds));
    let old = -1;
    events.forEach((e, i) => {
      if (e.at < now - longest) e.outdated = true;
      if (e.outdated) old = i;
    });
    const event = { change: Math.abs(next - prev), at: now, outdated: false };
    if (old >= 0) events[old] = event;
    else events.push(event);
  }
}

function changeInPeriod(now: number, periodSeconds: number, events: readonly ScaleEvent[]): number {
  let sum = 0;
  for (const e of events) if (e.at > now - periodSeconds) sum += e.change;
  return sum;
}
