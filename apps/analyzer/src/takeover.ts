import type { Logger } from 'pino';
import { z } from 'zod';
import { compareIds, decode, errorMessage, type Delivery, type RedisClient } from '@awo/shared';

type Entry = [id: string, fields: string[] | null];
const PAGE = 1000;
/** Entries left pending by earlier owners that one takeover handles (a consumer holds at most bus.maxInFlight). */
const MAX_PENDING = 10_000;

const groupInfo = z.array(z.array(z.union([z.string(), z.number(), z.null()])));
const pendingRows = z.array(z.tuple([z.string(), z.string(), z.number(), z.number()]));

export interface Takeover {
  /** Entries read back into the series' state (not analyzed again). */
  replayed: number;
  /** Entries earlier owners read but never acknowledged, analyzed and acknowledged here. */
  pending: number;
}

/**
 * What an analyzer does when it takes a metrics partition over, before it reads new entries:
 * 1. rebuilds each series' state from the partition's retained entries that earlier owners
 *    acknowledged (up to the group's last delivered id, at most `maxEntries`), so forecasts go
 *    on without a cold start (`replay`: state only, nothing published);
 * 2. claims the entries earlier owners read but never acknowledged, analyzes them in order
 *    (`handle`, which publishes fenced) and acknowledges them.
 * Then the caller's consumer reads the partition from the group's position (`>`).
 */
export async function takeOver(
  redis: RedisClient,
  key: string,
  group: string,
  consumer: string,
  maxEntries: number,
  replay: (batch: Delivery<'metrics'>[]) => void,
  handle: (batch: Delivery<'metrics'>[]) => Promise<void>,
  log: Logger,
): Promise<Takeover> {
  try {
    await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!errorMessage(err).includes('BUSYGROUP')) throw err;
  }
  const last = lastDelivered(await redis.xinfo('GROUPS', key), group, key);
  const rows = pendingRows.parse(await redis.xpending(key, group, '-', '+', MAX_PENDING));
  const pending = new Set(rows.map((r) => r[0]));
  let replayed = 0;
  if (last !== '0-0') {
    let start = '-';
    while (replayed < maxEntries) {
      const page = (await redis.xrange(key, start, last, 'COUNT', PAGE)) as Entry[];
      const batch = page.filter(([id]) => !pending.has(id)).flatMap(([id, fields]) => delivery(id, fields));
      replay(batch);
      replayed += batch.length;
      if (page.length < PAGE) break;
      start = `(${(page[page.length - 1] as Entry)[0]}`;
    }
    if (replayed >= maxEntries) log.warn({ key, replayed }, 'partition read back stopped at its bound (bus.maxLen)');
  }
  if (rows.length === 0) return { replayed, pending: 0 };
  const ids = rows.map((r) => r[0]);
  const claimed = (await redis.xclaim(key, group, consumer, 0, ...ids)) as Entry[];
  const live = claimed.filter((e): e is [string, string[]] => Array.isArray(e) && Array.isArray(e[1])).sort((a, b) => compareIds(a[0], b[0]));
  const batch = live.flatMap(([id, fields]) => delivery(id, fields));
  if (batch.length > 0) await handle(batch);
  // Acknowledged once analyzed: those that failed their schema too (the earlier owner dead-lettered them on first read).
  await redis.xack(key, group, ...ids);
  return { replayed, pending: batch.length };
}

function delivery(id: string, fields: string[] | null): Delivery<'metrics'>[] {
  const d = decode('metrics', fields);
  return d.ok ? [{ id, stream: 'metrics', message: d.message, headers: d.headers, deliveries: 1 }] : [];
}

/** The group's `last-delivered-id` from `XINFO GROUPS` (a flat field/value list per group). */
function lastDelivered(reply: unknown, group: string, key: string): string {
  for (const row of groupInfo.parse(reply)) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < row.length; i += 2) info.set(String(row[i]), row[i + 1]);
    if (info.get('name') === group) return z.string().regex(/^\d+-\d+$/).parse(info.get('last-delivered-id'));
  }
  throw new Error(`consumer group ${group} not found on ${key}`);
}
