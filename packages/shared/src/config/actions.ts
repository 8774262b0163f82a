import { z } from 'zod';
import { duration, name } from './fields.js';
import { kubeconfigSchema, kubeTargetSchema } from './kube.js';

/** Actions the executor may run. Only actions named here can ever run, whatever a stream says. */
export const scaleActionSchema = z.strictObject({
  kind: z.literal('scale-bullmq-workers'),
  /** A pool from `executor.pools`. */
  pool: name,
});

export const httpActionSchema = z.strictObject({
  kind: z.literal('http'),
  url: z.url(),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration.default(10_000),
});

export const commandActionSchema = z.strictObject({
  kind: z.literal('command'),
  /** Absolute path of the executable: it runs without a shell. */
  executable: z.string().regex(/^\//, 'expected an absolute path'),
  /** Arguments; `{{step}}`, `{{param}}`, `{{value}}`, `{{version}}` are replaced, each as one argument. */
  args: z.array(z.string()).default([]),
  timeout: duration.default(30_000),
});

export const redisSetActionSchema = z.strictObject({
  kind: z.literal('redis-set'),
  /** The key to write; `{{step}}` and `{{param}}` are replaced. Written under the key prefix. */
  key: z.string().min(1),
  ttl: duration.optional(),
});

/**
 * `kubernetes-scale`: sets `spec.replicas` of the configured Deployment or StatefulSet through
 * its scale subresource (a JSON merge patch), within [min, max]. Transient answers (409, 429,
 * 5xx, network) are tried again `retries` times with backoff from `backoff` up to `maxBackoff`.
 */
export const kubernetesScaleActionSchema = z
  .strictObject({
    kind: z.literal('kubernetes-scale'),
    target: kubeTargetSchema,
    /** Absent: in-cluster credentials. */
    kubeconfig: kubeconfigSchema.optional(),
    min: z.number().int().min(0).default(0),
    max: z.number().int().min(0).max(100_000),
    /** Bound of one request to the API server. */
    timeout: duration.default(10_000),
    retries: z.number().int().min(0).max(20).default(5),
    backoff: duration.default(200),
    maxBackoff: duration.default(5000),
  })
  .refine((a) => a.min <= a.max, { message: 'expected min <= max', path: ['min'] });

/**
 * `adaptive-workers`: the step's `@awo/worker` members set their own concurrency from the signed
 * plan; the action waits until the live members' summed concurrency equals the plan's value, and
 * fails with a clear error after `timeout`. The world is read back from the members in Redis.
 */
export const adaptiveWorkersActionSchema = z.strictObject({
  kind: z.literal('adaptive-workers'),
  /** The step whose members to watch: the `step` option of its `@awo/worker` processes. */
  step: name,
  /** How long to wait for the members to reach the plan's value. */
  timeout: duration.default(30_000),
});

export const actionConfigSchema = z.discriminatedUnion('kind', [scaleActionSchema, httpActionSchema, commandActionSchema, redisSetActionSchema, kubernetesScaleActionSchema, adaptiveWorkersActionSchema]);

export const poolSchema = z.strictObject({
  queue: z.string().min(1),
  queuePrefix: z.string().optional(),
  /**
   * What runs each job: a module path (absolute, or relative to the working directory) whose
   * default export is `(job, signal) => Promise<unknown>`, or the name of a processor the caller
   * gives the executor (`ExecutorOptions.processors`, e.g. the simulated `sleep` of the demos).
   */
  processor: z.string().min(1),
  /** A new worker takes this long before it takes jobs (like a pod starting). */
  startupDelay: duration.default(0),
  initial: z.number().int().min(0).default(1),
  max: z.number().int().min(1).max(1000).default(64),
});

export type ActionConfig = z.infer<typeof actionConfigSchema>;
export type PoolConfig = z.infer<typeof poolSchema>;
export type KubernetesScaleActionConfig = z.infer<typeof kubernetesScaleActionSchema>;
