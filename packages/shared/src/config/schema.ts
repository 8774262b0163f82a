import { z } from 'zod';
import { actionConfigSchema, poolSchema } from './actions.js';
import { apiSchema } from './api.js';
import { duration, healthSchema, name } from './fields.js';
import { goalSchema } from './goals.js';
import { sourceSchema } from './sources.js';
import { checkClusterQueues, checkGoals, checkSigning, checkWorkflow } from './refine.js';
import { MIN_KEY_LENGTH } from '../plan/keys.js';
import { workflowSchema } from './workflow.js';

export const redisSchema = z.strictObject({
  /** `redis://` or `rediss://` (TLS). Absent: a Redis on 127.0.0.1:6379, or a private one awo starts. */
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
  /**
   * Redis Cluster: the seed nodes (`host:port`, or a list in one string separated by commas, as
   * `AWO_REDIS_CLUSTER` gives it). Set, awo connects with ioredis' Cluster client (MOVED, ASK and
   * failover handled there) and `url` is not used; user, password and TLS apply to every node.
   */
  cluster: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v),
      z.array(z.string().regex(/^(rediss?:\/\/)?[^\s:/]+:\d{1,5}\/?$/, 'expected a seed node as host:port')).min(1, 'expected at least one seed node').max(64, 'expected at most 64 seed nodes'),
    )
    .optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  tls: z
    .strictObject({
      /** Path of a CA bundle (PEM) to trust. */
      ca: z.string().optional(),
      rejectUnauthorized: z.boolean().default(true),
      servername: z.string().optional(),
    })
    .optional(),
  connectTimeout: duration.default(5000),
  /** Give up a command after this long while disconnected (ioredis offline queue). */
  commandTimeout: duration.optional(),
});

export const busSchema = z.strictObject({
  /** Streams are trimmed to about this many entries (`XADD MAXLEN ~`). */
  maxLen: z.number().int().min(100).default(100_000),
  /** Publishes are gathered into pipelines of at most this many entries. */
  batchSize: z.number().int().min(1).max(10_000).default(500),
  /** How long a publish may wait for others to join its pipeline. */
  linger: duration.default(0),
  /** `XREADGROUP COUNT`. */
  readCount: z.number().int().min(1).max(10_000).default(500),
  /** `XREADGROUP BLOCK`. */
  block: duration.default(2000),
  /** Messages a consumer holds at once, read but not yet acked. */
  maxInFlight: z.number().int().min(1).default(1024),
  /** Concurrent handler calls per consumer. */
  concurrency: z.number().int().min(1).default(64),
  /** A message pending longer than this is claimed by a live consumer (`XAUTOCLAIM`). */
  claimMinIdle: duration.default(30_000),
  claimInterval: duration.default(5000),
  /** A message delivered more than this many times goes to the dead-letter stream. */
  maxDeliveries: z.number().int().min(1).default(5),
  ackInterval: duration.default(20),
  /** On close, in-flight handlers get this long to finish. */
  closeGrace: duration.default(10_000),
  /** An entry stamped more than this far ahead of the consumer's clock is dead-lettered (`AWO_CLOCK_SKEW`). */
  maxClockSkew: duration.default(5000),
  /**
   * Metrics partitions P: 1 (the default) keeps the single metrics stream; P > 1 sends a series
   * to partition fnv1a(series) mod P, each partition owned by one analyzer at a time (a lease).
   */
  partitions: z.number().int().min(1).max(1024).default(1),
});

export const telemetrySchema = z.strictObject({
  traces: z
    .strictObject({
      /** `otlp` exports by OTLP (endpoint and protocol from here or the OTEL_EXPORTER_OTLP_* variables). */
      exporter: z.enum(['none', 'otlp', 'console']).optional(),
      endpoint: z.url().optional(),
      protocol: z.enum(['http/protobuf', 'http/json']).optional(),
      sampleRatio: z.number().min(0).max(1).default(1),
    })
    .prefault({}),
  /** Recent spans are kept in a capped Redis stream so `awo trace` works without a collector. */
  spanStore: z.strictObject({ enabled: z.boolean().default(true), maxLen: z.number().int().min(100).default(50_000) }).prefault({}),
});

export const monitorSchema = z.strictObject({
  health: healthSchema.prefault({}),
  interval: duration.default(1000),
  sources: z.array(sourceSchema).default([]),
  /** A source that keeps failing is retried with backoff up to this long between tries. */
  maxBackoff: duration.default(30_000),
  /**
   * The lease a monitor holds on each source it samples (`<prefix>:monitor:lease:<source>`): with
   * several monitors, a dead one's sources are taken over within this long; renewed every quarter.
   */
  lease: duration.pipe(z.number().min(300, 'expected a lease of at least 300ms').max(600_000, 'expected a lease of at most 10m')).default(10_000),
});

/**
 * What bounds the series of one analyzer rule. A series is the metric's name plus the values of
 * the allowlisted labels; labels outside `labels` are dropped from its key, so by default every
 * label set of a name is one series. A new series past `maxSeries` (or past `analyzer.maxSeries`
 * over all rules) is refused: its points are skipped, counted in
 * `awo_analyzer_series_refused_total{rule}` and warned about at most every 10 s. A series
 * already admitted is never dropped to make room; only `analyzer.idleExpiry` frees its slot.
 */
const seriesBounds = {
  /** Most series this rule keeps at once. */
  maxSeries: z.number().int().min(1).default(1000),
  /** Labels whose values make series distinct (default none: one series per name). */
  labels: z.array(z.string().min(1)).default([]),
};

export const analyzerSchema = z
  .strictObject({
    health: healthSchema.prefault({}),
    /** Points kept per series. */
    window: z.number().int().min(16).max(100_000).default(720),
    /**
     * Most series kept at once over every rule; past it a new series is refused (never one
     * already admitted dropped for it).
     */
    maxSeries: z.number().int().min(1).default(10_000),
    /**
     * A series that sends no point for this long is forgotten (its state and its slot under the
     * limits are freed; if it comes back it starts learning afresh). Must be longer than every
     * forecast horizon; the default hour is far beyond the usual ones. This is the only way an
     * admitted series leaves: a flood of new series cannot push it out.
     */
    idleExpiry: duration.default(3_600_000),
    /**
     * With `bus.partitions` > 1: how long a partition lease lasts unrenewed (renewed every third
     * of it); a dead analyzer's partitions are taken over within it.
     */
    leaseTtl: duration.pipe(z.number().min(1000, 'at least 1s').max(600_000, 'at most 10m')).default(15_000),
    forecast: z
      .array(
        z.strictObject({
          /** A series name, or a pattern with `*`. */
          series: z.string().min(1),
          horizon: duration,
          /** The sampling step of the series (defaults to monitor.interval). */
          step: duration.optional(),
          /** Season length in points, or `auto` to find it by autocorrelation. */
          season: z.union([z.number().int().min(2), z.literal('auto')]).optional(),
          models: z.array(z.enum(['naive', 'seasonal-naive', 'linear-trend', 'holt-winters', 'damped-trend', 'theta', 'seasonal-naive-weekly', 'profile-daily', 'profile-weekly'])).optional(),
          ...seriesBounds,
        }),
      )
      .default([]),
    anomaly: z
      .array(
        z.strictObject({
          series: z.string().min(1),
          /**
           * `records` is the detector benchmarked on NAB (records of five statistics: daily
           * profile, spike, mean and median shift, volatility); `robust-z` and `ewma` are simple
           * threshold detectors (`threshold` applies to them).
           */
          detectors: z.array(z.enum(['records', 'robust-z', 'ewma'])).min(1).default(['records']),
          threshold: z.number().positive().optional(),
          ...seriesBounds,
        }),
      )
      .default([]),
    /** Distribution drift of a series (e.g. a record field's values) against a reference window. */
    drift: z
      .array(
        z.strictObject({
          series: z.string().min(1),
          method: z.enum(['psi', 'ks']).default('psi'),
          /** PSI, or −log10 of the KS p-value, at which the series has drifted. */
          threshold: z.number().positive().optional(),
          /** Points in the reference window (the first ones seen) and in the recent window. */
          reference: z.number().int().min(20).default(500),
          recent: z.number().int().min(20).default(200),
          ...seriesBounds,
        }),
      )
      .default([]),
  })
  .superRefine((a, ctx) => {
    a.forecast.forEach((r, i) => {
      if (r.horizon >= a.idleExpiry) ctx.addIssue({ code: 'custom', path: ['idleExpiry'], message: `expected idleExpiry longer than the horizon of forecast[${i}] (${r.horizon} ms)`, input: a.idleExpiry });
    });
  });

export const plannerSchema = z.strictObject({
  health: healthSchema.prefault({}),
  /** Leadership lease; a standby takes over within this long of the leader's death. */
  lease: duration.default(10_000),
  evaluateInterval: duration.default(1000),
  goals: z.array(goalSchema).default([]),
  /** Operators' overrides, rollbacks and proposals (see `Steering`). */
  steering: z
    .strictObject({
      /** Most override records kept at once (live and finished); a pin past it is refused (AWO_STEER_LIMIT). */
      maxOverrides: z.number().int().min(1).max(10_000).default(256),
      /** Most proposal records kept at once; a proposal past it is refused and counted. */
      maxProposals: z.number().int().min(1).max(10_000).default(128),
      /** Most rollback requests kept at once. */
      maxRollbacks: z.number().int().min(1).max(10_000).default(64),
      /** An open proposal expires after this long. */
      proposalTtl: duration.default(900_000),
      /** A finished record (removed, expired, superseded, applied, rejected, refused) is dropped after this long. */
      keepFinished: duration.default(86_400_000),
      /** The steering events stream (`stream:steering`) is trimmed to about this many entries. */
      eventsMaxLen: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
});

export const executorSchema = z.strictObject({
  health: healthSchema.prefault({}),
  concurrency: z.number().int().min(1).default(4),
  actions: z.record(name, actionConfigSchema).default({}),
  pools: z.record(name, poolSchema).default({}),
  attempts: z.number().int().min(1).default(3),
  /** First retry delay of a failed action; doubles with each attempt. */
  backoff: duration.default(1000),
  /** On close, running actions and pool jobs get this long to finish. */
  closeGrace: duration.default(10_000),
  /**
   * Level-triggered reconciliation: at start and this often, every actuator that can read its
   * world back (pools) is compared with the plan and a difference is corrected, whether or not a
   * revision arrives.
   */
  resync: duration.pipe(z.number().min(100, 'expected a resync interval of at least 100ms')).default(30_000),
  /**
   * Lease of a managed pool (and of the executor's membership): one executor at a time owns each
   * pool; when it dies another executor configured with the pool takes it over within this long.
   */
  poolLease: duration.pipe(z.number().min(300, 'expected a pool lease of at least 300ms')).default(10_000),
});

export const configSchema = z
  .strictObject({
    /** Every key awo writes starts with `<prefix>:`. */
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "." or "-"').default('awo'),
    redis: redisSchema.prefault({}),
    bus: busSchema.prefault({}),
    telemetry: telemetrySchema.prefault({}),
    log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    /** Port for `awo up`, where one process serves every agent's health. */
    health: healthSchema.prefault({}),
    /**
     * On SIGTERM/SIGINT, how long `awo up` / `awo <agent>` waits for its agents to drain before
     * it exits 1 anyway. Unset: `bus.closeGrace` + 5 s (see `shutdownTimeoutOf`).
     */
    shutdownTimeout: duration.optional(),
    /**
     * When an agent fails while running (its state becomes `failed`, e.g. the executor's action
     * worker loop stopped), the process drains the other agents and exits 1, so that systemd or
     * Kubernetes restarts it. `false` keeps it running with `/healthz` at 503.
     */
    exitOnFailure: z.boolean().default(true),
    workflow: workflowSchema.prefault({}),
    monitor: monitorSchema.prefault({}),
    analyzer: analyzerSchema.prefault({}),
    planner: plannerSchema.prefault({}),
    executor: executorSchema.prefault({}),
    /** `awo api` (and `awo up`): the HTTP API's address, tokens and bounds. */
    api: apiSchema.prefault({}),
    /**
     * NATS, where plan change notices travel (subject `<prefix>.plan`): after each commit the
     * leading planner publishes one, so `@awo/worker` members re-read the plan at once. Absent:
     * no notices; members still re-read the plan on their own timer. A notice is only a hint.
     */
    nats: z.strictObject({ servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) }).optional(),
    /**
     * Plan revisions are signed with HMAC-SHA256 when a key is given (from the environment
     * variable `keyEnv`, or the file `keyFile` that `awo keys init` writes); the executor and the
     * workers then act only on signed revisions. A key is required whenever a `command` or `http`
     * action is configured, or `required` is true. During a rotation a second key is accepted
     * (the file's second line, or the variable `previousKeyEnv`).
     */
    signing: z
      .strictObject({
        keyEnv: z.string().default('AWO_SIGNING_KEY'),
        previousKeyEnv: z.string().default('AWO_SIGNING_KEY_PREVIOUS'),
        keyFile: z.string().optional(),
        required: z.boolean().default(false),
        /** Resolved by the loader from keyEnv/keyFile; never written in the file. */
        key: z.string().min(MIN_KEY_LENGTH, `expected a signing key of at least ${MIN_KEY_LENGTH} characters`).optional(),
        /** The key before a rotation, still accepted when verifying; resolved by the loader. */
        previousKey: z.string().min(MIN_KEY_LENGTH, `expected a signing key of at least ${MIN_KEY_LENGTH} characters`).optional(),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    checkWorkflow(cfg, ctx);
    for (const [actionName, action] of Object.entries(cfg.executor.actions)) {
      if (action.kind === 'scale-bullmq-workers' && !(action.pool in cfg.executor.pools)) {
        ctx.addIssue({ code: 'custom', path: ['executor', 'actions', actionName, 'pool'], message: `expected a pool from executor.pools, got "${action.pool}"` });
      }
      if (action.kind === 'adaptive-workers' && !Object.hasOwn(cfg.workflow.steps, action.step)) {
        ctx.addIssue({ code: 'custom', path: ['executor', 'actions', actionName, 'step'], message: `expected a step of workflow.steps, got "${action.step}"` });
      }
    }
    checkGoals(cfg, ctx);
    checkSigning(cfg, ctx);
    checkClusterQueues(cfg, ctx);
    const names = new Set<string>();
    cfg.monitor.sources.forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['monitor', 'sources', i, 'name'], message: `expected a unique source name, "${s.name}" is used twice` });
      names.add(s.name);
    });
  });

/** The validated config: durations in ms, defaults applied. Frozen by the loader. */
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type BusConfig = z.infer<typeof busSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;

/** The bound on draining at shutdown: `shutdownTimeout`, or `bus.closeGrace` + 5 s when unset. */
export function shutdownTimeoutOf(config: Pick<Config, 'shutdownTimeout' | 'bus'>): number {
  return config.shutdownTimeout ?? config.bus.closeGrace + 5000;
}
