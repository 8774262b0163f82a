import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decode, indexSpans, keys, parseTraceparent, Runtime, toStoredSpan, upstreamChain, type StoredSpan } from '@awo/shared';
import { quietLogger, REDIS_URL, testPrefix } from '@awo/testkit';
import { runUntilAction, tracedLoopConfig } from './traced-loop.js';

describe('tracing', () => {
  it('the trace of an action reaches back through all four agents to the monitor span, by parents and links', async () => {
    const prefix = testPrefix();
    const exporter = new InMemorySpanExporter();
    const config = tracedLoopConfig(prefix);
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {}, processors: () => [new SimpleSpanProcessor(exporter)] });
    let finished: StoredSpan[] = [];
    // Read before the runtime closes: shutting the exporter down empties it.
    const newest = await runUntilAction(runtime, prefix, () => (finished = exporter.getFinishedSpans().map(toStoredSpan))).finally(() => runtime.close());
    const result = decode('results', newest?.[1]);
    if (!result.ok) throw new Error(result.reason);
    const spans = finished;
    const byId = indexSpans(spans);
    const start = byId.get(parseTraceparent(result.headers.traceparent)?.spanId ?? '');
    expect(start, "the span that published the result").toBeDefined();
    const chain = upstreamChain(start as StoredSpan, byId);
    const services = chain.map((s) => s.service);
    expect(new Set(services)).toEqual(new Set(['awo-executor', 'awo-planner', 'awo-analyzer', 'awo-monitor']));
    const origin = chain.at(-1) as StoredSpan;
    expect(origin).toMatchObject({ service: 'awo-monitor', kind: 'producer', name: 'publish metrics' });
    expect(origin.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.destination.name': keys(prefix).stream('metrics'), 'messaging.operation.type': 'send' });
    expect(origin.attributes['messaging.batch.message_count']).toBeGreaterThan(0);
    const consumer = spans.find((s) => s.service === 'awo-analyzer' && s.kind === 'consumer');
    expect(consumer?.name).toBe('process metrics');
    expect(consumer?.attributes).toMatchObject({ 'messaging.consumer.group.name': 'analyzer', 'messaging.operation.type': 'process' });
    // The executor's spans, from reconciliation to the job run, share the revision's trace.
    const executorKinds = new Set(chain.filter((s) => s.service === 'awo-executor').map((s) => s.kind));
    expect(executorKinds.has('producer') || executorKinds.has('consumer')).toBe(true);
  }, 60_000);
});
