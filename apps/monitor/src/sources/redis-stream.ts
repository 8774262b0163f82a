import { AwoError, type RedisStreamSourceConfig, type RedisClient } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';

/** Entries counted at most when Redis cannot say a group's lag (see `entriesAfter`). */
export const LAG_SCAN_LIMIT = 100_000;
const PAGE = 1000;

/** One group as `XINFO GROUPS` describes it. */
export interface GroupInfo {
  name: string;
  pending: number;
  lastDeliveredId: string;
  /** Null when Redis cannot tell (before 7.0, or after deletions / an arbitrary SETID). */
  lag: number | null;
}

/**
 * `redis-stream`: a Redis stream and its consumer groups, as KEDA's Redis Streams scaler reads them.
 * - `length`: `XLEN` of the stream (0 when it does not exist).
 * - `lag{group}`: entries not yet delivered to the group: the `lag` field of `XINFO GROUPS`
 *   (Redis ≥ 7), or, when Redis reports it as nil, the entries after the group's
 *   `last-delivered-id`, counted (at most LAG_SCAN_LIMIT).
 * - `pending{group}`: entries delivered to the group and not acked yet (its PEL).
 * With `group` configured only that group is reported, and a missing group fails the sample;
 * without it every group of the stream is. Every metric carries `stream` (the key) as a label.
 */
export function redisStreamSource(config: RedisStreamSourceConfig, deps: SourceDeps): Source {
  let redis: RedisClient | undefined;
  const name = (metric: string) => seriesName('redis-stream', config.name, metric);
  return {
    kind: 'redis-stream',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async start(): Promise<void> {
      redis ??= deps.connect(`redis-stream:${config.name}`);
      await redis.ping();
    },
    async sample(): Promise<Sample[]> {
      if (!redis) throw new AwoError('AWO_SOURCE_FAILED', 'redis-stream source sampled before start()');
      const [length, groups] = await Promise.all([redis.xlen(config.stream), readGroups(redis, config.stream)]);
      const stream = { stream: config.stream };
      const out: Sample[] = [{ series: name('length'), value: length, unit: 'entries', labels: stream }];
      const chosen = config.group === undefined ? groups : groups.filter((g) => g.name === config.group);
      if (config.group !== undefined && chosen.length === 0) {
        throw new AwoError('AWO_SOURCE_FAILED', `consumer group "${config.group}" does not exist on stream "${config.stream}"`);
      }
      for (const g of chosen) {
        const lag = g.lag ?? (await entriesAfter(redis, config.stream, g.lastDeliveredId, LAG_SCAN_LIMIT));
        const labels = { ...stream, group: g.name };
        out.push({ series: name('lag'), value: lag, unit: 'entries', labels });
        out.push({ series: name('pending'), value: g.pending, unit: 'entries', labels });
      }
      return out;
    },
    async close(): Promise<void> {
      const conn = redis;
      redis = undefined;
      await conn?.quit().catch(() => conn.disconnect());
    },
  };
}

/** `XINFO GROUPS`, parsed; a stream that does not exist has no groups. */
export async function readGroups(redis: RedisClient, key: string): Promise<GroupInfo[]> {
  let reply: unknown;
  try {
    reply = await redis.xinfo('GROUPS', key);
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return [];
    throw err;
  }
  return (reply as unknown[][]).map(parseGroup);
}

/** One `XINFO GROUPS` entry (a flat field/value list) as a GroupInfo. */
export function parseGroup(flat: unknown[]): GroupInfo {
  const f = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
  const lag = f.get('lag');
  return {
    name: String(f.get('name')),
    pending: Number(f.get('pending') ?? 0),
    lastDeliveredId: String(f.get('last-delivered-id') ?? '0-0'),
    lag: lag === null || lag === undefined ? null : Number(lag),
  };
}

/** How many entries of the stream have an id after `id`, counting at most `limit`. */
export async function entriesAfter(redis: RedisClient, key: string, id: string, limit: number): Promise<number> {
  let count = 0;
  let start = `(${id}`;
  while (count < limit) {
    const page = await redis.xrange(key, start, '+', 'COUNT', Math.min(PAGE, limit - count));
    count += page.length;
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    start = `(${last[0]}`;
  }
  return count;
}
