import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { startRedisCluster, which, type RedisClusterHandle } from '@awo/testkit';
import { testPrefix, waitFor } from './helpers.js';

const HAS_REDIS = Boolean(which('redis-server') && which('redis-cli'));
if (!HAS_REDIS) console.warn('redis-cluster.test: skipped, redis-server or redis-cli is not on PATH');

/** The testkit's real Redis Cluster (three masters, three replicas) and a master's failover under an ioredis Cluster client. */
describe.skipIf(!HAS_REDIS)('startRedisCluster', () => {
  const prefix = testPrefix();
  let cluster: RedisClusterHandle;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const [host, port] = cluster.seeds[0]!.split(':');
    client = new Cluster([{ host, port: Number(port) }], {
      // A killed master refuses connections until its replica is promoted: keep asking, and
      // re-read the slot map on MOVED / CLUSTERDOWN (the test's own loop bounds the wait).
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnMoved: 50,
      slotsRefreshTimeout: 2000,
      redisOptions: { maxRetriesPerRequest: 2 },
    });
    client.on('error', () => undefined);
  }, 90_000);

  afterAll(async () => {
    await client?.quit().catch(() => client.disconnect());
    await cluster?.stop();
  });

  it('starts three masters and three replicas that serve every slot', async () => {
    await cluster.refresh();
    expect(cluster.seeds).toHaveLength(6);
    expect(cluster.nodes.filter((n) => n.role === 'master')).toHaveLength(3);
    expect(cluster.nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    // Keys under different hash tags land on different masters, and every one takes writes.
    const keys = Array.from({ length: 12 }, (_, i) => `{${prefix}:p${i}}:k`);
    const masters = new Set<number>();
    for (const key of keys) {
      await client.set(key, key);
      masters.add((await cluster.masterOf(key)).port);
    }
    expect(masters.size).toBe(3);
    for (const key of keys) expect(await client.get(key)).toBe(key);
  }, 30_000);

  it("promotes the replica of a killed master, and writes to that master's slot succeed again", async () => {
    const key = `{${prefix}}:control`;
    await client.set(key, 'before');
    const other = Array.from({ length: 12 }, (_, i) => `{${prefix}:p${i}}:k`);
    const before = await cluster.masterOf(key);
    const { node, killedAt } = await cluster.killMaster(key);
    expect(node.port).toBe(before.port);
    expect(node.alive).toBe(false);

    const { node: promoted, servedAt } = await cluster.waitFailover(key, 30_000);
    expect(promoted.port).not.toBe(node.port);
    expect(promoted.role).toBe('master');
    expect(servedAt).toBeGreaterThan(killedAt);

    // Through the Cluster client: the slot's writes succeed once it has re-read the slot map.
    await waitFor(async () => (await client.set(key, 'after').catch(() => null)) === 'OK', 'a write to the failed-over slot through the Cluster client', 20_000, 100);
    expect(await client.get(key)).toBe('after');
    for (const k of other) await client.set(k, 'again');
    expect(await client.get(other[0]!)).toBe('again');
    expect((await cluster.masterOf(key)).port).toBe(promoted.port);

    // Started again, the killed master rejoins as a replica of the node that took its slots.
    await cluster.restart(node, 30_000);
    expect(node.alive).toBe(true);
    expect(node.role).toBe('replica');
    expect((await cluster.masterOf(key)).port).toBe(promoted.port);
    expect(await client.get(key)).toBe('after');
  }, 90_000);
});
