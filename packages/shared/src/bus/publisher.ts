import type { z } from 'zod';
import { formatIssues } from '../config/load.js';
import { CATALOG, type Keys, type MessageInput, type StreamName } from '../contracts/index.js';
import { AwoError } from '../errors.js';
import { injectHeaders, type TraceHeaders } from '../telemetry/propagation.js';
import type { LeaseFence } from '../plan/lease.js';
import { runScript } from '../plan/scripts.js';
import { isCluster, type RedisClient } from '../redis.js';
import { groupBySlot } from '../slot.js';
import { encode } from './codec.js';
import { partitionOf } from './partition.js';
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
  /** Metrics partitions (`bus.partitions`): above 1, each metric goes to its series' partition stream. */
  partitions?: number;
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
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly options: PublisherOptions,
  ) {}

  publish<S extends StreamName>(stream: S, messages: MessageInput<S> | MessageInput<S>[], options: PublishOptions = {}): Promise<string[]> {
    if (this.#closed) return Promise.reject(new AwoError('AWO_AGENT_STATE', 'publisher is closed'));
    const list = Array.isArray(messages) ? messages : [messages];
    const schema = CATALOG[stream] as z.ZodType;
    const active = options.headers === undefined ? injectHeaders() : undefined;
    const entries: string[][] = [];
    const series: string[] = [];
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
      if (stream === 'metrics') series.push((result.data as { series: string }).series);
    }
    if (entries.length === 0) return Promise.resolve([]);
    const send = (key: string, list: string[][]): Promise<string[]> => (options.fence ? this.#fenced(key, list, options.fence) : this.#enqueue(key, list));
    const partitions = this.options.partitions ?? 1;
    if (stream !== 'metrics' || partitions <= 1) return send(this.keys.stream(stream), entries);
    // Partitioned metrics: grouped by partition, the ids given back in the caller's order.
    const byKey = new Map<string, number[]>();
    series.forEach((name, i) => {
      const key = this.keys.metricsPartition(partitionOf(name, partitions), partitions);
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    });
    return Promise.all([...byKey].map(([key, idx]) => send(key, idx.map((i) => entries[i] as string[])).then((ids) => ({ idx, ids })))).then((groups) => {
      const out: string[] = new Array(entries.length);
      for (const g of groups) g.idx.forEach((i, j) => (out[i] = g.ids[j] as string));
      return out;
    });
  }

  #enqueue(key: string, entries: string[][]): Promise<string[]> {
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

  /**
   * Adds the entries (batchSize a script call, `fenced-xadd-2`, in the stream's slot) only while
   * the lease is ours by our clock and its epoch is the newest the slot has seen, each tagged
   * with the token; once not, nothing more is added and the call rejects with `AWO_LEASE_LOST`.
   * Tracked in flight, so `close()` waits for it like a batch.
   */
  #fenced(key: string, entries: string[][], fence: LeaseFence): Promise<string[]> {
    const lost = (published: number, why: string) => new AwoError('AWO_LEASE_LOST', `refusing to publish to ${key}: the lease ${fence.key} ${why}`, { details: { lease: fence.key, published } });
    const run = async (): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < entries.length; i += this.options.batchSize) {
        if (!fence.held()) throw lost(ids.length, 'lapsed (not renewed within its ttl)');
        const slice = entries.slice(i, i + this.options.batchSize);
        const args: (string | number)[] = [fence.key, fence.epoch, fence.token, this.options.maxLen, slice.length];
        for (const fields of slice) args.push(fields.length, ...fields);
        try {
          ids.push(...((await runScript(this.redis, 'fenced-xadd-2', [this.keys.fence(key), key], args)) as string[]));
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('AWO_LEASE_LOST')) throw lost(ids.length, 'was taken by another holder');
          throw err;
        }
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
    // A Redis Cluster pipeline must stay on one node: one pipeline per slot there.
    if (isCluster(this.redis)) {
      for (const group of groupBySlot(chunks, (c) => c.key)) this.#send(group);
    } else this.#send(chunks);
  }

  #send(chunks: Chunk[]): void {
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
