import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { freePort } from '@awo/testkit';
import { createSource, MonitorAgent, type Sample, type Source, type SourceDeps } from '@awo/monitor';
import { ATTR, parseConfig, parseTraceparent, Runtime, type Delivery, type SourceConfig } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** A runtime on the real Redis under a fresh prefix, with spans kept in memory; all removed after. */
function setup(sources: (prefix: string) => unknown[] = () => []) {
  const prefix = testPrefix();
  const config = parseConfig({ prefix, bus: { block: 100, ackInterval: 5 }, monitor: { interval: 50, maxBackoff: 200, sources: sources(prefix) } });
  const exporter = new InMemorySpanExporter();
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {}, processors: () => [new SimpleSpanProcessor(exporter)] });
  const got: Delivery<'metrics'>[] = [];
  return {
    prefix,
    config,
    runtime,
    exporter,
    got,
    stream: `${prefix}:orders`,
    /** Reads the metrics stream through its own consumer group, from the start. */
    watch: () => runtime.bus.consume('metrics', { group: 'test', consumer: 'w', startId: '0', handler: async (d) => void got.push(d) }),
    of: (series: string) => got.filter((d) => d.message.series === series),
    async [Symbol.asyncDispose]() {
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

/** A source that always fails to sample, counting its tries. */
function brokenSource() {
  const state = { tries: 0, closed: false };
  const source: Source = {
    kind: 'fake',
    name: 'broken',
    interval: undefined,
    async sample() {
      state.tries++;
      throw new Error('broken on purpose');
    },
    async close() {
      state.closed = true;
    },
  };
  return { source, state };
}

async function clientNames(t: ReturnType<typeof setup>): Promise<string[]> {
  const list = (await t.runtime.redis.client('LIST')) as string;
  return list.split('\n').map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? '');
}

describe('MonitorAgent', () => {
  it('publishes a good source\'s metrics while a failing one reports up = 0 and growing staleness, then closes cleanly', async () => {
    // The good source samples every 250 ms (so its sample timeout is 250 ms, not the monitor's
    // 50 ms): on a loaded machine a Redis round trip can pass 50 ms, and this test is about the
    // broken source not stopping the good one, not about round-trip time.
    await using t = setup((prefix) => [{ kind: 'redis-stream', name: 'orders', stream: `${prefix}:orders`, group: 'g', labels: { team: 'core' }, interval: 250 }]);
    await t.runtime.redis.xadd(t.stream, '*', 'n', '1');
    await t.runtime.redis.xgroup('CREATE', t.stream, 'g', '0');
    const watcher = await t.watch();
    const deps = t.runtime.deps('monitor');
    const sourceDeps: SourceDeps = { connect: (name, o) => t.runtime.connect(`monitor:source:${name}`, o), log: deps.log, now: () => Date.now() };
    const good = createSource(t.config.monitor.sources[0] as SourceConfig, sourceDeps);
    const broken = brokenSource();
    // Values the metrics schema refuses are dropped one by one; the rest of the batch goes out.
    const odd: Source = {
      kind: 'fake',
      name: 'odd',
      interval: 1000,
      labels: { from: 'config', kept: 'yes' },
      sample: async (): Promise<Sample[]> => [
        { series: 'fake.odd.nan', value: Number.NaN },
        { series: 'fake.odd.long_label', value: 2, labels: { x: 'y'.repeat(600) } },
        { series: 'fake.odd.ok', value: 1, labels: { from: 'sample' }, ts: 1_700_000_000_000 },
      ],
      close: async () => undefined,
    };
    const agent = new MonitorAgent(deps, { sources: [good, broken.source, odd] });
    await agent.start();
    expect(agent.status().ready).toBe(true);

    await waitFor(() => t.of('fake.broken.up').length >= 8, 'eight up = 0 reports of the broken source');
    const brokenUps = t.of('fake.broken.up');
    expect(brokenUps.every((d) => d.message.value === 0 && d.message.source === 'fake:broken')).toBe(true);
    const staleness = t.of('fake.broken.staleness_ms').map((d) => d.message.value);
    for (let i = 1; i < staleness.length; i++) expect(staleness[i]).toBeGreaterThan(staleness[i - 1] as number);
    // Backoff: tried far less often than reported.
    expect(broken.state.tries).toBeLessThan(brokenUps.length);
    expect(broken.state.tries).toBeGreaterThanOrEqual(3);

    // The good source kept going after the broken one failed again and again.
    const lastBrokenAt = brokenUps.at(-1)?.message.ts as number;
    await waitFor(() => t.of('redis-stream.orders.up').filter((d) => d.message.ts > lastBrokenAt).length >= 2, 'good metrics after the failures');
    const length = t.of('redis-stream.orders.length').at(-1);
    expect(length?.message).toMatchObject({ v: 1, value: 1, unit: 'entries', source: 'redis-stream:orders', labels: { team: 'core', stream: t.stream } });
    expect(t.of('redis-stream.orders.lag').at(-1)?.message).toMatchObject({ value: 1, labels: { team: 'core', stream: t.stream, group: 'g' } });
    expect(t.of('redis-stream.orders.up').every((d) => d.message.value === 1)).toBe(true);
    expect(t.of('redis-stream.orders.staleness_ms').every((d) => d.message.value === 0)).toBe(true);

    // One publish per tick, in a PRODUCER span whose context rides in each message.
    const spans = t.exporter.getFinishedSpans().filter((s) => s.name === 'publish metrics');
    const tick = parseTraceparent(length?.headers.traceparent);
    const span = spans.find((s) => s.spanContext().spanId === tick?.spanId);
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.attributes).toMatchObject({
      [ATTR.MESSAGING_SYSTEM]: 'redis',
      [ATTR.MESSAGING_DESTINATION_NAME]: t.runtime.keys.stream('metrics'),
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: 5,
    });
    const sameTick = t.got.filter((d) => parseTraceparent(d.headers.traceparent)?.spanId === tick?.spanId).map((d) => d.message.series);
    expect(sameTick.sort()).toEqual(['length', 'lag', 'pending', 'up', 'staleness_ms'].map((m) => `redis-stream.orders.${m}`).sort());

    expect(t.of('fake.odd.ok')[0]?.message).toMatchObject({ value: 1, ts: 1_700_000_000_000, source: 'fake:odd', labels: { from: 'sample', kept: 'yes' } });
    expect(t.got.some((d) => d.message.series === 'fake.odd.nan' || d.message.series === 'fake.odd.long_label')).toBe(false);
    expect(t.of('fake.odd.up').length).toBeLessThan(t.of('redis-stream.orders.up').length); // its own, longer interval

    const detail = agent.status().detail as { sources: Record<string, { up: boolean; lastError?: string; lastSuccess?: string }> };
    expect(detail.sources['fake:broken']).toMatchObject({ up: false, lastError: 'broken on purpose' });
    expect(detail.sources['redis-stream:orders']).toMatchObject({ up: true });
    expect(Date.parse(detail.sources['redis-stream:orders']?.lastSuccess ?? '')).toBeGreaterThan(0);
    const counters = agent.metrics();
    expect(counters['monitor_source_failures_total_by_source{source="fake:broken"}']).toBe(broken.state.tries);
    expect(counters['monitor_source_up_by_source{source="redis-stream:orders"}']).toBe(1);
    expect(counters.monitor_samples_published_total).toBeGreaterThan(20);
    expect(counters.monitor_publish_failures_total).toBe(0);

    const started = Date.now();
    const closing = agent.close();
    expect(agent.close()).toBe(closing);
    await closing;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(agent.state).toBe('closed');
    expect(broken.state.closed).toBe(true);
    // Two of odd's three samples were dropped on every one of its ticks.
    const dropped = agent.metrics().monitor_samples_dropped_total as number;
    expect(dropped % 2).toBe(0);
    await waitFor(() => t.of('fake.odd.ok').length * 2 === dropped, 'every good sample of odd read');
    await waitFor(async () => !(await clientNames(t)).includes(`${t.prefix}:monitor:source:redis-stream:orders`), 'the source connection closed');
    await watcher.close();
  });

  it('builds its sources from the config; a source that cannot start does not stop the agent', async () => {
    const port = await freePort();
    await using t = setup((prefix) => [
      { kind: 'system', name: 'host', labels: { host: 'test' } },
      { kind: 'redis-stream', name: 'orders', stream: `${prefix}:orders` },
      { kind: 'nats', name: 'down', servers: `nats://127.0.0.1:${port}`, subject: 'awo.never' },
    ]);
    const watcher = await t.watch();
    await using agent = new MonitorAgent(t.runtime.deps('monitor'));
    await agent.start();
    await waitFor(() => t.of('system.host.cpu').length >= 1 && t.of('redis-stream.orders.length').length >= 2 && t.of('nats.down.up').length >= 2, 'metrics of every source');
    expect(t.of('system.host.cpu')[0]?.message).toMatchObject({ source: 'system:host', labels: { host: 'test' }, unit: 'ratio' });
    expect(t.of('nats.down.up').every((d) => d.message.value === 0)).toBe(true);
    expect((agent.status().detail as { sources: Record<string, { lastError?: string }> }).sources['nats:down']?.lastError).toMatch(/cannot connect to NATS/);
    expect(agent.state).toBe('running');
    await agent.close();
    expect(agent.state).toBe('closed');
    await watcher.close();
  });

  it('refuses two sources with the same kind and name', () => {
    const t = setup();
    const a = brokenSource().source;
    expect(() => new MonitorAgent(t.runtime.deps('monitor'), { sources: [a, { ...a }] })).toThrow(/"fake:broken" appears twice/);
    return t.runtime.close();
  });

  it('drops a sample a source stamped further ahead than bus.maxClockSkew, and takes a slightly early one as now', async () => {
    await using t = setup();
    const watcher = await t.watch();
    const future: Source = {
      kind: 'fake',
      name: 'clock',
      interval: 50,
      sample: async (): Promise<Sample[]> => [
        { series: 'fake.clock.future', value: 1, ts: Date.now() + 3_600_000 },
        { series: 'fake.clock.early', value: 2, ts: Date.now() + 1000 },
      ],
      close: async () => undefined,
    };
    await using agent = new MonitorAgent(t.runtime.deps('monitor'), { sources: [future] });
    await agent.start();
    await waitFor(() => t.of('fake.clock.early').length >= 3, 'three rounds of the clock source');
    expect(t.of('fake.clock.future')).toHaveLength(0);
    for (const d of t.of('fake.clock.early')) expect(d.message.ts).toBeLessThanOrEqual(Number(d.id.split('-')[0]));
    expect((agent.status().detail as { dropped: number }).dropped).toBeGreaterThanOrEqual(3);
    await watcher.close();
  });
});
