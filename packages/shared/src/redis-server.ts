import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from './config/schema.js';
import { AwoError } from './errors.js';
import { DEFAULT_REDIS_URL, redactUrl } from './redis.js';
import type { Logger } from './telemetry/logger.js';

export interface ResolvedRedis {
  url: string;
  /** `configured`, `local` (found on 127.0.0.1:6379) or `embedded` (started by awo). */
  origin: 'configured' | 'local' | 'embedded';
  stop(): Promise<void>;
}

/** Finds an executable on PATH. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when a Redis answers PING at the URL (without auth problems) within the timeout. */
export async function answers(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RedisServerOptions {
  port?: number;
  /** Extra arguments, e.g. `['--appendonly', 'yes']`. */
  args?: string[];
  dir?: string;
  bin?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  dir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a private redis-server and waits until it accepts connections (bounded). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = options.bin ?? which('redis-server');
  if (!bin) {
    throw new AwoError('AWO_REDIS_NOT_FOUND', 'no Redis is configured (redis.url / AWO_REDIS_URL), none answers on 127.0.0.1:6379, and there is no redis-server on PATH. Install one (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or point awo at a Redis with AWO_REDIS_URL.');
  }
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'awo-redis-'));
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output.slice(-2000)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  await ready;
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    dir,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }).then(() => {
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      });
      return stopping;
    },
  };
}

/**
 * The embedded default: the configured Redis; else one answering on 127.0.0.1:6379; else a
 * private redis-server on a free port, stopped by `stop()`.
 */
export async function resolveRedis(config: Config, log: Logger): Promise<ResolvedRedis> {
  if (config.redis.cluster) return { url: `redis://${config.redis.cluster[0]}`, origin: 'configured', stop: async () => undefined };
  if (config.redis.url) return { url: config.redis.url, origin: 'configured', stop: async () => undefined };
  if (await answers(DEFAULT_REDIS_URL)) {
    log.info({ redis: DEFAULT_REDIS_URL }, 'using the Redis found on 127.0.0.1:6379');
    return { url: DEFAULT_REDIS_URL, origin: 'local', stop: async () => undefined };
  }
  const server = await startRedisServer();
  log.info({ redis: redactUrl(server.url), dir: server.dir }, 'no Redis configured or found: started a private redis-server');
  return { url: server.url, origin: 'embedded', stop: () => server.stop() };
}
