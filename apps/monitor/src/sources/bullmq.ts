import { AwoError, compareIds, type BullmqSourceConfig, type RedisClient } from '@awo/shared';
import { QueueKeys } from 'bullmq';
import { seriesName } from '../series.js';
import { percentiles } from '../stats.js';
import type { Sample, Source, SourceDeps } from '../types.js';
import { EventTally, idTime, type StreamEntry } from './bullmq-events.js';

/** Events read at most per sample; the rest is read by the next ones. */
export const MAX_EVENTS_PER_SAMPLE = 100_000;
const PAGE = 5000;

/** One consistent reading of a queue's keys (one MULTI). */
interface Snapshot {
  /** Redis server time, ms: the clock of the event ids. */
  now: number;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** BullMQ's job counter: INCRed for every job added. */
  added: number;
  /** The next job of the wait and paused lists (FIFO: the one waiting longest). */
  heads: string[];
  /** The first entry still in the events stream. */
  firstEventId: string | undefined;
}

/**
 * `bullmq`: one BullMQ queue (keys `<queuePrefix>:<queue>:*`, BullMQ 5 layout, names from
 * BullMQ's own `QueueKeys`). All times are the Redis server's clock unless said otherwise.
 *
 * - `waiting`: jobs ready to run and not started: the wait, paused and prioritized sets.
 * - `active`, `delayed`, `failed`, `completed`: the sizes of those sets (`completed` and
 *   `failed` shrink when jobs are removed on completion / failure).
 * - `arrival_rate` (jobs/s): increase of the queue's job counter (`<queue>:id`, which BullMQ
 *   INCRs for every added job — standard, delayed, prioritized, flow and scheduled) divided by
 *   the time since the previous sample.
 * - `completion_rate`, `failure_rate` (jobs/s): `completed` / `failed` entries of the queue's
 *   events stream (`<queue>:events`) added since the previous sample, read with XRANGE from the
 *   last id seen; unaffected by removeOnComplete. When BullMQ trimmed the stream (default
 *   ~10 000 events) past the last id seen, the rate is taken over the part still there.
 * - `oldest_wait_ms`: age of the next job to run in the wait / paused lists: now − the time it
 *   last became waiting (its `waiting` event, or its `timestamp + delay`, producer clock); 0
 *   when nothing waits. Prioritized jobs are not considered (their order is not their age).
 * - `wait_p50_ms`, `wait_p95_ms`: percentiles (linear interpolation) of the waits of the jobs
 *   that started since the previous sample (the latest `waitSample` of them) together with
 *   `oldest_wait_ms` when a job is waiting, so a stuck queue shows a growing wait; 0 when there
 *   is neither. A job's wait is from its last `waiting` event to its `active` event, or, when
 *   its `waiting` event was not seen, `processedOn − timestamp − delay` from the job hash
 *   (skipped if the job is already gone).
 *
 * The first sample only sets the baseline: rates and wait percentiles come from the second on.
 */
export function bullmqSource(config: BullmqSourceConfig, deps: SourceDeps): Source {
  return new BullmqSource(config, deps);
}

class BullmqSource implements Source {
  readonly kind = 'bullmq';
  readonly name: string;
  readonly interval: number | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly #keys: QueueKeys;
  readonly #tally = new EventTally();
  #redis: RedisClient | undefined;
  /** The previous sample: when, the job counter, and where its events window ended (ms). */
  #prev: { now: number; added: number; windowEnd: number } | undefined;
  /** The last events stream id read. */
  #cursor: string | undefined;

  constructor(
    private readonly config: BullmqSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
    this.interval = config.interval;
    this.labels = config.labels;
    this.#keys = new QueueKeys(config.queuePrefix ?? 'bull');
  }

  #key(type: string): string {
    return this.#keys.toKey(this.config.queue, type);
  }

  async start(): Promise<void> {
    this.#redis ??= this.deps.connect(`bullmq:${this.name}`);
    await this.#redis.ping();
  }

  async sample(signal: AbortSignal): Promise<Sample[]> {
    const redis = this.#redis;
    if (!redis) throw new AwoError('AWO_SOURCE_FAILED', 'bullmq source sampled before start()');
    const snap = await this.#snapshot(redis);
    const gap = this.#cursor !== undefined && snap.firstEventId !== undefined && compareIds(snap.firstEventId, this.#cursor) > 0;
    const { entries, truncated, cursor } = await this.#readEvents(redis, snap.now, signal);
    const fold = this.#tally.fold(entries);
    const windowEnd = truncated && cursor !== undefined ? idTime(cursor) : snap.now;

    const name = (metric: string) => seriesName('bullmq', this.name, metric);
    const labels = { queue: this.config.queue };
    const jobs = (metric: string, value: number, unit = 'jobs'): Sample => ({ series: name(metric), value, unit, labels });
    const out = [jobs('waiting', snap.waiting), jobs('active', snap.active), jobs('delayed', snap.delayed), jobs('failed', snap.failed), jobs('completed', snap.completed)];

    const prev = this.#prev;
    const recent = prev ? fold.started.slice(-this.config.waitSample) : [];
    const fromHash = await this.#hashTimes(redis, [...snap.heads, ...recent.filter((s) => s.wait === undefined).map((s) => s.jobId)]);
    let oldest: number | undefined;
    for (const id of snap.heads) {
      const ready = this.#tally.readyAt(id) ?? fromHash.get(id)?.ready;
      if (ready !== undefined) oldest = Math.max(oldest ?? 0, snap.now - ready);
    }
    out.push(jobs('oldest_wait_ms', oldest ?? 0, 'ms'));

    if (prev) {
      const seconds = (snap.now - prev.now) / 1000;
      if (seconds > 0 && snap.added >= prev.added) out.push(jobs('arrival_rate', (snap.added - prev.added) / seconds, 'jobs/s'));
      const start = gap ? Math.max(prev.windowEnd, idTime(snap.firstEventId as string)) : prev.windowEnd;
      const window = (windowEnd - start) / 1000;
      if (window > 0) {
        out.push(jobs('completion_rate', fold.completed / window, 'jobs/s'));
        out.push(jobs('failure_rate', fold.failed / window, 'jobs/s'));
      }
      const waits: number[] = [];
      for (const s of recent) {
        const wait = s.wait ?? fromHash.get(s.jobId)?.wait;
        if (wait !== undefined) waits.push(wait);
      }
      if (oldest !== undefined) waits.push(oldest);
      const [p50 = 0, p95 = 0] = percentiles(waits, [0.5, 0.95]);
      out.push(jobs('wait_p50_ms', p50, 'ms'), jobs('wait_p95_ms', p95, 'ms'));
    }
    if (gap) this.deps.log.debug({ queue: this.config.queue }, 'events stream was trimmed past the last id read; rates are taken over what is left');
    // Committed only now: a sample that fails reads the same events again next time.
    this.#cursor = cursor;
    this.#prev = { now: snap.now, added: snap.added, windowEnd };
    return out;
  }

  async #snapshot(redis: RedisClient): Promise<Snapshot> {
    const replies = await redis
      .multi()
      .time()
      .llen(this.#key('wait'))
      .llen(this.#key('paused'))
      .zcard(this.#key('prioritized'))
      .llen(this.#key('active'))
      .zcard(this.#key('delayed'))
      .zcard(this.#key('failed'))
      .zcard(this.#key('completed'))
      .get(this.#key('id'))
      .lindex(this.#key('wait'), -1)
      .lindex(this.#key('paused'), -1)
      .xrange(this.#key('events'), '-', '+', 'COUNT', 1)
      .exec();
    if (!replies) throw new AwoError('AWO_SOURCE_FAILED', 'the MULTI reading the queue was discarded');
    const values = replies.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const [time, wait, paused, prioritized, active, delayed, failed, completed, id, waitHead, pausedHead, first] = values as [
      [string, string], number, number, number, number, number, number, number, string | null, string | null, string | null, StreamEntry[],
    ];
    // Jobs ids only: BullMQ < 5 kept "0:…" markers in the wait list.
    const heads = [waitHead, pausedHead].filter((h): h is string => h !== null && !h.startsWith('0:'));
    return {
      now: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
      waiting: wait + paused + prioritized,
      active,
      delayed,
      failed,
      completed,
      added: Number(id ?? 0),
      heads,
      firstEventId: first[0]?.[0],
    };
  }

  /** Events after the cursor up to `until` (ms), at most MAX_EVENTS_PER_SAMPLE, and the id of the last. */
  async #readEvents(redis: RedisClient, until: number, signal: AbortSignal): Promise<{ entries: StreamEntry[]; truncated: boolean; cursor: string | undefined }> {
    const entries: StreamEntry[] = [];
    let cursor = this.#cursor;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const page = await redis.xrange(this.#key('events'), cursor === undefined ? '-' : `(${cursor}`, String(until), 'COUNT', PAGE);
      for (const entry of page) entries.push(entry);
      cursor = page.at(-1)?.[0] ?? cursor;
      if (page.length < PAGE) return { entries, truncated: false, cursor };
      if (entries.length >= MAX_EVENTS_PER_SAMPLE) return { entries, truncated: true, cursor };
    }
  }

  /** From the job hashes: when each job became ready (`timestamp + delay`) and its last wait. */
  async #hashTimes(redis: RedisClient, jobIds: string[]): Promise<Map<string, { ready?: number; wait?: number }>> {
    const out = new Map<string, { ready?: number; wait?: number }>();
    if (jobIds.length === 0) return out;
    const pipeline = redis.pipeline();
    for (const id of jobIds) pipeline.hmget(this.#key(id), 'timestamp', 'delay', 'processedOn');
    const replies = (await pipeline.exec()) ?? [];
    jobIds.forEach((id, i) => {
      const [err, fields] = replies[i] ?? [null, null];
      if (err || !Array.isArray(fields) || fields[0] === null) return;
      const [timestamp, delay, processedOn] = (fields as (string | null)[]).map((f) => (f === null ? undefined : Number(f)));
      if (timestamp === undefined) return;
      const ready = timestamp + (delay ?? 0);
      out.set(id, processedOn === undefined ? { ready } : { ready, wait: Math.max(0, processedOn - ready) });
    });
    return out;
  }

  async close(): Promise<void> {
    const conn = this.#redis;
    this.#redis = undefined;
    await conn?.quit().catch(() => conn.disconnect());
  }
}
