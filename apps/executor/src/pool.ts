import { Worker, type Job } from 'bullmq';
import { AwoError, errorMessage, type ConnectionOptions, type Keys, type Logger, type PoolConfig, type RedisClient } from '@awo/shared';
import { resolveProcessor, type PoolProcessor } from './processors.js';
import { within } from '@awo/shared';

/** Emitted when a pool worker starts a job: ground truth for wait-time percentiles. */
export interface JobStart {
  pool: string;
  queue: string;
  jobId: string;
  name: string;
  /** `processedOn − timestamp`: how long the job waited for a worker (ms). */
  waitMs: number;
  /** When the job started (epoch ms, `processedOn`). */
  startedAt: number;
}

export interface PoolDeps {
  /** Makes the pool's connection (BullMQ needs `blocking: true`: `maxRetriesPerRequest: null`). */
  connect(name: string, options?: ConnectionOptions): RedisClient;
  keys: Keys;
  log: Logger;
  /** On close, running jobs get this long to finish before they are aborted (ms, default 10 s). */
  closeGrace?: number;
  /** Processors by name, for a `processor` that names one instead of a module path. */
  processors?: Readonly<Record<string, PoolProcessor>>;
}

export type PoolState = 'idle' | 'starting' | 'running' | 'closing' | 'closed';

interface Slot {
  id: number;
  state: 'starting' | 'ready' | 'stopping';
  timer?: NodeJS.Timeout;
  worker?: Worker;
  /** Settles when the worker's connections are initialized (closing one before that leaks a rejection in BullMQ). */
  initialized?: Promise<unknown>;
  isInitialized?: boolean;
  busy: boolean;
}

/**
 * A pool of BullMQ workers that the executor scales, for `executor.pools.<name>`. Each worker is
 * one BullMQ `Worker` with concurrency 1, like one pod: a new one takes jobs only `startupDelay`
 * after it was asked for; one that is let go stops taking jobs at once and finishes its job.
 * (One Worker's `concurrency` cannot model this: it cannot be 0, and a raise takes effect only
 * when a running job ends.) The constructor does no I/O.
 */
export class ManagedPool implements AsyncDisposable {
  readonly queuePrefix: string;
  #state: PoolState = 'idle';
  #desired: number;
  #slots: Slot[] = [];
  #nextId = 1;
  /** Workers let go and still finishing their job. */
  readonly #stopping = new Map<Promise<void>, Worker>();
  readonly #listeners = new Set<(start: JobStart) => void>();
  readonly #abort = new AbortController();
  #busy = 0;
  #started = 0;
  #connection: RedisClient | undefined;
  #processor: PoolProcessor | undefined;
  #cost = 0;
  #costLevel = 0;
  #costSince = performance.now();
  #closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly config: PoolConfig,
    private readonly deps: PoolDeps,
  ) {
    if (config.initial > config.max) throw new AwoError('AWO_CONFIG_INVALID', `pool "${name}": initial ${config.initial} is more than max ${config.max}`);
    this.#desired = config.initial;
    this.queuePrefix = config.queuePrefix ?? deps.keys.queuePrefix(config.queue);
  }

  get state(): PoolState {
    return this.#state;
  }

  /** The most workers this pool may have. */
  get max(): number {
    return this.config.max;
  }

  /** Loads the processor, connects, and brings up the desired workers at once (they were already running). */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new AwoError('AWO_AGENT_STATE', `pool "${this.name}" cannot start: it is ${this.#state}`);
    this.#state = 'starting';
    const processor = await resolveProcessor(this.name, this.config.processor, this.deps.processors);
    if (this.#state !== 'starting') return; // closed while loading
    this.#processor = processor;
    this.#connection = this.deps.connect(`pool:${this.name}`, { blocking: true });
    this.#state = 'running';
    for (let i = 0; i < this.#desired; i++) this.#launch(this.#slot('starting'));
    this.#account();
  }

  /**
   * Sets the desired number of workers. New ones become ready after `startupDelay`; surplus ones
   * (starting first, then idle, then busy) stop taking jobs at once and finish what they run.
   */
  setSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.config.max) {
      throw new AwoError('AWO_ACTION_NOT_ALLOWED', `pool "${this.name}": expected a size from 0 to ${this.config.max}, got ${JSON.stringify(n)}`);
    }
    if (this.#state === 'closing' || this.#state === 'closed') throw new AwoError('AWO_AGENT_STATE', `pool "${this.name}" is ${this.#state}`);
    this.#desired = n;
    if (this.#state !== 'running') return;
    const live = this.#slots.filter((s) => s.state !== 'stopping');
    for (let i = live.length; i < n; i++) {
      const slot = this.#slot('starting');
      if (this.config.startupDelay <= 0) this.#launch(slot);
      else slot.timer = setTimeout(() => this.#launch(slot), this.config.startupDelay);
    }
    if (live.length > n) {
      const rank = (s: Slot) => (s.state === 'starting' ? 0 : s.busy ? 2 : 1);
      const victims = [...live].sort((a, b) => rank(a) - rank(b) || b.id - a.id).slice(0, live.length - n);
      for (const slot of victims) this.#retire(slot);
    }
    this.#account();
  }

  /** The desired number of workers. */
  size(): number {
    return this.#desired;
  }

  /** Workers taking jobs. */
  ready(): number {
    return this.#count('ready');
  }

  /** Workers asked for and not yet ready. */
  starting(): number {
    return this.#count('starting');
  }

  /** Workers let go and not yet closed (finishing their job). They count neither as ready nor as cost. */
  stopping(): number {
    return this.#count('stopping');
  }

  /** Workers running a job right now (including ones that are stopping). */
  busy(): number {
    return this.#busy;
  }

  /** Jobs started since `start()`. */
  jobsStarted(): number {
    return this.#started;
  }

  /** Cost: the integral over time of (ready + starting) workers, in worker-seconds. */
  workerSeconds(): number {
    return this.#cost + (this.#costLevel * (performance.now() - this.#costSince)) / 1000;
  }

  /** Calls `listener` each time a worker starts a job; returns the unsubscribe function. */
  onJobStart(listener: (start: JobStart) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Stops every worker, waits for running jobs up to the grace period, then aborts them. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closing';
    for (const slot of [...this.#slots]) this.#retire(slot);
    this.#account();
    const stopped = Promise.allSettled([...this.#stopping.keys()]);
    if (!(await within(stopped, this.deps.closeGrace ?? 10_000))) {
      this.deps.log.warn({ pool: this.name, busy: this.#busy }, 'pool close grace is over; aborting running jobs');
      this.#abort.abort(new AwoError('AWO_TIMEOUT', `pool "${this.name}" is closing`));
      for (const worker of this.#stopping.values()) worker.cancelAllJobs('pool closing');
      await within(stopped, 2000);
    }
    const connection = this.#connection;
    if (connection) await connection.quit().catch(() => connection.disconnect());
    this.#state = 'closed';
  }

  #slot(state: Slot['state']): Slot {
    const slot: Slot = { id: this.#nextId++, state, busy: false };
    this.#slots.push(slot);
    return slot;
  }

  #count(state: Slot['state']): number {
    let n = 0;
    for (const s of this.#slots) if (s.state === state) n++;
    return n;
  }

  /** Starts the BullMQ worker of a slot: from now on it takes jobs. */
  #launch(slot: Slot): void {
    slot.timer = undefined;
    if (slot.state !== 'starting' || this.#state !== 'running' || !this.#connection) return;
    const worker = new Worker(this.config.queue, (job: Job, _token?: string, signal?: AbortSignal) => this.#process(slot, job, signal), {
      connection: this.#connection,
      prefix: this.queuePrefix,
      concurrency: 1,
      autorun: false,
      name: `${this.name}-${slot.id}`,
    });
    worker.on('error', (err) => this.deps.log.warn({ pool: this.name, worker: slot.id, err: errorMessage(err) }, 'pool worker error'));
    slot.worker = worker;
    slot.initialized = worker.waitUntilReady().then(
      () => (slot.isInitialized = true),
      () => undefined,
    );
    slot.state = 'ready';
    worker.run().catch((err: unknown) => this.deps.log.error({ pool: this.name, worker: slot.id, err: errorMessage(err) }, 'pool worker stopped with an error'));
    this.#account();
  }

  /** Lets a slot go: a starting one is cancelled, a ready one stops taking jobs and finishes its job. */
  #retire(slot: Slot): void {
    const remove = () => {
      this.#slots = this.#slots.filter((s) => s !== slot);
    };
    if (slot.state === 'stopping') return;
    if (slot.state === 'starting' || !slot.worker) {
      if (slot.timer) clearTimeout(slot.timer);
      remove();
      return;
    }
    slot.state = 'stopping';
    const worker = slot.worker;
    // Close at once when we can: every tick of delay is a chance to take one more job.
    const closing = slot.isInitialized ? worker.close() : Promise.resolve(slot.initialized).then(() => worker.close());
    const stopping = closing
      .catch((err: unknown) => this.deps.log.warn({ pool: this.name, worker: slot.id, err: errorMessage(err) }, 'closing a pool worker failed'))
      .finally(remove);
    this.#stopping.set(stopping, worker);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }

  async #process(slot: Slot, job: Job, signal: AbortSignal | undefined): Promise<unknown> {
    slot.busy = true;
    this.#busy++;
    this.#started++;
    const startedAt = job.processedOn ?? Date.now();
    const start: JobStart = { pool: this.name, queue: this.config.queue, jobId: job.id ?? '', name: job.name, waitMs: Math.max(0, startedAt - job.timestamp), startedAt };
    for (const listener of this.#listeners) {
      try {
        listener(start);
      } catch (err) {
        this.deps.log.warn({ pool: this.name, err: errorMessage(err) }, 'a job-start listener threw');
      }
    }
    try {
      const processor = this.#processor as PoolProcessor;
      // BullMQ hands a signal to a processor of three parameters; close() aborts it via cancelAllJobs.
      return await processor(job, signal ?? this.#abort.signal);
    } finally {
      slot.busy = false;
      this.#busy--;
    }
  }

  /** Adds the cost since the last change, at the old level, and takes the new level. */
  #account(): void {
    const now = performance.now();
    this.#cost += (this.#costLevel * (now - this.#costSince)) / 1000;
    this.#costSince = now;
    this.#costLevel = this.#state === 'running' ? this.ready() + this.starting() : 0;
  }
}
