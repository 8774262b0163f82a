import { context, SpanKind, SpanStatusCode, type Attributes, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { Job, Worker } from 'bullmq';
import { spanName } from '@awo/shared';

/** What the jobs finished since the last report did: the figures a report publishes. */
export interface JobWindow {
  jobs: number;
  /** Mean processing time (ms) of those jobs; undefined when none finished. */
  meanMs: number | undefined;
  perSecond: number;
}

/** Counts finished jobs and their processing time, for the counters and the periodic report. */
export class JobMeter {
  readonly counters = { completed: 0, failed: 0 };
  #jobs = 0;
  #ms = 0;
  #since: number;

  constructor(now: number) {
    this.#since = now;
  }

  record(ms: number, ok: boolean): void {
    if (ok) this.counters.completed++;
    else this.counters.failed++;
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#jobs++;
    this.#ms += ms;
  }

  /** The window since the last call, and starts a new one. */
  take(now: number): JobWindow {
    const seconds = Math.max(0.001, (now - this.#since) / 1000);
    const out = { jobs: this.#jobs, meanMs: this.#jobs > 0 ? this.#ms / this.#jobs : undefined, perSecond: this.#jobs / seconds };
    this.#jobs = 0;
    this.#ms = 0;
    this.#since = now;
    return out;
  }
}

/**
 * The jobs of a worker seen through its events (`adapt()`: the processor is the user's): a
 * CONSUMER span and a timing from `active` to `completed`/`failed`. At most `max` jobs are
 * tracked at once; past it a job is counted (`untracked`), not tracked.
 */
export class EventSpans {
  untracked = 0;
  readonly #tracked = new Map<string, { span: Span; start: number }>();
  readonly #detach: () => void;

  constructor(
    private readonly worker: Worker,
    private readonly tracer: Tracer,
    private readonly max: number,
    private readonly meter: JobMeter,
    private readonly describe: (job: Job) => { attributes: Attributes; links: Link[] },
  ) {
    const active = (job: Job) => this.#start(job);
    const completed = (job: Job) => this.#end(job, undefined);
    const failed = (job: Job | undefined, err: Error) => this.#end(job, err);
    worker.on('active', active);
    worker.on('completed', completed);
    worker.on('failed', failed);
    this.#detach = () => {
      worker.off('active', active);
      worker.off('completed', completed);
      worker.off('failed', failed);
    };
  }

  #start(job: Job): void {
    if (this.#tracked.size >= this.max) {
      this.untracked++;
      return;
    }
    const { attributes, links } = this.describe(job);
    const span = this.tracer.startSpan(spanName('process', this.worker.name), { kind: SpanKind.CONSUMER, attributes, links }, context.active());
    this.#tracked.set(job.id ?? '', { span, start: performance.now() });
  }

  #end(job: Job | undefined, err: Error | undefined): void {
    const entry = job?.id !== undefined ? this.#tracked.get(job.id) : undefined;
    if (!job || !entry) return;
    this.#tracked.delete(job.id as string);
    const ms = job.processedOn !== undefined && job.finishedOn !== undefined ? job.finishedOn - job.processedOn : performance.now() - entry.start;
    this.meter.record(ms, !err);
    if (err) {
      entry.span.recordException(err);
      entry.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    }
    entry.span.end();
  }

  /** Stops listening; spans still open are ended. */
  close(): void {
    this.#detach();
    for (const { span } of this.#tracked.values()) span.end();
    this.#tracked.clear();
  }
}
