import { randomUUID } from 'node:crypto';
import { ApiServer } from '@awo/api';
import { applyChanges, createLogger, deletePrefix, parseConfig, PlanStore, Runtime } from '@awo/shared';
import { RunLog } from '@awo/workflow';
import { benchRedis, type BenchIo } from './context.js';
import { median, quantile, round, table } from './stats.js';

const TOKEN = 'bench-api-operator-token-0123456789';

/** Sends `n` requests, `concurrency` at a time; the latency of each (ms) and the requests per second. */
async function load(n: number, concurrency: number, request: (i: number) => Promise<Response>): Promise<{ ms: number[]; rps: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const start = performance.now();
        const res = await request(i);
        await res.arrayBuffer();
        if (res.status >= 400) throw new Error(`request ${i} answered ${res.status}`);
        ms.push(performance.now() - start);
      }
    }),
  );
  return { ms, rps: n / ((performance.now() - t0) / 1000) };
}

/**
 * The API's request latency and throughput on a loaded store (500 revisions, 20,000 metrics of 20
 * series, 10,000 insights, 2,000 runs), 8 requests at a time over loopback, one process; and how
 * long a new revision takes to reach 50 clients of the events stream.
 */
export async function apiBench(argv: { requests?: number }, io: BenchIo) {
  const requests = argv.requests ?? 500;
  const redis = await benchRedis();
  const prefix = `bench-api-${randomUUID()}`;
  const config = parseConfig(
    { prefix, workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 } } } }, api: { port: 0, rateLimit: { max: 1_000_000 }, events: { maxClients: 100 } } },
    { AWO_API_TOKEN: TOKEN },
  );
  const log = createLogger({ level: 'warn' });
  const runtime = new Runtime({ config, redisUrl: redis.url, log, env: {} });
  const server = new ApiServer({ config, redis: runtime.redis, connect: (n, o) => runtime.connect(`api:${n}`, o), keys: runtime.keys, log, metrics: runtime.metrics.agent('api') });
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const rows: Record<string, string | number>[] = [];
  try {
    io.progress('seeding: revisions, metrics, insights, runs');
    const commit = async (to: number) => {
      const current = await store.current();
      const changes = [{ op: 'set' as const, step: 'work', param: 'concurrency', from: current.steps.work?.params.concurrency ?? null, to }];
      await store.commit({ v: 1, version: current.version + 1, parentVersion: current.version, plan: applyChanges(current, changes, current.version + 1), changes, goal: 'bench', reason: 'bench', insightIds: [], at: Date.now(), leader: 'bench' });
    };
    for (let i = 0; i < 500; i++) await commit(2 + (i % 10));
    const now = Date.now();
    for (let b = 0; b < 20; b++) await runtime.bus.publish('metrics', Array.from({ length: 1000 }, (_, i) => ({ v: 1 as const, series: `load.s${i % 20}`, value: i, ts: now - 1000 + b, source: 'bench' })));
    for (let b = 0; b < 10; b++) await runtime.bus.publish('insights', Array.from({ length: 1000 }, (_, i) => ({ v: 1 as const, id: `i-${b}-${i}`, kind: 'forecast' as const, series: `load.s${i % 20}`, ts: now, metricIds: [], model: 'naive', value: i, lower: i - 1, upper: i + 1, horizonMs: 10_000, observed: i })));
    const runs = new RunLog(runtime.redis, runtime.keys, config.workflow.runs);
    for (let i = 0; i < 2000; i++) await runs.record({ header: { id: `r${i}`, version: 1, entered: now + i, route: ['a', 'b'] }, attempt: { step: 'a', attempt: 1, queuedAt: now + i, start: now + i + 1, end: now + i + 3, outcome: 'passed' }, status: 'completed' });
    await server.start();
    const base = `http://127.0.0.1:${server.port}`;
    const get = (path: string) => () => fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
    const cases: [string, (i: number) => Promise<Response>][] = [
      ['GET /api/v1/plan', get('/api/v1/plan')],
      ['GET /api/v1/plan/revisions?limit=50', get('/api/v1/plan/revisions?limit=50')],
      ['GET /api/v1/plan/revisions/250', get('/api/v1/plan/revisions/250')],
      ['GET /api/v1/series/load.s7?points=300', get('/api/v1/series/load.s7?points=300')],
      ['GET /api/v1/insights?limit=50', get('/api/v1/insights?limit=50')],
      ['GET /api/v1/runs?limit=50', get('/api/v1/runs?limit=50')],
      ['GET /api/v1/runs/r1000', get('/api/v1/runs/r1000')],
      ['401 (no token)', () => fetch(`${base}/api/v1/plan`).then((r) => new Response(null, { status: r.status === 401 ? 200 : 500 }))],
    ];
    for (const [what, request] of cases) {
      await load(20, 4, request);
      const { ms, rps } = await load(requests, 8, request);
      rows.push({ what, median_ms: round(median(ms), 2), p95_ms: round(quantile(ms, 0.95), 2), rps: round(rps, 0) });
      io.progress(`${what}: median ${round(median(ms), 2)} ms`);
    }
    // Fan-out: a revision committed → the event read by each of 50 clients.
    const clients = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}/api/v1/events?types=revision`, { headers: { authorization: `Bearer ${TOKEN}` } })));
    const fanout: number[] = [];
    for (let round_ = 0; round_ < 10; round_++) {
      const seen = clients.map((c) => {
        const reader = (c.body as ReadableStream<Uint8Array>).getReader();
        return { reader, done: (async () => {
          let text = '';
          while (!text.includes('event: revision')) text += new TextDecoder().decode((await reader.read()).value);
          reader.releaseLock();
          return performance.now();
        })() };
      });
      const t0 = performance.now();
      await commit(100 + round_);
      const at = await Promise.all(seen.map((s) => s.done));
      fanout.push(Math.max(...at) - t0);
    }
    for (const c of clients) await c.body?.cancel().catch(() => undefined);
    rows.push({ what: 'revision → 50 event clients (last)', median_ms: round(median(fanout), 2), p95_ms: round(quantile(fanout, 0.95), 2), rps: '-' });
  } finally {
    await server.close();
    await deletePrefix(runtime.redis, prefix).catch(() => undefined);
    await runtime.close();
    await redis.stop();
  }
  if (io.json) io.out(JSON.stringify({ requests, rows }));
  else io.out(table(rows));
  return rows;
}
