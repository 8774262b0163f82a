import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { formatIssues } from '../config/load.js';
import { CATALOG, type Keys, type MessageInput, type StreamName } from '../contracts/index.js';
import { AwoError } from '../errors.js';
import { injectHeaders, type TraceHeaders } from '../telemetry/propagation.js';
import { encode } from './codec.js';
import type { PublishOptions } from './types.js';

interface Pending {
  key: string;
  fields: string[];
  resolve: (id: string) => void;
  reject: (err: Error) => void;
}

export interface PublisherOptions {
  maxLen: number;
  batchSize: number;
  /** ms a publish may wait for others to share its pipeline; 0 = until the end of this tick. */
  linger: number;
}

/**
 * Gathers publishes into pipelines of `XADD key MAXLEN ~ n * data ...`. Messages are validated
 * before they are queued: a producer that builds a bad message gets an error at once.
 */
export class Publisher {
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly options: PublisherOptions,
  ) {}

  publish<S extends StreamName>(stream: S, messages: MessageInput<S> | MessageInput<S>[], options: PublishOptions = {}): Promise<string[]> {
    if (this.#closed) return Promise.reject(new AwoError('AWO_AGENT_STATE', 'publisher is closed'));
    const list = Array.isArray(messages) ? messages : [messages];
    const schema = CATALOG[stream] as z.ZodType;
    const active = options.headers === undefined ? injectHeaders() : undefined;
    const key = this.keys.stream(stream);
    const promises: Promise<string>[] = [];
    const entries: Pending[] = [];
    for (let i = 0; i < list.length; i++) {
      const result = schema.safeParse(list[i]);
      if (!result.success) {
        const issues = formatIssues(result.error.issues);
        return Promise.reject(
          new AwoError('AWO_MESSAGE_INVALID', `refusing to publish an invalid ${stream} message: ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`, { details: { issues } }),
        );
      }
      const headers: TraceHeaders = active ?? (Array.isArray(options.headers) ? (options.headers[i] ?? {}) : (options.headers ?? {}));
      const fields = encode(result.data, headers);
      promises.push(new Promise<string>((resolve, reject) => entries.push({ key, fields, resolve, reject })));
    }
    this.#queue.push(...entries);
    this.#schedule();
    return Promise.all(promises);
  }

  #schedule(): void {
    if (this.#queue.length >= this.options.batchSize) {
      while (this.#queue.length >= this.options.batchSize) this.#flushBatch();
    }
    if (this.#queue.length === 0 || this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#timer = undefined;
      while (this.#queue.length > 0) this.#flushBatch();
    };
    if (this.options.linger > 0) this.#timer = setTimeout(run, this.options.linger);
    else setImmediate(run);
  }

  #flushBatch(): void {
    const batch = this.#queue.splice(0, this.options.batchSize);
    if (batch.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const p of batch) pipeline.xadd(p.key, 'MAXLEN', '~', this.options.maxLen, '*', ...p.fields);
    const done = pipeline.exec().then(
      (results) => {
        batch.forEach((p, i) => {
          const [err, id] = results?.[i] ?? [new Error('no reply from pipeline'), null];
          if (err) p.reject(err);
          else p.resolve(id as string);
        });
      },
      (err: Error) => batch.forEach((p) => p.reject(err)),
    );
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  /** Sends what is queued and waits for every pipeline in flight. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#scheduled = false;
    while (this.#queue.length > 0) this.#flushBatch();
    await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
