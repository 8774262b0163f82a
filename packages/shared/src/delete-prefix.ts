import { globEscape } from './acl.js';
import { primaries, type RedisClient } from './redis.js';
import { groupBySlot } from './slot.js';

/**
 * The key patterns of everything under a prefix: its hash-tagged keys (`{<prefix>}:…` and
 * `{<prefix>:<tag>}…`) and the untagged ones (`<prefix>:…`, as `redis-set` actions write).
 */
export function prefixPatterns(prefix: string): string[] {
  const p = globEscape(prefix);
  return [`{${p}[}:]*`, `${p}:*`];
}

/** Deletes every key under a prefix (a demo's or a test's plan, streams, queues and spans), on every master of a cluster. */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of await primaries(redis)) {
    for (const pattern of prefixPatterns(prefix)) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        // UNLINK of several keys must stay in one slot on a cluster.
        for (const group of groupBySlot(found, (k) => k)) await node.unlink(...group);
      } while (cursor !== '0');
    }
  }
}
