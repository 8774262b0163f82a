import { primaries, startRedisServer, type RedisClient } from '@awo/shared';
import { startRedisCluster } from '@awo/testkit';

export type RedisKind = 'single' | 'cluster';

/** The Redis a scale-out setup runs on, started for the benchmark alone (its CPU figures are then the benchmark's). */
export interface Target {
  kind: RedisKind;
  /** A node's URL (the bench's own runtime connects through `redisConfig`). */
  url: string;
  /** The `redis` section of the agents' config. */
  redisConfig: Record<string, unknown>;
  /** The port of the master serving each key now (one server: its own port). */
  mastersOf(keys: readonly string[]): Promise<number[]>;
  stop(): Promise<void>;
}

/** A private redis-server, or a real Redis Cluster of three masters and three replicas (the testkit's). */
export async function startTarget(kind: RedisKind): Promise<Target> {
  if (kind === 'cluster') {
    const cluster = await startRedisCluster({ masters: 3, replicas: 1 });
    return {
      kind,
      url: `redis://${cluster.seeds[0]}`,
      redisConfig: { cluster: cluster.seeds },
      mastersOf: (keys) => Promise.all(keys.map(async (k) => (await cluster.masterOf(k)).port)),
      stop: () => cluster.stop(),
    };
  }
  const server = await startRedisServer();
  return { kind, url: server.url, redisConfig: { url: server.url }, mastersOf: async (keys) => keys.map(() => server.port), stop: () => server.stop() };
}

/** CPU the Redis server(s) have used (user + system, INFO cpu), µs; on a cluster, summed over its masters. */
export async function redisCpuMicros(redis: RedisClient): Promise<number> {
  const infos = await Promise.all((await primaries(redis)).map((n) => n.info('cpu')));
  let us = 0;
  for (const info of infos) {
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    us += (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  }
  return us;
}
