import { externalReplicas, HPA_SYNC_SECONDS, HpaController, resourceReplicas } from './hpa.js';
import type { PoolSim, PoolView } from './sim.js';

/** An autoscaler that looks at the pool every `period` seconds and names the pool size it wants. */
export interface Policy {
  readonly name: string;
  /** Seconds between decisions; must divide 60. */
  readonly period: number;
  /** Keep per-interval waits in the simulator (for a wait p95 metric). */
  readonly sampleWaits?: boolean;
  /** The pool size to set at `view.now` (the current target when nothing changes). */
  decide(view: PoolView, sim: PoolSim): number;
  /** Settings and counters worth reporting. */
  describe(): Record<string, unknown>;
}

export interface HpaPolicyOptions {
  /** Report name (default `hpa`). */
  name?: string;
  /** Target utilisation of the ready pods, a fraction (the HPA's averageUtilization / 100). */
  targetUtilization: number;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * `hpa`: the Kubernetes HPA on a CPU-like utilisation. Every 15 s it reads the mean utilisation
 * of the ready workers over the last 15 s, busy-time / ready-time (a worker uses its whole CPU
 * request while it runs a job and none while idle; metrics-server's lag is left out, which favours
 * the HPA), with the starting workers as not-ready pods, and reconciles like the controller.
 */
export class HpaPolicy implements Policy {
  readonly name: string;
  readonly period = HPA_SYNC_SECONDS;
  readonly #controller: HpaController;
  #busy = 0;
  #ready = 0;

  constructor(readonly options: HpaPolicyOptions) {
    this.name = options.name ?? 'hpa';
    this.#controller = new HpaController({ minReplicas: options.minReplicas, maxReplicas: options.maxReplicas });
  }

  decide(view: PoolView): number {
    const busy = view.busySeconds - this.#busy;
    const ready = view.readySeconds - this.#ready;
    this.#busy = view.busySeconds;
    this.#ready = view.readySeconds;
    const utilization = ready > 0 ? busy / ready : 0;
    const proposal = resourceReplicas({ currentReplicas: view.target, readyPods: view.ready, unreadyPods: view.starting, utilization, target: this.options.targetUtilization });
    return this.#controller.reconcile(view.now, view.target, proposal);
  }

  describe(): Record<string, unknown> {
    return { metric: 'utilisation = busy / ready worker-time over the last 15 s', targetUtilization: this.options.targetUtilization, syncSeconds: HPA_SYNC_SECONDS, tolerance: 0.1, behavior: 'Kubernetes defaults: scale-down stabilisation 300 s, up max(4 pods, 100%) / 15 s, down 100% / 15 s' };
  }
}

export interface KedaPolicyOptions {
  /** Report name (default `keda`). */
  name?: string;
  /** Waiting jobs per worker the HPA aims at (the scaler's `listLength`). */
  listLength: number;
  minReplicas: number;
  maxReplicas: number;
  /** KEDA's pollingInterval, s (default 30). */
  pollingSeconds?: number;
}

/**
 * `keda`: a KEDA ScaledObject with a Redis-list style scaler. KEDA polls the queue length every
 * 30 s (the value the HPA reads between polls is the last one, as with cached metrics); the HPA
 * (15 s sync, default behaviour) scales on it as an external metric with an AverageValue target
 * of `listLength` waiting jobs per worker.
 */
export class KedaPolicy implements Policy {
  readonly name: string;
  readonly period = HPA_SYNC_SECONDS;
  readonly #controller: HpaController;
  readonly #polling: number;
  #lastPoll = Number.NEGATIVE_INFINITY;
  #metric = 0;

  constructor(readonly options: KedaPolicyOptions) {
    this.name = options.name ?? 'keda';
    this.#controller = new HpaController({ minReplicas: options.minReplicas, maxReplicas: options.maxReplicas });
    this.#polling = options.pollingSeconds ?? 30;
  }

  decide(view: PoolView): number {
    if (view.now - this.#lastPoll >= this.#polling - 1e-9) {
      this.#metric = view.backlog;
      this.#lastPoll = view.now;
    }
    const proposal = externalReplicas({ statusReplicas: view.target, value: this.#metric, targetAverageValue: this.options.listLength });
    return this.#controller.reconcile(view.now, view.target, proposal);
  }

  describe(): Record<string, unknown> {
    return { metric: 'waiting jobs (queue length), polled every 30 s', listLength: this.options.listLength, pollingSeconds: this.#polling, syncSeconds: HPA_SYNC_SECONDS, behavior: 'Kubernetes HPA defaults' };
  }
}

/** A fixed pool (a reference point, and handy in tests). */
export class FixedPolicy implements Policy {
  readonly name: string;
  readonly period = 60;

  constructor(readonly size: number) {
    this.name = `fixed-${size}`;
  }

  decide(): number {
    return this.size;
  }

  describe(): Record<string, unknown> {
    return { size: this.size };
  }
}
