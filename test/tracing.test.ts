import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AGENT_NAMES, buildAgents, indexSpans, startAgents, stopAgents, upstreamChain } from '@awo/cli';
import { decode, parseTraceparent, Runtime, toStoredSpan, type StoredSpan } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { tracedLoopConfig } from './traced-loop.js';

describe('tracing', () => {
  it('the trace of an action reaches back through all four agents to the monitor span, by parents and links', async () => {
    const prefix = testPrefix();
    const exporter = new InMemorySpanExporter();
    const config = tracedLoopConfig(prefix);
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {}, processors: () => [new SimpleSpanProcessor(exporter)] });
    const agents = buildAgents(runtime, AGENT_NAMES);
    const queue = new Queue('work', { connection: runtime.connect('load'), prefix: `${prefix}:bull` });
    let newest: [string, string[]] | undefined;
    let finished: StoredSpan[] = [];
    try {
      await startAgents(agents);
      // Enough load that one worker at 5/s is not enough: the planner scales up.
      await waitFor(async () => {
        await queue.addBulk(Array.from({ length: 10 }, () => ({ name: 'job', data: {} })));
        [newest] = (await runtime.redis.xrevrange(runtime.keys.stream('results'), '+', '-', 'COUNT', 1)) as [string, string[]][];
        return newest !== undefined;
      }, 'an action result', 20_000, 100);
    } finally {
      await queue.close();
      await stopAgents(agents, 20_000);
      // Read before the runtime closes: shutting the exporter down empties it.
      finished = exporter.getFinishedSpans().map(toStoredSpan);
      await cleanup(runtime.redis, prefix);
      await runtime.close();
    }
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
    expect(origin.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.destination.name': `${prefix}:stream:metrics`, 'messaging.operation.type': 'send' });
    expect(origin.attributes['messaging.batch.message_count']).toBeGreaterThan(0);
    const consumer = spans.find((s) => s.service === 'awo-analyzer' && s.kind === 'consumer');
    expect(consumer?.name).toBe('process metrics');
    expect(consumer?.attributes).toMatchObject({ 'messaging.consumer.group.name': 'analyzer', 'messaging.operation.type': 'process' });
    // The executor's spans, from reconciliation to the job run, share the revision's trace.
    const executorKinds = new Set(chain.filter((s) => s.service === 'awo-executor').map((s) => s.kind));
    expect(executorKinds.has('producer') || executorKinds.has('consumer')).toBe(true);
  }, 60_000);
});
