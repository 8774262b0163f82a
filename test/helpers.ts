import { Redis } from 'ioredis';
import { busSchema, deletePrefix, RedisBus, type BusConfig, type Logger } from '@awo/shared';
import { quietLogger, REDIS_URL, testPrefix } from '@awo/testkit';

export { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';

export function busConfig(overrides: Partial<BusConfig> = {}): BusConfig {
  return { ...busSchema.parse({}), block: 200, ackInterval: 5, claimInterval: 100, ...overrides };
}

/** Deletes every key under a prefix (the same as the demos do). */
export const cleanup = deletePrefix;

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
