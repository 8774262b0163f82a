import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
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

/**
 * A connection to awo's Redis: one server (`Redis`) or a Redis Cluster (`Cluster`, config
 * `redis.cluster`). Code written against it keeps every multi-key command (scripts,
 * transactions, pipelines, multi-stream reads) within one hash slot: see `keys()`.
 */
export type RedisClient = Redis | Cluster;

/** Whether a client is a Redis Cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** A seed (`host:port` or a URL) as ioredis' startup node. */
function seedNode(seed: string): { host: string; port: number } {
  const url = new URL(/^rediss?:\/\//.test(seed) ? seed : `redis://${seed}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

/** ioredis Cluster options for a config: each node connects with `redisOptions`; MOVED, ASK, TRYAGAIN and failover are retried by the client. */
export function clusterOptions(cfg: Partial<RedisConfig>, opts: ConnectionOptions = {}): ClusterOptions {
  const { host: _host, port: _port, db: _db, retryStrategy: _retry, tls: _tls, ...rest } = redisOptions({ ...cfg, url: undefined }, opts);
  const node: NonNullable<ClusterOptions['redisOptions']> = rest;
  // TLS when configured or when a seed says rediss://; each node's certificate is checked against the host it is reached at, unless a servername is set.
  if (cfg.tls !== undefined || (cfg.cluster ?? []).some((seed) => seed.startsWith('rediss://'))) {
    node.tls = {
      rejectUnauthorized: cfg.tls?.rejectUnauthorized ?? true,
      ...(cfg.tls?.servername ? { servername: cfg.tls.servername } : {}),
      ...(cfg.tls?.ca ? { ca: readFileSync(cfg.tls.ca) } : {}),
    };
  }
  return {
    redisOptions: node,
    // A dead master is noticed by its peers after cluster-node-timeout, then its replica is promoted: keep trying meanwhile.
    clusterRetryStrategy: (times: number) => retryDelay(times, REDIS_RECONNECT),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    retryDelayOnMoved: 0,
    maxRedirections: 32,
    slotsRefreshTimeout: cfg.connectTimeout ?? 5000,
    slotsRefreshInterval: 5000,
    enableReadyCheck: true,
    enableOfflineQueue: true,
    dnsLookup: (address, callback) => callback(null, address),
  };
}

/** The one place a Redis connection is made: a Cluster client when `redis.cluster` names seeds. */
export function createRedis(cfg: Partial<RedisConfig>, opts: ConnectionOptions = {}): RedisClient {
  if (cfg.cluster && cfg.cluster.length > 0) return new Cluster(cfg.cluster.map(seedNode), clusterOptions(cfg, opts));
  return new Redis(redisOptions(cfg, opts));
}

/** A new connection like `client` (same server or cluster, same options) for blocking reads or a worker. */
export function duplicateClient(client: RedisClient, options: { name?: string; blocking?: boolean } = {}): RedisClient {
  const override: RedisOptions = { ...(options.name ? { connectionName: options.name } : {}), ...(options.blocking ? { maxRetriesPerRequest: null, commandTimeout: undefined } : {}) };
  if (isCluster(client)) return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...override } });
  return client.duplicate(override);
}

/** The primaries of a client: every master of a cluster (once it knows the slot map), or the one server (for SCAN, INFO and other per-node commands). */
export async function primaries(client: RedisClient): Promise<Redis[]> {
  if (!isCluster(client)) return [client];
  if (client.status !== 'ready') await client.ping(); // waits for the first slot map
  return client.nodes('master');
}

/**
 * On a Redis Cluster, waits (up to `timeoutMs`) until the replicas of the master that serves
 * `key` have every write it took so far, and says how many did (-1 on one server, where nothing
 * is waited for). Replication is asynchronous: a master killed after answering a write may take
 * it along, and its promoted replica would not know it. Keyless commands go to a random node, so
 * WAIT and INFO ride in a pipeline behind a command on `key`, which sends them to its master.
 */
export async function waitForReplicas(client: RedisClient, key: string, timeoutMs = 1000): Promise<number> {
  if (!isCluster(client)) return -1;
  const [, info] = (await client.pipeline().exists(key).info('replication').exec()) ?? [];
  const replicas = Number(/^connected_slaves:(\d+)/m.exec(String(info?.[1] ?? ''))?.[1] ?? 0);
  if (replicas === 0) return 0;
  const [, waited] = (await client.pipeline().exists(key).call('WAIT', replicas, timeoutMs).exec()) ?? [];
  if (waited?.[0]) throw waited[0];
  return Number(waited?.[1] ?? 0);
}

/**
 * Connects once, without retries, and PINGs: a wrong password, a missing ACL permission or a
 * TLS mistake is then told at start-up in words (`AWO_REDIS_AUTH`, `AWO_REDIS_UNAVAILABLE`),
 * not as endless reconnects. The password is never part of the message.
 */
export async function checkRedis(cfg: Partial<RedisConfig>): Promise<void> {
  if (cfg.cluster && cfg.cluster.length > 0) {
    for (const seed of cfg.cluster) {
      try {
        return await checkRedis({ ...cfg, cluster: undefined, url: /^rediss?:\/\//.test(seed) ? seed : `${cfg.tls ? 'rediss' : 'redis'}://${seed}` });
      } catch (err) {
        if (err instanceof AwoError && err.code === 'AWO_REDIS_AUTH') throw err;
        if (seed === cfg.cluster.at(-1)) throw new AwoError('AWO_REDIS_UNAVAILABLE', `no seed node of the Redis Cluster answered (${cfg.cluster.join(', ')}): ${errorMessage(err)}`, { cause: err });
      }
    }
  }
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
