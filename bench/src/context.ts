import { Redis } from 'ioredis';
import { createLogger, parseConfig, resolveRedis, type Logger } from '@awo/shared';

export interface BenchIo {
  json: boolean;
  /** Progress lines go to stderr so `--json` output stays one object on stdout. */
  progress(line: string): void;
  out(line: string): void;
}

/** The Redis a benchmark uses: AWO_REDIS_URL, the local one, or a private redis-server. */
export async function benchRedis(log: Logger = createLogger({ level: 'warn' })): Promise<{ url: string; stop(): Promise<void> }> {
  const cfg = parseConfig({}, { AWO_REDIS_URL: process.env.AWO_REDIS_URL });
  return resolveRedis(cfg, log);
}

export function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 20 });
}
