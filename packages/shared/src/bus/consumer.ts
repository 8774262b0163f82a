import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { BusConfig } from '../config/schema.js';
import type { Keys, StreamName } from '../contracts/index.js';
import { errorMessage, type Issue } from '../errors.js';
import { retryDelay, type RetryPolicy } from '../math.js';
import { AckBuffer } from './acks.js';
import { decode, rawFields } from './codec.js';
import type { Publisher } from './publisher.js';
import type { BatchHandler, ConsumeOptions, Consumer, ConsumerStats, Delivery, Handler, HandlerContext } from './types.js';
import { delay, Semaphore } from './util.js';

/** Backoff of a consumer whose stream reads fail: 200 ms doubling to 5 s. */
const READ_RETRY: RetryPolicy = { initial: 200, max: 5000 };

type Entry = [id: string, fields: string[] | null];
type Settings = BusConfig;

/**
 * One consumer in a consumer group. Reads with `XREADGROUP BLOCK COUNT` on its own connection,
 * holds at most `maxInFlight` unacked messages, acks (batched) only after the handler succeeded,
 * claims what dead consumers left pending (`XAUTOCLAIM`), and dead-letters bad or poison entries.
 */
export class StreamConsumer<S extends StreamName> implements Consumer {
  readonly stats: ConsumerStats = { delivered: 0, acked: 0, failed: 0, deadLettered: 0, claimed: 0, filtered: 0, inFlight: 0 };
  readonly #key: string;
  readonly #settings: Settings;
  readonly #abort = new AbortController();
  readonly #handlerAbort = new AbortController();
  readonly #acks: AckBuffer;
  readonly #slots: Semaphore;
  readonly #local = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  #capacityWaiters: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  #claimTimer: NodeJS.Timeout | undefined;
  #claiming = false;
  #closing: Promise<void> | undefined;
  readonly #log: Logger;

  constructor(
    private readonly stream: S,
    private readonly options: ConsumeOptions<S>,
    private readonly deps: { redis: RedisClient; reader: RedisClient; keys: Keys; publisher: Publisher; log: Logger; settings: Settings; now: () => number; onClosed?: () => void; onDeadLettered?: () => void },
  ) {
    this.#key = options.partition === undefined ? deps.keys.stream(stream) : deps.keys.metricsPartition(options.partition, deps.settings.partitions);
    this.#settings = { ...deps.settings, ...stripUndefined(options) } as Settings;
    this.#log = deps.log.child({ stream, group: options.group, consumer: options.consumer });
    this.#acks = new AckBuffer(deps.redis, this.#key, options.group, this.#settings.ackInterval, (n) => (this.stats.acked += n), this.#log);
    this.#slots = new Semaphore(options.batchHandler ? 1 : this.#settings.concurrency);
  }

  /** Creates the group (and the stream) if missing, then starts reading and claiming. */
  async start(): Promise<void> {
    await this.#ensureGroup();
    this.#loop = this.#readLoop();
    this.#claimTimer = setInterval(() => void this.#claimOnce(), this.#settings.claimInterval);
    this.#claimTimer.unref();
  }

  async #ensureGroup(): Promise<void> {
    try {
      await this.deps.redis.xgroup('CREATE', this.#key, this.options.group, this.options.startId ?? '0', 'MKSTREAM');
    } catch (err) {
      if (!errorMessage(err).includes('BUSYGROUP')) throw err;
    }
  }

  async #readLoop(): Promise<void> {
    let failures = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await this.#capacity();
      if (signal.aborted) break;
      const count = Math.min(this.#settings.readCount, this.#settings.maxInFlight - this.stats.inFlight);
      let reply: [string, Entry[]][] | null;
      try {
        // Raced with the close: on a Cluster client a read queued during a failover is not
        // rejected by disconnect(), and the loop must not wait for it (what it was handed stays
        // pending, for a live consumer to claim).
        reply = (await untilAborted(this.deps.reader.xreadgroup('GROUP', this.options.group, this.options.consumer, 'COUNT', count, 'BLOCK', this.#settings.block, 'STREAMS', this.#key, '>'), signal)) as [string, Entry[]][] | null;
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const message = errorMessage(err);
        if (message.includes('NOGROUP')) {
          // The stream or group vanished (Redis restarted without persistence, or a trim of
          // everything): recreate it once and go on.
          this.#log.warn({ err: message }, 'stream or group missing; recreating it');
          await this.#ensureGroup().catch((e: unknown) => this.#log.error({ err: errorMessage(e) }, 'recreating the group failed'));
        } else if (failures === 1 || failures % 20 === 0) {
          this.#log.error({ err: message, failures }, 'reading the stream failed; retrying with backoff');
        }
        await delay(retryDelay(failures, READ_RETRY), signal);
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length > 0) this.#dispatch(entries.map(([id, fields]) => ({ id, fields, deliveries: 1 })));
    }
  }

  /** Waits until fewer than maxInFlight messages are held. */
  #capacity(): Promise<void> {
    if (this.stats.inFlight < this.#settings.maxInFlight) return Promise.resolve();
    return new Promise((resolve) => this.#capacityWaiters.push(resolve));
  }

  #release(n: number): void {
    this.stats.inFlight -= n;
    const waiters = this.#capacityWaiters;
    this.#capacityWaiters = [];
    for (const w of waiters) w();
  }

  #dispatch(items: { id: string; fields: string[] | null; deliveries: number }[]): void {
    const good: Delivery<S>[] = [];
    const clock = { now: this.deps.now(), maxSkew: this.#settings.maxClockSkew };
    for (const item of items) {
      if (this.#local.has(item.id)) continue;
      this.stats.delivered++;
      if (this.options.filter && !this.#accepts(item.fields)) {
        this.stats.filtered++;
        this.#acks.add(item.id);
        continue;
      }
      const decoded = decode(this.stream, item.fields, clock);
      if (!decoded.ok) {
        this.#reject(item, decoded.code, decoded.reason, decoded.issues);
        continue;
      }
      good.push({ id: item.id, stream: this.stream, message: decoded.message, headers: decoded.headers, deliveries: item.deliveries });
    }
    if (good.length === 0) return;
    for (const d of good) this.#local.add(d.id);
    this.stats.inFlight += good.length;
    const ctx: HandlerContext = { signal: this.#handlerAbort.signal, log: this.#log };
    const started = performance.now();
    const handled = this.options.batchHandler ? this.#runBatch(this.options.batchHandler, good, ctx) : this.#runEach(this.options.handler as Handler<S>, good, ctx);
    const onBatch = this.options.onBatch;
    this.#track(onBatch ? handled.finally(() => onBatch((performance.now() - started) / 1000)) : handled);
  }

  #accepts(fields: string[] | null): boolean {
    if (!fields) return true;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') return (this.options.filter as (d: string) => boolean)(fields[i + 1] as string);
    return true;
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Runs a read's messages through the handler, at most `concurrency` at once per consumer. */
  async #runEach(handler: Handler<S>, batch: Delivery<S>[], ctx: HandlerContext): Promise<void> {
    const run = async (d: Delivery<S>) => {
      if (!this.#slots.tryAcquire()) await this.#slots.acquire();
      try {
        await handler(d, ctx);
        this.#acks.add(d.id);
      } catch (err) {
        this.#failed([d.id], err, d.deliveries);
      } finally {
        this.#slots.release();
        this.#local.delete(d.id);
        this.#release(1);
      }
    };
    await Promise.all(batch.map(run));
  }

  async #runBatch(handler: BatchHandler<S>, batch: Delivery<S>[], ctx: HandlerContext): Promise<void> {
    await this.#slots.acquire();
    try {
      const result = await handler(batch, ctx);
      const failed = new Set(result?.failed ?? []);
      for (const d of batch) if (!failed.has(d.id)) this.#acks.add(d.id);
      if (failed.size > 0) this.#failed([...failed], new Error('handler reported failure'), 0);
    } catch (err) {
      this.#failed(batch.map((d) => d.id), err, 0);
    } finally {
      this.#slots.release();
      for (const d of batch) this.#local.delete(d.id);
      this.#release(batch.length);
    }
  }

  #failed(ids: string[], err: unknown, deliveries: number): void {
    this.stats.failed += ids.length;
    // Left pending: claimed again after claimMinIdle, dead-lettered after maxDeliveries.
    this.#log.warn({ err: errorMessage(err), msgId: ids[0], count: ids.length, deliveries }, 'handler failed; message stays pending for retry');
  }

  /**
   * Dead-letters an entry, holding it like a message in flight until then: the claimer leaves it
   * alone (else it would be claimed and dead-lettered again while its first dead letter waits),
   * and a burst of bad entries applies back-pressure to reading like good ones do.
   */
  #reject(item: { id: string; fields: string[] | null; deliveries: number }, code: string, reason: string, issues: Issue[]): void {
    this.#local.add(item.id);
    this.stats.inFlight++;
    this.#track(
      this.#deadLetter(item.id, item.fields, code, reason, issues, item.deliveries).finally(() => {
        this.#local.delete(item.id);
        this.#release(1);
      }),
    );
  }

  async #deadLetter(id: string, fields: string[] | null, code: string, reason: string, issues: Issue[], deliveries: number): Promise<void> {
    try {
      await this.deps.publisher.publish(
        'deadletter',
        { v: 1, stream: this.#key, id, group: this.options.group, code, reason: reason.slice(0, 4096), issues: issues.slice(0, 64), deliveries, raw: rawFields(fields ?? []), at: Date.now() },
        { headers: {} },
      );
      this.stats.deadLettered++;
      this.deps.onDeadLettered?.();
      this.#log.warn({ msgId: id, code, reason: reason.slice(0, 500) }, 'message dead-lettered');
      this.#acks.add(id);
    } catch (err) {
      // Not acked: it stays pending and is tried again, so nothing is lost.
      this.#log.error({ msgId: id, err: errorMessage(err) }, 'dead-lettering failed; the message stays pending');
    }
  }

  /** Claims entries idle longer than claimMinIdle (from dead consumers, or failed here). */
  async #claimOnce(): Promise<void> {
    if (this.#claiming || this.#abort.signal.aborted) return;
    this.#claiming = true;
    try {
      let cursor = '0-0';
      do {
        const room = this.#settings.maxInFlight - this.stats.inFlight;
        if (room <= 0) break;
        const reply = (await this.deps.redis.xautoclaim(this.#key, this.options.group, this.options.consumer, this.#settings.claimMinIdle, cursor, 'COUNT', Math.min(room, this.#settings.readCount))) as [string, Entry[], string[]?];
        cursor = reply[0];
        const entries = reply[1].filter(([id]) => !this.#local.has(id));
        // Entries trimmed away while pending come back as deleted ids (Redis 7) or null fields.
        const gone = entries.filter(([, f]) => f === null).map(([id]) => id);
        for (const id of [...gone, ...(reply[2] ?? [])]) this.#acks.add(id);
        const live = entries.filter(([, f]) => f !== null);
        if (live.length === 0) continue;
        this.stats.claimed += live.length;
        const counts = await this.#deliveryCounts(live.map(([id]) => id));
        const retry: { id: string; fields: string[] | null; deliveries: number }[] = [];
        for (const [id, fields] of live) {
          const deliveries = counts.get(id);
          // No longer pending: acked here since the claim (its ack was on its way). Nothing to do.
          if (deliveries === undefined || this.#local.has(id)) continue;
          if (deliveries > this.#settings.maxDeliveries) {
            this.#reject({ id, fields, deliveries }, 'AWO_MAX_DELIVERIES', `delivered ${deliveries} times (max ${this.#settings.maxDeliveries}); the handler kept failing`, []);
          } else retry.push({ id, fields, deliveries });
        }
        if (retry.length > 0) {
          this.#log.info({ count: retry.length }, 'claimed pending messages');
          this.#dispatch(retry);
        }
      } while (cursor !== '0-0' && !this.#abort.signal.aborted);
    } catch (err) {
      if (!this.#abort.signal.aborted) {
        const message = errorMessage(err);
        if (message.includes('NOGROUP')) await this.#ensureGroup().catch(() => undefined);
        else this.#log.warn({ err: message }, 'claiming pending messages failed');
      }
    } finally {
      this.#claiming = false;
    }
  }

  /**
   * The delivery count of each claimed entry still pending for this consumer, one `XPENDING`
   * per id in one pipeline (a range over the ids would miss rows when thousands of other
   * entries are pending between them).
   */
  async #deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const pipeline = this.deps.redis.pipeline();
    for (const id of ids) pipeline.xpending(this.#key, this.options.group, id, id, 1, this.options.consumer);
    const replies = (await pipeline.exec()) ?? [];
    const counts = new Map<string, number>();
    replies.forEach(([err, rows], i) => {
      if (err) throw err;
      const row = (rows as [string, string, number, number][])[0];
      if (row) counts.set(ids[i] as string, Number(row[3]));
    });
    return counts;
  }

  /** Run a claim pass now (tests, and right after start-up of a restarted consumer). */
  claimNow(): Promise<void> {
    return this.#claimOnce();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#abort.abort();
    if (this.#claimTimer) clearInterval(this.#claimTimer);
    for (const w of this.#capacityWaiters) w();
    // Stop reading now: a blocked XREADGROUP is cut off; what it was handed stays pending
    // and is claimed by a live consumer.
    this.deps.reader.disconnect();
    // Bounded: a read sent while Redis was down may never settle after a disconnect.
    const loopEnded = await Promise.race([
      (this.#loop ?? Promise.resolve()).then(
        () => true,
        (err: unknown) => (this.#log.warn({ err: errorMessage(err) }, 'read loop ended with an error'), true),
      ),
      delay(Math.min(2000, this.#settings.closeGrace)).then(() => false),
    ]);
    if (!loopEnded) this.#log.warn('the blocked read did not end after disconnect; closing without it');
    const drained = await Promise.race([Promise.allSettled([...this.#tasks]).then(() => true), delay(this.#settings.closeGrace).then(() => false)]);
    if (!drained) {
      this.#log.warn({ inFlight: this.stats.inFlight }, 'grace period over; aborting in-flight handlers');
      this.#handlerAbort.abort();
      await Promise.race([Promise.allSettled([...this.#tasks]), delay(1000)]);
    }
    try {
      await this.#acks.close();
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, 'flushing acks failed');
    }
    this.deps.onClosed?.();
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise is left to settle on its own). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Orders stream ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = am === bm ? BigInt(as) - BigInt(bs) : BigInt(am) - BigInt(bm);
  return d === 0n ? 0 : d > 0n ? 1 : -1;
}
