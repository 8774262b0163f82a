import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config/schema.js';
import { AwoError, errorMessage } from './errors.js';
import { REDIS_RECONNECT, retryDelay } from './math.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Reconnect with exponential backoff and jitter, capped at 5 s; never give up (daemons). */
export { retryDelay } from './math.js';

export interface ConnectionOptions {
  /** Shown in `CLIENT LIST`, e.g. `awo:analyzer:reader`. */
  name?: string;
  /**
   * A connection for blocking reads (XREADGROUP BLOCK, BullMQ workers): commands wait for a
   * reconnect instead of failing after a few retries.
   */
  blocking?: boolean;
}

/** ioredis options for a config: URL (redis:// or rediss://), ACL user and password, TLS, retries. */
export function redisOptions(cfg: Partial<RedisConfig>, opts: ConnectionOptions = {}): RedisOptions {
  const url = new URL(cfg.url ?? DEFAULT_REDIS_URL);
  const tlsWanted = url.protocol === 'rediss:' || cfg.tls !== undefined;
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    username: cfg.username ?? (url.username ? decodeURIComponent(url.username) : undefined),
    password: cfg.password ?? (url.password ? decodeURIComponent(url.password) : undefined),
    connectionName: opts.name,
    connectTimeout: cfg.connectTimeout ?? 5000,
    commandTimeout: opts.blocking ? undefined : cfg.commandTimeout,
    maxRetriesPerRequest: opts.blocking ? null : 20,
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: (times: number) => retryDelay(times, REDIS_RECONNECT),
    // Reconnect when a replica was promoted or the server restarted read-only.
    reconnectOnError: (err) => /READONLY|LOADING/.test(err.message),
  };
  if (tlsWanted) {
    options.tls = {
      servername: cfg.tls?.servername ?? url.hostname,
      rejectUnauthorized: cfg.tls?.rejectUnauthorized ?? true,
      ca: cfg.tls?.ca ? readFileSync(cfg.tls.ca) : undefined,
    };
  }
  return options;
}

/** The one place a Redis connection is made. */
export function createRedis(cfg: Partial<RedisConfig>, opts: ConnectionOptions = {}): Redis {
  return new Redis(redisOptions(cfg, opts));
}

/**
 * Connects once, without retries, and PINGs: a wrong password, a missing ACL permission or a
 * TLS mistake is then told at start-up in words (`AWO_REDIS_AUTH`, `AWO_REDIS_UNAVAILABLE`),
 * not as endless reconnects. The password is never part of the message.
 */
export async function checkRedis(cfg: Partial<RedisConfig>): Promise<void> {
  const options = redisOptions(cfg, { name: 'awo:check' });
  const where = `${options.username ?? 'default'}@${options.host}:${options.port}`;
  const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The first connection error says why (WRONGPASS, a certificate); the rejection then only says "Connection is closed".
  let first: unknown;
  client.on('error', (err) => (first ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const message = errorMessage(first ?? err);
    if (/WRONGPASS|NOAUTH|NOPERM/.test(message)) throw new AwoError('AWO_REDIS_AUTH', `Redis refused ${where}: ${message}`, { cause: err });
    throw new AwoError('AWO_REDIS_UNAVAILABLE', `Redis at ${where} did not answer: ${message}`, { cause: err });
  } finally {
    client.disconnect();
  }
}

/** A URL with its password replaced, safe for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
