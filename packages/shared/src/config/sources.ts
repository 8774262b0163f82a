import { z } from 'zod';
import { duration } from './fields.js';
import { kubeconfigSchema, kubeTargetSchema } from './kube.js';

const common = {
  /** Series names start with `<kind>.<name>.`; the name must be unique among sources (no dots, so names stay unambiguous). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_:-]{0,99}$/, 'expected a name of letters, digits, "_", ":" or "-" (no dots; at most 100)'),
  interval: duration.optional(),
  labels: z.record(z.string(), z.string()).default({}),
};

export const bullmqSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('bullmq'),
  queue: z.string().min(1),
  /** BullMQ key prefix of the queue (BullMQ's own default is `bull`). */
  queuePrefix: z.string().optional(),
  /** At most this many job starts are read per sample to compute wait percentiles. */
  waitSample: z.number().int().min(10).max(10_000).default(1000),
});

export const redisStreamSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('redis-stream'),
  stream: z.string().min(1),
  group: z.string().optional(),
});

export const natsSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('nats'),
  servers: z.union([z.string(), z.array(z.string())]).default('nats://127.0.0.1:4222'),
  subject: z.string().min(1).optional(),
  stream: z.string().optional(),
  consumer: z.string().optional(),
}).refine((s) => s.subject !== undefined || (s.stream !== undefined && s.consumer !== undefined), {
  message: 'expected a subject, or a JetStream stream and consumer',
});

export const systemSourceSchema = z.strictObject({ ...common, kind: z.literal('system') });

export const httpJsonSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('http-json'),
  url: z.url(),
  /** Dotted path to the value in the JSON body, e.g. `data.queue.depth` or `items.0.value`. */
  path: z.string().min(1),
  metric: z.string().default('value'),
  timeout: duration.default(5000),
});

export const prometheusSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('prometheus'),
  url: z.url(),
  /** Series to pick from the exposition: a metric name, optionally with label matchers. */
  series: z.array(z.strictObject({ metric: z.string().min(1), labels: z.record(z.string(), z.string()).default({}), as: z.string().optional() })).min(1),
  timeout: duration.default(5000),
});

/**
 * Samples the records entering a workflow step (the executor taps them into the stream
 * `records.<step>`) and publishes their data-quality metrics against `workflow.schema`.
 */
export const recordsSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('records'),
  step: z.string().min(1),
  /** Share of the records entering the step that are tapped. */
  sample: z.number().gt(0).lte(1).default(1),
  /** At most this many records are read per sample. */
  maxRecords: z.number().int().min(1).max(100_000).default(5000),
  /** Number fields whose values are published as `records.<name>.value.<field>` (for drift). */
  values: z.array(z.string().min(1)).default([]),
  /** At most this many values per field per sample. */
  maxValues: z.number().int().min(1).max(10_000).default(200),
  /** Keys remembered for the duplicate rate. */
  recentKeys: z.number().int().min(1).default(100_000),
});

/**
 * Reads the replicas of Deployments and StatefulSets (apps/v1): each target's
 * `kubernetes.<name>.<target>.{spec_replicas,status_replicas,ready_replicas}`, where `<target>`
 * is the target's `as`, else its name.
 */
export const kubernetesSourceSchema = z
  .strictObject({
    ...common,
    kind: z.literal('kubernetes'),
    /** Absent: in-cluster credentials. */
    kubeconfig: kubeconfigSchema.optional(),
    targets: z
      .array(kubeTargetSchema.extend({ as: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'expected letters, digits, "_" or "-" (no dots; at most 63)').optional() }))
      .min(1)
      .max(100),
    /** Bound of one request to the API server. */
    timeout: duration.default(5000),
  })
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.targets.forEach((t, i) => {
      const id = t.as ?? t.name;
      const first = seen.get(id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['targets', i, 'as'], message: `expected a unique series name per target: "${id}" is also targets.${first}; set "as"` });
      else seen.set(id, i);
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(id)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'as'], message: `the name "${id}" has a dot; set "as" to a name without dots for its series` });
    });
  });

export const sourceSchema = z.discriminatedUnion('kind', [
  recordsSourceSchema,
  bullmqSourceSchema,
  redisStreamSourceSchema,
  natsSourceSchema,
  systemSourceSchema,
  httpJsonSourceSchema,
  prometheusSourceSchema,
  kubernetesSourceSchema,
]);

export type SourceConfig = z.infer<typeof sourceSchema>;
export type BullmqSourceConfig = z.infer<typeof bullmqSourceSchema>;
export type RedisStreamSourceConfig = z.infer<typeof redisStreamSourceSchema>;
export type NatsSourceConfig = z.infer<typeof natsSourceSchema>;
export type SystemSourceConfig = z.infer<typeof systemSourceSchema>;
export type HttpJsonSourceConfig = z.infer<typeof httpJsonSourceSchema>;
export type RecordsSourceConfig = z.infer<typeof recordsSourceSchema>;
export type PrometheusSourceConfig = z.infer<typeof prometheusSourceSchema>;
export type KubernetesSourceConfig = z.infer<typeof kubernetesSourceSchema>;
