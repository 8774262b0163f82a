import { describe, expect, it } from 'vitest';
import { STREAMS, type Delivery, type MessageOf, type StreamName } from '@awo/shared';
import { sampleMessages } from '@awo/testkit';
import { testBus, waitFor } from './helpers.js';

function metric(i: number) {
  return { v: 1 as const, series: 'test.series', value: i, ts: Date.now(), source: 'test', labels: {} };
}

describe('RedisBus', () => {
  it('round-trips every message type', async () => {
    await using t = testBus();
    const samples = sampleMessages();
    for (const stream of STREAMS) {
      const got: Delivery<StreamName>[] = [];
      const consumer = await t.bus.consume(stream, { group: 'g', consumer: 'c1', handler: async (d) => void got.push(d as Delivery<StreamName>) });
      const [id] = await t.bus.publish(stream, samples[stream] as never);
      await waitFor(() => got.length === 1, `one ${stream} message`);
      expect(got[0]?.id).toBe(id);
      expect(got[0]?.message).toEqual(samples[stream]);
      await consumer.close();
      expect(await t.redis.xpending(t.bus.keys.stream(stream), 'g')).toEqual([0, null, null, null]);
    }
  });

  it('shares the work between two consumers of one group, each message once', async () => {
    await using t = testBus({ readCount: 10 });
    const seen = new Map<string, string>();
    const handler = (name: string) => async (d: Delivery<'metrics'>) => {
      expect(seen.has(d.id)).toBe(false);
      seen.set(d.id, name);
      await new Promise((r) => setImmediate(r));
    };
    const a = await t.bus.consume('metrics', { group: 'g', consumer: 'a', handler: handler('a') });
    const b = await t.bus.consume('metrics', { group: 'g', consumer: 'b', handler: handler('b') });
    const ids = await t.bus.publish('metrics', Array.from({ length: 400 }, (_, i) => metric(i)));
    await waitFor(() => seen.size === 400, 'all 400 messages');
    await Promise.all([a.close(), b.close()]);
    expect(new Set(seen.keys())).toEqual(new Set(ids));
    const byA = [...seen.values()].filter((v) => v === 'a').length;
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(400);
  });

  it('claims what a dead consumer read and never acked; nothing is lost', async () => {
    await using t = testBus({ claimMinIdle: 150, claimInterval: 50 });
    const key = t.bus.keys.stream('metrics');
    await t.redis.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
    const ids = await t.bus.publish('metrics', Array.from({ length: 50 }, (_, i) => metric(i)));
    // A consumer reads 30 entries and dies without acking them.
    const read = (await t.redis.xreadgroup('GROUP', 'g', 'dead', 'COUNT', 30, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    expect(read[0]?.[1]).toHaveLength(30);
    const processed = new Set<string>();
    const live = await t.bus.consume('metrics', { group: 'g', consumer: 'live', handler: async (d) => void processed.add(d.id) });
    await waitFor(() => processed.size === 50, 'all 50 messages, 30 of them claimed', 10_000);
    expect(live.stats.claimed).toBe(30);
    await live.close();
    expect(processed).toEqual(new Set(ids));
    expect((await t.redis.xpending(key, 'g'))[0]).toBe(0);
  });

  it('dead-letters malformed entries with their reasons; the handler never sees them', async () => {
    await using t = testBus();
    const key = t.bus.keys.stream('metrics');
    const seen: unknown[] = [];
    const consumer = await t.bus.consume('metrics', { group: 'g', consumer: 'c', handler: async (d) => void seen.push(d.message) });
    await t.redis.xadd(key, '*', 'data', '{not json');
    await t.redis.xadd(key, '*', 'other', 'x');
    await t.redis.xadd(key, '*', 'data', JSON.stringify({ ...metric(1), value: 'high' }));
    await t.redis.xadd(key, '*', 'data', JSON.stringify({ ...metric(1), extra: true }));
    await t.redis.xadd(key, '*', 'data', JSON.stringify({ ...metric(1), v: 0 }));
    await t.bus.publish('metrics', metric(7));
    const dead: MessageOf<'deadletter'>[] = [];
    const dl = await t.bus.consume('deadletter', { group: 'ops', consumer: 'c', handler: async (d) => void dead.push(d.message) });
    await waitFor(() => dead.length === 5 && seen.length === 1, '5 dead letters and 1 good message');
    await Promise.all([consumer.close(), dl.close()]);
    expect(seen).toEqual([expect.objectContaining({ value: 7 })]);
    const reasons = dead.map((d) => `${d.code} ${d.reason}`);
    expect(reasons[0]).toMatch(/AWO_MESSAGE_DECODE .*not JSON/);
    expect(reasons[1]).toMatch(/AWO_MESSAGE_DECODE .*no "data" field/);
    expect(dead[2]?.issues[0]?.path).toBe('value');
    expect(dead[3]?.reason).toMatch(/extra/);
    expect(dead[4]?.issues[0]?.path).toBe('v');
    expect(dead[0]?.raw.data).toBe('{not json');
    expect(dead.every((d) => d.stream === key && d.group === 'g')).toBe(true);
    expect((await t.redis.xpending(key, 'g'))[0]).toBe(0);
    // Counted by the stream they were read from (awo_bus_dead_lettered_total{stream}), kept after the consumer closed.
    expect([...t.bus.deadLettered]).toEqual([['metrics', 5]]);
  });

  it('dead-letters a poison message after maxDeliveries and processes the rest', async () => {
    await using t = testBus({ claimMinIdle: 30, claimInterval: 20, maxDeliveries: 3 });
    const attempts = new Map<number, number>();
    const ok = new Set<number>();
    const consumer = await t.bus.consume('metrics', {
      group: 'g',
      consumer: 'c',
      handler: async (d) => {
        attempts.set(d.message.value, (attempts.get(d.message.value) ?? 0) + 1);
        if (d.message.value === 13) throw new Error('cannot handle 13');
        ok.add(d.message.value);
      },
    });
    await t.bus.publish('metrics', Array.from({ length: 20 }, (_, i) => metric(i)));
    const dead: MessageOf<'deadletter'>[] = [];
    const dl = await t.bus.consume('deadletter', { group: 'ops', consumer: 'c', handler: async (d) => void dead.push(d.message) });
    await waitFor(() => dead.length === 1, 'the poison message in the dead-letter stream');
    await Promise.all([consumer.close(), dl.close()]);
    expect(ok.size).toBe(19);
    expect(attempts.get(13)).toBe(3);
    expect(dead[0]).toMatchObject({ code: 'AWO_MAX_DELIVERIES', deliveries: 4 });
    expect(JSON.parse(dead[0]?.raw.data ?? '{}').value).toBe(13);
    expect((await t.redis.xpending(t.bus.keys.stream('metrics'), 'g'))[0]).toBe(0);
  });

  it('holds at most maxInFlight messages (backpressure)', async () => {
    await using t = testBus({ maxInFlight: 8, readCount: 100, concurrency: 100 });
    let running = 0;
    let peak = 0;
    let done = 0;
    const consumer = await t.bus.consume('metrics', {
      group: 'g',
      consumer: 'c',
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        done++;
      },
    });
    await t.bus.publish('metrics', Array.from({ length: 200 }, (_, i) => metric(i)));
    await waitFor(() => done === 200, 'all 200 messages');
    await consumer.close();
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBeGreaterThan(1);
  });

  it('close() lets in-flight handlers finish and flushes their acks', async () => {
    await using t = testBus({ closeGrace: 5000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    let finished = 0;
    const consumer = await t.bus.consume('metrics', {
      group: 'g',
      consumer: 'c',
      handler: async () => {
        started++;
        await gate;
        finished++;
      },
    });
    await t.bus.publish('metrics', [metric(1), metric(2), metric(3)]);
    await waitFor(() => started === 3, 'three handlers running');
    const closing = consumer.close();
    expect(consumer.close()).toBe(closing);
    release();
    await closing;
    expect(finished).toBe(3);
    expect((await t.redis.xpending(t.bus.keys.stream('metrics'), 'g'))[0]).toBe(0);
  });

  it('creates a missing stream, and recreates stream and group when they vanish', async () => {
    await using t = testBus();
    const seen: number[] = [];
    const consumer = await t.bus.consume('insights', { group: 'g', consumer: 'c', startId: '0', handler: async (d) => void seen.push(d.message.ts) });
    expect(await t.redis.exists(t.bus.keys.stream('insights'))).toBe(1);
    await t.redis.del(t.bus.keys.stream('insights'));
    const insight = (ts: number) => ({ v: 1 as const, id: `i${ts}`, kind: 'anomaly' as const, series: 's', ts, method: 'robust-z', value: 1, score: 0.5, threshold: 3, anomalous: false });
    // The group is gone with the stream: the consumer sees NOGROUP, recreates it, and goes on.
    await waitFor(async () => {
      await t.bus.publish('insights', insight(seen.length + 1));
      return seen.length > 0;
    }, 'a message after the stream was deleted', 10_000, 100);
    await consumer.close();
  });

  it('trims streams to about maxLen and refuses to publish an invalid message', async () => {
    await using t = testBus({ maxLen: 100, batchSize: 50 });
    await t.bus.publish('metrics', Array.from({ length: 1000 }, (_, i) => metric(i)));
    const len = await t.redis.xlen(t.bus.keys.stream('metrics'));
    expect(len).toBeLessThan(300);
    expect(len).toBeGreaterThanOrEqual(100);
    await expect(t.bus.publish('metrics', { ...metric(1), value: Number.NaN })).rejects.toMatchObject({ code: 'AWO_MESSAGE_INVALID' });
  });
});

describe('consumer filter', () => {
  it('acks entries the filter rejects without decoding or handling them; the rest as usual', async () => {
    const { seriesFilter } = await import('@awo/shared');
    await using t = testBus();
    const seen: string[] = [];
    const consumer = await t.bus.consume('metrics', { group: 'g', consumer: 'c', filter: seriesFilter(['wanted']), handler: async (d) => void seen.push(d.message.series) });
    await t.bus.publish('metrics', [{ ...metric(1), series: 'other' }, { ...metric(2), series: 'wanted' }, { ...metric(3), series: 'other' }]);
    // No readable series: decoded as usual (and dead-lettered here, being invalid).
    await t.redis.xadd(t.bus.keys.stream('metrics'), '*', 'data', '{"value":1}');
    await waitFor(() => consumer.stats.filtered === 2 && seen.length === 1 && consumer.stats.deadLettered === 1, 'two filtered, one handled, one dead-lettered');
    await consumer.close();
    expect(seen).toEqual(['wanted']);
    expect((await t.redis.xpending(t.bus.keys.stream('metrics'), 'g'))[0]).toBe(0);
  });
});

describe('publish onInvalid', () => {
  it('reports and leaves out invalid messages, publishing the rest', async () => {
    await using t = testBus();
    const bad: [number, string][] = [];
    const ids = await t.bus.publish('metrics', [metric(1), { ...metric(2), value: Number.POSITIVE_INFINITY }, metric(3)], { onInvalid: (i, issues) => bad.push([i, issues[0]?.path ?? '']) });
    expect(ids).toHaveLength(2);
    expect(bad).toEqual([[1, 'value']]);
    expect(await t.redis.xlen(t.bus.keys.stream('metrics'))).toBe(2);
  });
});
