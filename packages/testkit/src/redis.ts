import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger, deletePrefix, type Logger } from '@awo/shared';

/** The Redis the integration tests talk to: a real server, never a mock (`AWO_TEST_REDIS_URL`). */
export const REDIS_URL = process.env.AWO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix, `test-<8 hex>`, for one test's keys. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** A logger that says nothing unless `AWO_TEST_LOG` names a level. */
export function quietLogger(): Logger {
  return createLogger({ level: process.env.AWO_TEST_LOG ?? 'silent' });
}

/** Deletes every key under a prefix through a connection of its own (for disposers whose connections are closed). */
export async function cleanupPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    await deletePrefix(redis, prefix);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
