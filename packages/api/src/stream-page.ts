import { decode, parseTraceparent, type MessageOf, type StreamName, type RedisClient } from '@awo/shared';

/** A validated entry of one of awo's streams: its stream id, the message and its trace id. */
export interface Entry<S extends StreamName> {
  id: string;
  message: MessageOf<S>;
  traceId?: string;
}

/** Entries read per round trip while paging or scanning. */
const CHUNK = 500;

/**
 * A page of a stream, newest first, from just before `cursor` (a stream id; exclusive). Entries
 * that fail their schema are skipped (never served); `keep` filters. At most `scanLimit` entries
 * are read for one page; `nextCursor` is the last entry read when more may follow.
 */
export async function streamPage<S extends StreamName>(
  redis: RedisClient,
  key: string,
  stream: S,
  options: { limit: number; cursor?: string; scanLimit: number; keep?: (m: MessageOf<S>) => boolean },
): Promise<{ items: Entry<S>[]; nextCursor: string | null }> {
  const items: Entry<S>[] = [];
  let end = options.cursor ? `(${options.cursor}` : '+';
  let scanned = 0;
  let last: string | undefined;
  let exhausted = false;
  while (items.length < options.limit && scanned < options.scanLimit) {
    const count = Math.min(CHUNK, options.scanLimit - scanned, options.keep ? CHUNK : options.limit - items.length + 1);
    const rows = (await redis.xrevrange(key, end, '-', 'COUNT', count)) as [string, string[]][];
    if (rows.length < count) exhausted = true;
    for (const [id, fields] of rows) {
      scanned++;
      const d = decode(stream, fields);
      if (d.ok && (!options.keep || options.keep(d.message))) {
        if (items.length === options.limit) {
          // One more than the page: the page ends at its last item.
          return { items, nextCursor: last ?? null };
        }
        items.push({ id, message: d.message, ...traceOf(d.headers.traceparent) });
      }
      last = id;
    }
    if (exhausted || rows.length === 0) return { items, nextCursor: null };
    end = `(${last}`;
  }
  return { items, nextCursor: last ?? null };
}

/** The first entry (newest first, among the newest `scanLimit`) whose message matches. */
export async function findEntry<S extends StreamName>(redis: RedisClient, key: string, stream: S, match: (m: MessageOf<S>) => boolean, scanLimit: number): Promise<Entry<S> | undefined> {
  const { items } = await streamPage(redis, key, stream, { limit: 1, scanLimit, keep: match });
  return items[0];
}

/** Every entry (newest first, among the newest `scanLimit`) whose message matches, up to `max`. */
export async function findEntries<S extends StreamName>(redis: RedisClient, key: string, stream: S, match: (m: MessageOf<S>) => boolean, scanLimit: number, max = 100): Promise<Entry<S>[]> {
  return (await streamPage(redis, key, stream, { limit: max, scanLimit, keep: match })).items;
}

/** One entry by its stream id, validated. */
export async function entryById<S extends StreamName>(redis: RedisClient, key: string, stream: S, id: string): Promise<Entry<S> | undefined> {
  const [row] = (await redis.xrange(key, id, id)) as [string, string[]][];
  if (!row) return undefined;
  const d = decode(stream, row[1]);
  return d.ok ? { id: row[0], message: d.message, ...traceOf(d.headers.traceparent) } : undefined;
}

function traceOf(traceparent: string | undefined): { traceId?: string } {
  const traceId = parseTraceparent(traceparent)?.traceId;
  return traceId ? { traceId } : {};
}
