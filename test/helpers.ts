import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deletePrefix } from '@awo/cli';
import { busSchema, createLogger, RedisBus, type BusConfig, type Logger } from '@awo/shared';

/** The Redis the integration tests talk to: a real server, never a mock. */
export const REDIS_URL = process.env.AWO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

export function quietLogger(): Logger {
  return createLogger({ level: process.env.AWO_TEST_LOG ?? 'silent' });
}

export function busConfig(overrides: Partial<BusConfig> = {}): BusConfig {
  return { ...busSchema.parse({}), block: 200, ackInterval: 5, claimInterval: 100, ...overrides };
}

/** Deletes every key under a prefix (the same as the demos do). */
export const cleanup = deletePrefix;

/** Deletes every key under a prefix through a connection of its own (for disposers whose connections are closed). */
export async function cleanupPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    await deletePrefix(redis, prefix);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** Waits for a condition, polling, up to a bound; fails with the message if it never holds. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TestBus {
  redis: Redis;
  bus: RedisBus;
  prefix: string;
  log: Logger;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A bus on the real Redis under a fresh prefix; disposing closes it and deletes the keys. */
export function testBus(overrides: Partial<BusConfig> = {}, prefix = testPrefix()): TestBus {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const log = quietLogger();
  const bus = new RedisBus({ redis, config: busConfig(overrides), prefix, log });
  return {
    redis,
    bus,
    prefix,
    log,
    async [Symbol.asyncDispose]() {
      await bus.close();
      await cleanup(redis, prefix);
      await redis.quit();
    },
  };
}
