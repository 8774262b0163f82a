import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { busSchema, createLogger, GROUPS, RedisBus } from '@awo/shared';

/** The consuming side of the bus benchmark, on its own thread (as the analyzer is its own agent). */
const { url, prefix, n } = workerData as { url: string; prefix: string; n: number };
const redis = new Redis(url, { maxRetriesPerRequest: 20 });
const bus = new RedisBus({ redis, config: busSchema.parse({ maxLen: 1_000_000, block: 100 }), prefix, log: createLogger({ level: 'warn' }) });
let done = 0;
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => (finish = resolve));
const consumer = await bus.consume('metrics', {
  group: GROUPS.bench,
  consumer: 'c1',
  handler: async () => {
    if (++done === n) finish();
  },
});
parentPort?.postMessage('ready');
await finished;
await consumer.close();
await bus.close();
await redis.quit();
parentPort?.postMessage('done');
