import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '@awo/testkit';
import { httpJsonSource, prometheusSource, systemSource, type Sample, type SourceDeps } from '@awo/monitor';
import { httpJsonSourceSchema, prometheusSourceSchema, systemSourceSchema } from '@awo/shared';
import { quietLogger } from './helpers.js';

const deps: SourceDeps = { connect: () => { throw new Error('no Redis here'); }, log: quietLogger(), now: () => Date.now() };
const signal = () => new AbortController().signal;

const EXPOSITION = `# HELP queue_depth Jobs waiting.
# TYPE queue_depth gauge
queue_depth{queue="work",shard="a"} 12
queue_depth{queue="work",shard="b"} 30 1700000000000
queue_depth{queue="mail",shard="a"} 4
# TYPE latency_seconds summary
latency_seconds{quantile="0.99"} NaN
latency_seconds_count 7
errors_total{path="/a \\"quoted\\""} 2
`;

/** A node:http server on 127.0.0.1:0 with a route per case; closed after. */
async function server() {
  let depth = 12;
  const routes: Record<string, (res: ServerResponse) => void> = {
    '/stats': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { queue: { depth, name: 'work' } }, items: [{ value: 0.25 }] })),
    '/text': (res) => res.writeHead(200).end('<html>not json</html>'),
    '/down': (res) => res.writeHead(503, 'Service Unavailable').end(),
    '/metrics': (res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION),
    '/broken': (res) => res.writeHead(200).end('queue_depth{queue="work" 1\n'),
    '/slow': () => undefined, // never answers
  };
  const srv = createServer((req, res) => (routes[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    base,
    setDepth: (n: number) => void (depth = n),
    async [Symbol.asyncDispose]() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}


const json = (url: string, path: string, more: Record<string, unknown> = {}) =>
  httpJsonSource(httpJsonSourceSchema.parse({ kind: 'http-json', name: 'api', url, path, ...more }), deps);

describe('http-json source', () => {
  it('publishes the number at a dotted path, fresh on every sample', async () => {
    await using s = await server();
    const source = json(`${s.base}/stats`, 'data.queue.depth', { metric: 'depth', labels: { team: 'core' } });
    expect(await source.sample(signal())).toEqual([{ series: 'http-json.api.depth', value: 12 }]);
    expect(source.labels).toEqual({ team: 'core' });
    s.setDepth(40);
    expect((await source.sample(signal()))[0]?.value).toBe(40);
    expect(await json(`${s.base}/stats`, 'items.0.value').sample(signal())).toEqual([{ series: 'http-json.api.value', value: 0.25 }]);
  });

  it('fails with a clear message on a missing path, a non-number, a non-JSON body, an error status and a timeout', async () => {
    await using s = await server();
    await expect(json(`${s.base}/stats`, 'data.queue.size').sample(signal())).rejects.toThrow('path "data.queue.size": no "size" in "data.queue"');
    await expect(json(`${s.base}/stats`, 'data.queue.name').sample(signal())).rejects.toThrow('path "data.queue.name": expected a number, got the string "work"');
    await expect(json(`${s.base}/text`, 'a').sample(signal())).rejects.toThrow(`GET ${s.base}/text did not answer JSON`);
    await expect(json(`${s.base}/down`, 'a').sample(signal())).rejects.toThrow(`GET ${s.base}/down answered 503 Service Unavailable`);
    await expect(json(`${s.base}/slow`, 'a', { timeout: 100 }).sample(signal())).rejects.toThrow(`GET ${s.base}/slow timed out after 100 ms`);
    const port = await freePort();
    await expect(json(`http://127.0.0.1:${port}/x`, 'a').sample(signal())).rejects.toThrow(new RegExp(`GET http://127.0.0.1:${port}/x failed: .*ECONNREFUSED`));
  });

  it('gives up when its signal aborts', async () => {
    await using s = await server();
    const ctl = new AbortController();
    const running = json(`${s.base}/slow`, 'a').sample(ctl.signal);
    ctl.abort(new Error('closing'));
    await expect(running).rejects.toThrow('closing');
  });
});

describe('prometheus source', () => {
  const prom = (url: string, series: unknown[]) => prometheusSource(prometheusSourceSchema.parse({ kind: 'prometheus', name: 'app', url, series }), deps);

  it('picks series by name and label matchers, one sample per matching line with its labels', async () => {
    await using s = await server();
    const source = prom(`${s.base}/metrics`, [
      { metric: 'queue_depth', labels: { queue: 'work' }, as: 'work_depth' },
      { metric: 'latency_seconds', labels: { quantile: '0.99' }, as: 'p99' },
      { metric: 'errors_total' },
      { metric: 'not_there' },
    ]);
    const samples: Sample[] = await source.sample(signal());
    expect(samples).toEqual([
      { series: 'prometheus.app.work_depth', value: 12, labels: { queue: 'work', shard: 'a' } },
      { series: 'prometheus.app.work_depth', value: 30, labels: { queue: 'work', shard: 'b' }, ts: 1700000000000 },
      { series: 'prometheus.app.p99', value: Number.NaN, labels: { quantile: '0.99' } },
      { series: 'prometheus.app.errors_total', value: 2, labels: { path: '/a "quoted"' } },
    ]);
  });

  it('fails on a malformed exposition with the line, and on an error status', async () => {
    await using s = await server();
    await expect(prom(`${s.base}/broken`, [{ metric: 'queue_depth' }]).sample(signal())).rejects.toThrow(/line 1: expected "," or "}" in the labels/);
    await expect(prom(`${s.base}/down`, [{ metric: 'queue_depth' }]).sample(signal())).rejects.toThrow(/answered 503/);
  });
});

describe('system source', () => {
  it('reports host CPU and memory, load, and this process\'s memory and event-loop lag', async () => {
    const source = systemSource(systemSourceSchema.parse({ kind: 'system', name: 'host' }), deps);
    await source.start?.();
    try {
      // Keep the event loop busy for 150 ms: the lag and the CPU show it.
      const until = performance.now() + 150;
      while (performance.now() < until) Math.sqrt(Math.random());
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 0));
      const samples = await source.sample(signal());
      const v = (m: string) => samples.find((s) => s.series === `system.host.${m}`)?.value as number;
      expect(samples.map((s) => s.series.replace('system.host.', '')).sort()).toEqual(['cpu', 'event_loop_lag_ms', 'heap_used_bytes', 'load1', 'memory_used_ratio', 'rss_bytes']);
      expect(v('cpu')).toBeGreaterThan(0);
      expect(v('cpu')).toBeLessThanOrEqual(1);
      expect(v('memory_used_ratio')).toBeGreaterThan(0);
      expect(v('memory_used_ratio')).toBeLessThan(1);
      expect(v('load1')).toBeGreaterThanOrEqual(0);
      expect(v('rss_bytes')).toBeGreaterThan(10_000_000);
      expect(v('heap_used_bytes')).toBeGreaterThan(1_000_000);
      expect(v('event_loop_lag_ms')).toBeGreaterThan(100);
    } finally {
      await source.close();
    }
  });
});
