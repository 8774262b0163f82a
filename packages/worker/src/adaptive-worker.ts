import { context, SpanKind, type Span } from '@opentelemetry/api';
import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { AwoError, createRedis, errorMessage, inSpan, redisOptions, spanName, type Logger, type RedisClient } from '@awo/shared';
import { Adapter } from './adapter.js';
import type { AdaptOptions } from './options.js';

/** What a processor gets besides its job: never globals. */
export interface JobContext {
  /** BullMQ's signal (aborted when the job is cancelled), when it gives one. */
  signal: AbortSignal | undefined;
  /** The member's logger, with the job id; lines carry the job span's trace id. */
  log: Logger;
  /** The job's CONSUMER span (linked to the plan revision that set this member's concurrency). */
  span: Span;
}

export type Processor<T = unknown, R = unknown> = (job: Job<T, R>, ctx: JobContext) => Promise<R>;

export interface AdaptiveWorkerOptions<T = unknown, R = unknown> extends AdaptOptions {
  /** The BullMQ queue to work off. */
  queue: string;
  processor: Processor<T, R>;
  /** BullMQ's connection to the queue's Redis (default: the awo config's Redis). */
  connection?: ConnectionOptions;
  /** BullMQ's key prefix of the queue (BullMQ's default `bull`); on Redis Cluster it must hold a hash tag (`{bull}`). */
  queuePrefix?: string;
  /** Other BullMQ worker options (concurrency and autorun are the member's). */
  workerOptions?: Omit<WorkerOptions, 'connection' | 'concurrency' | 'autorun' | 'prefix'>;
  /** On close, in-flight jobs get this long to finish before the worker is closed by force (ms, default 10000). */
  closeGrace?: number;
}

/**
 * A BullMQ worker whose concurrency follows awo's plan: `new AdaptiveWorker({ step, queue,
 * processor, config })`, then `start()`; `close()` on SIGTERM (leaves the step, drains the jobs
 * in flight up to `closeGrace`, closes; idempotent). Until its first share it takes no jobs.
 */
export class AdaptiveWorker<T = unknown, R = unknown> implements AsyncDisposable {
  readonly worker: Worker<T, R>;
  readonly member: Adapter;
  readonly #grace: number;
  /** The Cluster client made for the worker (config `redis.cluster`), closed with it. */
  readonly #own: RedisClient | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: AdaptiveWorkerOptions<T, R>) {
    if (typeof options.processor !== 'function') throw new TypeError('AdaptiveWorker: processor: expected a function (job, ctx) => Promise');
    if (typeof options.queue !== 'string' || options.queue === '') throw new TypeError('AdaptiveWorker: queue: expected a queue name');
    this.#grace = options.closeGrace ?? 10_000;
    const cluster = options.connection === undefined && options.config.redis.cluster !== undefined;
    if (cluster && !/\{[^}]+\}/.test(options.queuePrefix ?? 'bull')) {
      throw new AwoError('AWO_CONFIG_INVALID', `AdaptiveWorker: queuePrefix: expected a prefix with a hash tag, such as "{${options.queuePrefix ?? 'bull'}}" (on Redis Cluster BullMQ needs a queue's keys in one slot), got "${options.queuePrefix ?? 'bull'}"`);
    }
    const connectionName = { blocking: true, name: `${options.config.prefix}:worker:${options.step}` };
    // On a cluster BullMQ takes a Cluster client (it duplicates it for its blocking reads); on one server, options.
    this.#own = cluster ? createRedis(options.config.redis, connectionName) : undefined;
    const connection = options.connection ?? this.#own ?? redisOptions(options.config.redis, connectionName);
    const processor = options.processor;
    this.worker = new Worker<T, R>(
      options.queue,
      async (job, _token, signal) => {
        const m = this.member;
        const started = performance.now();
        let ok = false;
        try {
          const out = await inSpan(m.tracer, spanName('process', options.queue), { kind: SpanKind.CONSUMER, attributes: m.jobAttributes(job as Job), links: m.links() }, (span) => processor(job, { signal, span, log: m.log.child({ jobId: job.id }) }), context.active());
          ok = true;
          return out;
        } finally {
          m.meter.record(performance.now() - started, ok);
        }
      },
      { ...options.workerOptions, connection, ...(options.queuePrefix !== undefined ? { prefix: options.queuePrefix } : {}), concurrency: 1, autorun: false },
    );
    const member = new Adapter(this.worker as Worker, options);
    this.member = member;
    this.worker.on('error', (err) => member.log.warn({ err: errorMessage(err) }, 'worker error'));
  }

  /** Joins the step and takes the share the plan gives it. Refuses to run twice. */
  start(): Promise<void> {
    return this.member.start();
  }

  /** The concurrency this worker runs now (0: paused). */
  get concurrency(): number {
    return this.member.concurrency;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.member.close();
      let timer: NodeJS.Timeout | undefined;
      const drained = this.worker.close().then(() => true);
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#grace)));
      const inTime = await Promise.race([drained, late]).catch((err: unknown) => {
        this.member.log.warn({ err: errorMessage(err) }, 'closing the worker failed');
        return true;
      });
      clearTimeout(timer);
      if (!inTime) {
        this.member.log.warn({ grace: this.#grace }, 'jobs still running after the close grace: closing the worker by force');
        await this.worker.close(true).catch(() => undefined);
      }
      await this.#own?.quit().catch(() => this.#own?.disconnect());
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Makes an existing BullMQ worker (the user's own) follow the plan: joins the step and sets the
 * worker's concurrency to its share from now on; its jobs are timed and traced through its
 * events. Returns the started member; `member.close()` leaves the step (the worker itself is
 * still the caller's to close).
 */
export async function adapt(worker: Worker, options: AdaptOptions): Promise<Adapter> {
  const member = new Adapter(worker, options);
  member.observeEvents();
  await member.start();
  return member;
}
