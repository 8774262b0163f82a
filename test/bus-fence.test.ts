import { describe, expect, it } from 'vitest';
import { AwoError, keys as makeKeys, Lease, partitionOf } from '@awo/shared';
import { testBus } from './helpers.js';

const metric = (value: number) => ({ v: 1 as const, series: 'fake.s.x', value, ts: Date.now(), source: 'fake:s', labels: {} });

describe('a publish fenced by a lease', () => {
  it('adds the entries while the lease holds the token, and nothing once another holder has it', async () => {
    await using t = testBus({ batchSize: 2 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const lease = new Lease(t.redis, key, 5000, 'test');
    expect(await lease.acquire()).toBe(true);
    const fence = { lease: key, token: lease.token };
    // Three entries, batchSize 2: two script calls, each checking the lease.
    const ids = await t.bus.publish('metrics', [metric(1), metric(2), metric(3)], { fence });
    expect(ids).toHaveLength(3);
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(3);

    await t.redis.set(key, 'someone-else', 'PX', 5000);
    const refused = await t.bus.publish('metrics', [metric(4)], { fence }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AwoError);
    expect((refused as AwoError).code).toBe('AWO_LEASE_LOST');
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(3);

    // A lease that expired (nobody holds it) fences as well.
    await t.redis.del(key);
    await expect(t.bus.publish('metrics', [metric(5)], { fence })).rejects.toMatchObject({ code: 'AWO_LEASE_LOST' });
    expect(await t.redis.xlen(keys.stream('metrics'))).toBe(3);
  });

  it('routes fenced metrics to their partition with bus.partitions > 1, like any metrics publish', async () => {
    await using t = testBus({ partitions: 4 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const lease = new Lease(t.redis, key, 5000, 'test');
    expect(await lease.acquire()).toBe(true);
    const series = ['fake.s.a', 'fake.s.b', 'fake.s.c', 'fake.s.d', 'fake.s.e'];
    const ids = await t.bus.publish('metrics', series.map((name, i) => ({ ...metric(i), series: name })), { fence: { lease: key, token: lease.token } });
    expect(ids).toHaveLength(series.length);
    expect(await t.redis.exists(keys.stream('metrics'))).toBe(0);
    for (const name of series) {
      const entries = await t.redis.xrange(keys.metricsPartition(partitionOf(name, 4)), '-', '+');
      expect(entries.some(([, fields]) => fields.join(' ').includes(`"series":"${name}"`)), name).toBe(true);
    }
  });
});
