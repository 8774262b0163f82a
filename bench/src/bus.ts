import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { busSchema, createLogger, GROUPS, RedisBus, type Logger, type Metric } from '@awo/shared';
import { benchRedis, connect, type BenchIo } from './context.js';
import { median, round, table } from './stats.js';

/**
 * Bus throughput: N metrics published through the bus and consumed with ack by one consumer
 * group, against raw pipelined XADD of the same entries with ioredis (the ceiling), in one run.
 */
export async function busBench(argv: { messages?: number; rounds?: number }, io: BenchIo) {
  const n = argv.messages ?? 100_000;
  const rounds = argv.rounds ?? 3;
  const redisInfo = await benchRedis();
  const redis = connect(redisInfo.url);
  const log = createLogger({ level: 'warn' });
  const raws: number[] = [];
  const buses: number[] = [];
  const sames: number[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      // Raw ceiling: the same encoded entries, pipelined in batches of 500, no validation.
      const rawKey = `bench-${randomUUID().slice(0, 8)}:raw`;
      const payload = JSON.stringify(metric(0));
      const t0 = performance.now();
      for (let i = 0; i < n; i += 500) {
        const p = redis.pipeline();
        for (let j = i; j < Math.min(n, i + 500); j++) p.xadd(rawKey, 'MAXLEN', '~', 1_000_000, '*', 'data', payload);
        await p.exec();
      }
      const raw = n / ((performance.now() - t0) / 1000);
      await redis.del(rawKey);

      const same = await busRound(redis, log, n, 'same-thread', redisInfo.url);
      const split = await busRound(redis, log, n, 'split', redisInfo.url);
      raws.push(raw);
      buses.push(split);
      sames.push(same);
      io.progress(`round ${r}/${rounds}: raw XADD ${Math.round(raw)} msg/s; bus publish+consume+ack: producer and consumer apart ${Math.round(split)} msg/s, in one thread ${Math.round(same)} msg/s`);
    }
  } finally {
    await redis.quit();
    await redisInfo.stop();
  }
  const ratio = (xs: number[]) => round(median(xs.map((b, i) => b / (raws[i] as number))), 3);
  const result = {
    messages: n,
    rounds,
    busMsgsPerSec: Math.round(median(buses)),
    rawXaddPerSec: Math.round(median(raws)),
    ratio: ratio(buses),
    sameThreadMsgsPerSec: Math.round(median(sames)),
    sameThreadRatio: ratio(sames),
  };
  if (io.json) io.out(JSON.stringify(result));
  else {
    io.out(table([
      { measure: 'raw pipelined XADD (ceiling)', 'msgs/s (median)': result.rawXaddPerSec },
      { measure: 'bus publish + consume + ack (producer, consumer apart)', 'msgs/s (median)': result.busMsgsPerSec },
      { measure: 'bus publish + consume + ack (both in one thread)', 'msgs/s (median)': result.sameThreadMsgsPerSec },
    ]));
    io.out(`ratio (bus / raw, median of per-round ratios): ${result.ratio}   goal ≥ 0.5; one thread: ${result.sameThreadRatio}   (${n} messages × ${rounds} rounds)`);
  }
  return result;
}

/**
 * One bus run: validated publish, consumer-group read, handler, batched ack, until all N are
 * acked. `split` runs the consumer on its own thread, as a separate agent would be.
 */
async function busRound(redis: Redis, log: Logger, n: number, mode: 'same-thread' | 'split', url: string): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const bus = new RedisBus({ redis, config: busSchema.parse({ maxLen: 1_000_000, block: 100 }), prefix, log });
  let finished: Promise<unknown>;
  let stop: () => Promise<unknown>;
  if (mode === 'split') {
    const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), { workerData: { module: new URL('./bus-consumer.ts', import.meta.url).href, url, prefix, n } });
    await once(worker, 'message');
    finished = once(worker, 'message');
    stop = () => once(worker, 'exit');
  } else {
    let done = 0;
    let finish: () => void = () => undefined;
    finished = new Promise<void>((resolve) => (finish = resolve));
    const consumer = await bus.consume('metrics', {
      group: GROUPS.bench,
      consumer: 'c1',
      handler: async () => {
        if (++done === n) finish();
      },
    });
    stop = () => consumer.close();
  }
  const t0 = performance.now();
  const sends: Promise<string[]>[] = [];
  for (let i = 0; i < n; i += 1000) {
    sends.push(bus.publish('metrics', Array.from({ length: Math.min(1000, n - i) }, (_, j) => metric(i + j))));
    if (sends.length >= 8) await sends.shift();
  }
  await Promise.all(sends);
  await finished;
  const rate = n / ((performance.now() - t0) / 1000);
  await stop();
  const pending = (await redis.xpending(bus.keys.stream('metrics'), 'bench'))[0];
  await bus.close();
  await redis.del(bus.keys.stream('metrics'), bus.keys.stream('deadletter'));
  if (pending !== 0) throw new Error(`bus left ${pending} messages unacked`);
  return rate;
}

function metric(i: number): Metric {
  return { v: 1, series: 'bench.queue.waiting', value: i, unit: 'jobs', ts: Date.now(), source: 'bench', labels: { queue: 'bench' } };
}
