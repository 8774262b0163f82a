/** @awo/worker's own span attributes (the OpenTelemetry ones live in `@awo/shared`, `ATTR`). */
export const WORKER_ATTR = {
  STEP: 'awo.step',
  MEMBER: 'awo.worker.member',
  /** The BullMQ concurrency the member ran when the job started. */
  CONCURRENCY: 'awo.worker.concurrency',
  /** The plan version that set that concurrency (also on the link to its revision's span). */
  PLAN_VERSION: 'awo.plan.version',
} as const;
