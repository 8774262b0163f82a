/** awo's own span attributes for the executor. The OpenTelemetry ones live in `@awo/shared` (`ATTR`). */
export const AWO_ATTR = {
  ACTION_ID: 'awo.action.id',
  ACTION_NAME: 'awo.action.name',
  ACTION_KIND: 'awo.action.kind',
  /** The newest plan's version (what the executor reconciles toward). */
  PLAN_VERSION: 'awo.plan.version',
  /** The version of the revision that was delivered. */
  REVISION_VERSION: 'awo.revision.version',
  /** Whether an enqueue created a new job (false: the job id existed already). */
  ACTION_CREATED: 'awo.action.created',
  STEP: 'awo.step',
  PARAM: 'awo.param',
  ACTION_COUNT: 'awo.actions.count',
  OUTCOME: 'awo.action.outcome',
  POOL: 'awo.pool',
  /** Retries a Kubernetes action took (409, 429, 5xx, network). */
  KUBE_RETRIES: 'awo.kubernetes.retries',
  /** OpenTelemetry's Kubernetes resource attributes, for the workload a kubernetes-scale action scales. */
  K8S_NAMESPACE: 'k8s.namespace.name',
  K8S_DEPLOYMENT: 'k8s.deployment.name',
  K8S_STATEFULSET: 'k8s.statefulset.name',
  /** What made a reconciliation run: `revision`, `start` or `resync`. */
  TRIGGER: 'awo.reconcile.trigger',
  /** Actions of a reconciliation that correct drift. */
  DRIFT_COUNT: 'awo.drift.count',
} as const;
