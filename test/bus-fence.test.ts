import { describe, expect, it } from 'vitest';
import { AwoError, keys as makeKeys, Lease, partitionOf } from '@awo/shared';
import { testBus, waitFor } from './helpers.js';

const metric = (value: number) => ({ v: 1 as const, series: 'fake.s.x', value, ts: Date.now(), source: 'fake:s', labels: {} });

describe('a publish fenced by a lease', () => {
  it('adds the entries while the lease is ours, and nothing once another holder took it', async () => {
    await using t = testBus({ batchSize: 2 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const fences = [keys.fence(keys.stream('metrics'))];
    const lease = new Lease(t.redis, key, 5000, 'test', { fences });
    expect(await lease.acquire()).toBe(true);
    // Three entries, batchSize 2: two script calls, each checking the epoch.
    const ids = await t.bus.publish('metrics', [metric(1), metric(2), metric(3)], { fence: lease });
    expect(ids).toHaveLength(3);
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(3);

    // Another holder takes the lease (ours vanished without our knowing: a pause, a failover).
    await t.redis.del(key);
    const other = new Lease(t.redis, key, 5000, 'other', { fences });
    expect(await other.acquire()).toBe(true);
    expect(other.epoch).toBeGreaterThan(lease.epoch);
    expect(lease.held()).toBe(true); // by its own clock it still holds it: Redis must refuse
    const refused = await t.bus.publish('metrics', [metric(4)], { fence: lease }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AwoError);
    expect((refused as AwoError).code).toBe('AWO_LEASE_LOST');
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(3);
    await t.bus.publish('metrics', [metric(5)], { fence: other });
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(4);
    // Its renewal finds the token gone.
    expect(await lease.renew()).toBe(false);
    expect(lease.held()).toBe(false);
  });

  it('refuses by its own clock once the ttl passed without a renewal, even while nobody else took it', async () => {
    await using t = testBus();
    const keys = makeKeys(t.prefix);
    const lease = new Lease(t.redis, keys.monitorLease('fake:s'), 200, 'test');
    expect(await lease.acquire()).toBe(true);
    await t.bus.publish('metrics', [metric(1)], { fence: lease });
    await waitFor(() => !lease.held(), 'the lease to lapse by its clock', 2000, 10);
    await expect(t.bus.publish('metrics', [metric(2)], { fence: lease })).rejects.toMatchObject({ code: 'AWO_LEASE_LOST' });
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(1);
  });

  it('a new take raises the fence of every slot it names before it says yes', async () => {
    await using t = testBus({ partitions: 4 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const fences = [0, 1, 2, 3].map((n) => keys.fence(keys.metricsPartition(n, 4)));
    const lease = new Lease(t.redis, key, 5000, 'a', { fences });
    expect(await lease.acquire()).toBe(true);
    for (const fence of fences) expect(Number(await t.redis.hget(fence, key))).toBe(lease.epoch);
    // A second take of an older epoch (a failover lost the counter, say) finds a newer fence and lets go.
    await t.redis.del(key, `${key}:epoch`);
    for (const fence of fences) await t.redis.hset(fence, key, String(Number.MAX_SAFE_INTEGER));
    const stale = new Lease(t.redis, key, 5000, 'b', { fences });
    expect(await stale.acquire()).toBe(false);
    expect(await t.redis.exists(key)).toBe(0);
  });

  it('routes fenced metrics to their partition with bus.partitions > 1, like any metrics publish', async () => {
    await using t = testBus({ partitions: 4 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const lease = new Lease(t.redis, key, 5000, 'test');
    expect(await lease.acquire()).toBe(true);
    const series = ['fake.s.a', 'fake.s.b', 'fake.s.c', 'fake.s.d', 'fake.s.e'];
    const ids = await t.bus.publish('metrics', series.map((name, i) => ({ ...metric(i), series: name })), { fence: lease });
    expect(ids).toHaveLength(series.length);
    expect(await t.redis.exists(keys.stream('metrics'))).toBe(0);
    for (const name of series) {
      const entries = await t.redis.xrange(keys.metricsPartition(partitionOf(name, 4), 4), '-', '+');
      expect(entries.some(([, fields]) => fields.join(' ').includes(`"series":"${name}"`)), name).toBe(true);
    }
  });
});
