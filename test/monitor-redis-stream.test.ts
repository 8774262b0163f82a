import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisStreamSource, type Sample, type SourceDeps } from '@awo/monitor';
import { redisStreamSourceSchema } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix } from './helpers.js';

function setup() {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const deps: SourceDeps = { connect: () => new Redis(REDIS_URL, { maxRetriesPerRequest: 3 }), log: quietLogger(), now: () => Date.now() };
  const sources: { close(): Promise<void> }[] = [];
  return {
    prefix,
    redis,
    stream: `${prefix}:orders`,
    async source(fields: Record<string, unknown> = {}) {
      const s = redisStreamSource(redisStreamSourceSchema.parse({ kind: 'redis-stream', name: 'orders', stream: `${prefix}:orders`, ...fields }), deps);
      sources.push(s);
      await s.start?.();
      return s;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(sources.map((s) => s.close()));
      await cleanup(redis, prefix);
      await redis.quit();
    },
  };
}

/** `metric` → group (or '') → value. */
function table(samples: Sample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of samples) {
    const metric = s.series.replace('redis-stream.orders.', '');
    (out[metric] ??= {})[s.labels?.group ?? ''] = s.value;
  }
  return out;
}

const signal = () => new AbortController().signal;

describe('redis-stream source', () => {
  it('reports length, and lag and pending per group, falling back when Redis has no lag', async () => {
    await using t = setup();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await t.redis.xadd(t.stream, '*', 'n', String(i))) as string);
    await t.redis.xgroup('CREATE', t.stream, 'workers', '0');
    await t.redis.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 4, 'STREAMS', t.stream, '>');
    // A group made at an id in the middle: Redis cannot tell its lag (nil), the source counts it.
    await t.redis.xgroup('CREATE', t.stream, 'late', ids[2] as string);
    expect(await lagField(t.redis, t.stream, 'late')).toBeNull();

    const all = await t.source();
    const first = await all.sample(signal());
    expect(table(first)).toEqual({ length: { '': 10 }, lag: { workers: 6, late: 7 }, pending: { workers: 4, late: 0 } });
    expect(first.find((s) => s.labels?.group === 'workers')?.labels).toEqual({ stream: t.stream, group: 'workers' });

    // Acks lower pending; a deleted entry makes Redis drop the lag of a group behind it.
    await t.redis.xack(t.stream, 'workers', ids[0] as string, ids[1] as string);
    await t.redis.xdel(t.stream, ids[6] as string);
    expect(await lagField(t.redis, t.stream, 'workers')).toBeNull();
    expect(table(await all.sample(signal()))).toEqual({ length: { '': 9 }, lag: { workers: 5, late: 6 }, pending: { workers: 2, late: 0 } });
  });

  it('reports only the configured group, and fails clearly when it does not exist', async () => {
    await using t = setup();
    await t.redis.xadd(t.stream, '*', 'n', '1');
    await t.redis.xgroup('CREATE', t.stream, 'workers', '0');
    await t.redis.xgroup('CREATE', t.stream, 'other', '$');
    const one = await t.source({ group: 'workers' });
    expect(table(await one.sample(signal()))).toEqual({ length: { '': 1 }, lag: { workers: 1 }, pending: { workers: 0 } });
    const missing = await t.source({ group: 'nope' });
    await expect(missing.sample(signal())).rejects.toThrow(`consumer group "nope" does not exist on stream "${t.stream}"`);
  });

  it('reads a stream that does not exist yet as empty', async () => {
    await using t = setup();
    const s = await t.source();
    expect(table(await s.sample(signal()))).toEqual({ length: { '': 0 } });
  });
});

async function lagField(redis: Redis, stream: string, group: string): Promise<unknown> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  const g = groups.find((flat) => flat[flat.indexOf('name') + 1] === group) as unknown[];
  return g[g.indexOf('lag') + 1];
}
