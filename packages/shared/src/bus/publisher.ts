import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { formatIssues } from '../config/load.js';
import { CATALOG, type Keys, type MessageInput, type StreamName } from '../contracts/index.js';
import { AwoError } from '../errors.js';
import { injectHeaders, type TraceHeaders } from '../telemetry/propagation.js';
import { runScript } from '../plan/scripts.js';
import { encode } from './codec.js';
import type { PublishOptions } from './types.js';

/** Entries of one publish call that travel in one pipeline, settled together. */
interface Chunk {
  key: string;
  entries: string[][];
  resolve: (ids: string[]) => void;
  reject: (err: Error) => void;
}

export interface PublisherOptions {
  maxLen: number;
  batchSize: number;
  /** ms a publish may wait for others to share its pipeline; 0 = until the end of this tick. */
  linger: number;
}

/**
 * Gathers publishes into pipelines of `XADD key MAXLEN ~ n * data ...` of at most batchSize
 * entries. Messages are validated before they are queued: a producer that builds a bad message
 * gets an error at once, and nothing of that call is sent.
 */
export class Publisher {
  #queue: Chunk[] = [];
  #queued = 0;
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
    const entries: string[][] = [];
    for (let i = 0; i < list.length; i++) {
      const result = schema.safeParse(list[i]);
      if (!result.success) {
        const issues = formatIssues(result.error.issues);
        if (options.onInvalid) {
          options.onInvalid(i, issues);
          continue;
        }
        return Promise.reject(
          new AwoError('AWO_MESSAGE_INVALID', `refusing to publish an invalid ${stream} message: ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`, { details: { issues } }),
        );
      }
      const headers: TraceHeaders = active ?? (Array.isArray(options.headers) ? (options.headers[i] ?? {}) : (options.headers ?? {}));
      entries.push(encode(result.data, headers));
    }
    if (entries.length === 0) return Promise.resolve([]);
    const key = this.keys.stream(stream);
    if (options.fence) return this.#fenced(key, entries, options.fence);
    const parts: Promise<string[]>[] = [];
    for (let i = 0; i < entries.length; i += this.options.batchSize) {
      const slice = entries.slice(i, i + this.options.batchSize);
      parts.push(new Promise<string[]>((resolve, reject) => this.#queue.push({ key, entries: slice, resolve, reject })));
      this.#queued += slice.length;
    }
    this.#schedule();
    return parts.length === 1 ? (parts[0] as Promise<string[]>) : Promise.all(parts).then((p) => p.flat());
  }

  #schedule(): void {
    while (this.#queued >= this.options.batchSize) this.#flushBatch();
    if (this.#queued === 0 || this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#timer = undefined;
      while (this.#queued > 0) this.#flushBatch();
    };
    if (this.options.linger > 0) this.#timer = setTimeout(run, this.options.linger);
    else setImmediate(run);
  }

  /** Adds the entries (batchSize a script call) only while the lease holds the token; refuses the rest once it does not. */
  #fenced(key: string, entries: string[][], fence: { key: string; token: string }): Promise<string[]> {
    const run = async (): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < entries.length; i += this.options.batchSize) {
        const args: (string | number)[] = [fence.token, this.options.maxLen];
        for (const fields of entries.slice(i, i + this.options.batchSize)) args.push(fields.length, ...fields);
        const reply = await runScript(this.redis, 'lease-xadd-2', [fence.key, key], args);
        if (!Array.isArray(reply)) throw new AwoError('AWO_LEASE_LOST', `refusing to publish to ${key}: the lease ${fence.key} is not held by this publisher`, { details: { lease: fence.key, published: ids.length } });
        ids.push(...(reply as string[]));
      }
      return ids;
    };
    const done = run();
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.finally(() => this.#inFlight.delete(settled));
    return done;
  }

  /** Sends queued chunks, up to about batchSize entries, as one pipeline. */
  #flushBatch(): void {
    const chunks: Chunk[] = [];
    let size = 0;
    while (this.#queue.length > 0 && (size === 0 || size + (this.#queue[0] as Chunk).entries.length <= this.options.batchSize)) {
      const chunk = this.#queue.shift() as Chunk;
      chunks.push(chunk);
      size += chunk.entries.length;
    }
    this.#queued -= size;
    if (size === 0) return;
    const pipeline = this.redis.pipeline();
    const maxLen = this.options.maxLen;
    for (const c of chunks) {
      for (const fields of c.entries) {
        if (fields.length === 2) pipeline.xadd(c.key, 'MAXLEN', '~', maxLen, '*', fields[0] as string, fields[1] as string);
        else pipeline.xadd(c.key, 'MAXLEN', '~', maxLen, '*', ...fields);
      }
    }
    const done = pipeline.exec().then(
      (results) => {
        let i = 0;
        for (const c of chunks) {
          const ids: string[] = new Array(c.entries.length);
          let failure: Error | null = null;
          for (let j = 0; j < c.entries.length; j++, i++) {
            const [err, id] = results?.[i] ?? [new Error('no reply from pipeline'), null];
            if (err) failure ??= err;
            ids[j] = id as string;
          }
          if (failure) c.reject(failure);
          else c.resolve(ids);
        }
      },
      (err: Error) => chunks.forEach((c) => c.reject(err)),
    );
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  /** Sends what is queued and waits for every pipeline in flight. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#scheduled = false;
    while (this.#queued > 0) this.#flushBatch();
    await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
