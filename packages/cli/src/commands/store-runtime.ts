import { createLogger, Runtime } from '@awo/shared';
import { UsageError } from '../args.js';
import { answers } from '@awo/shared';
import type { Io } from '../io.js';
import { readConfig } from './agents.js';

/**
 * A runtime for commands that read what running agents wrote (plan, trace, explain): the
 * configured Redis or the local one; never a fresh embedded one, which would be empty.
 */
export async function withStoreRuntime<T>(flag: string | undefined, io: Io, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = await readConfig(flag, io, false);
  const url = config.redis.url ?? 'redis://127.0.0.1:6379';
  if (!config.redis.url && !(await answers(url))) throw new UsageError('no Redis: set redis.url in the config or AWO_REDIS_URL');
  const runtime = new Runtime({ config, redisUrl: url, log: createLogger({ level: 'warn' }), env: io.env });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
