import { describe, expect, it } from 'vitest';
import { AwoError, keys as makeKeys, Lease } from '@awo/shared';
import { testBus } from './helpers.js';

const metric = (value: number) => ({ v: 1 as const, series: 'fake.s.x', value, ts: Date.now(), source: 'fake:s', labels: {} });

describe('a publish fenced by a lease', () => {
  it('adds the entries while the lease holds the token, and nothing once another holder has it', async () => {
    await using t = testBus({ batchSize: 2 });
    const keys = makeKeys(t.prefix);
    const key = keys.monitorLease('fake:s');
    const lease = new Lease(t.redis, key, 5000, 'test');
    expect(await lease.acquire()).toBe(true);
    const fence = { key, token: lease.token };
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
});
