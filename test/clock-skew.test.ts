import { describe, expect, it } from 'vitest';
import { decode, type Delivery } from '@awo/shared';
import { testBus, waitFor } from './helpers.js';

const metric = (ts: number, value: number) => ({ v: 1 as const, series: 'skew.series', value, ts, source: 'test', labels: {} });

describe('clock skew on the bus', () => {
  it('dead-letters an entry stamped further ahead than bus.maxClockSkew, with both times, and delivers the honest ones', async () => {
    await using t = testBus({ maxClockSkew: 2000 });
    const got: Delivery<'metrics'>[] = [];
    const consumer = await t.bus.consume('metrics', { group: 'g', consumer: 'c', handler: async (d) => void got.push(d) });
    const now = Date.now();
    await t.bus.publish('metrics', [metric(now + 3_600_000, 1), metric(now + 1000, 2), metric(now, 3)]);
    await waitFor(() => got.length === 2 && consumer.stats.deadLettered === 1, 'two delivered, one dead-lettered');
    await consumer.close();
    expect(got.map((d) => d.message.value).sort()).toEqual([2, 3]);
    const letters = (await t.redis.xrange(t.bus.keys.stream('deadletter'), '-', '+')).map(([, fields]) => decode('deadletter', fields));
    expect(letters).toHaveLength(1);
    const letter = letters[0];
    if (!letter?.ok) throw new Error('the dead letter does not decode');
    expect(letter.message.code).toBe('AWO_CLOCK_SKEW');
    expect(letter.message.reason).toMatch(/ts \d+ is \d+ ms ahead of the consumer's clock .*at most 2000 ms \(bus.maxClockSkew\)/);
  });
});
