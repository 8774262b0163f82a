import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decode, indexSpans, parseConfig, parseTraceparent, Runtime, upstreamChain, type StoredSpan } from '@awo/shared';
import { quietLogger, REDIS_URL, testPrefix } from '@awo/testkit';
import { runUntilAction, tracedLoopConfig } from './traced-loop.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** A minimal OTLP/HTTP receiver: decodes JSON export requests into spans with their service. */
async function receiver(): Promise<{ url: string; spans: StoredSpan[]; server: Server }> {
  const spans: StoredSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const doc = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            const attributes: StoredSpan['attributes'] = {};
            for (const a of s.attributes ?? []) {
              const v = Object.values(a.value)[0];
              if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[a.key] = v;
            }
            spans.push({ traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, kind: String(s.kind), service, startUs: Number(s.startTimeUnixNano) / 1000, durationUs: 0, status: 'unset', attributes, links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('OTLP export', () => {
  it('spans of the four services reach a real OTLP/HTTP receiver, linked from the action back to the metric', async () => {
    const otlp = await receiver();
    const prefix = testPrefix();
    const base = tracedLoopConfig(prefix);
    const config = parseConfig({ ...JSON.parse(JSON.stringify(base)), telemetry: { traces: { exporter: 'otlp', endpoint: otlp.url, protocol: 'http/json' }, spanStore: { enabled: false } } });
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    let newest: [string, string[]] | undefined;
    try {
      newest = await runUntilAction(runtime, prefix);
    } finally {
      // Shutting the providers down flushes their batch processors to the receiver.
      await runtime.close();
      otlp.server.close();
    }
    expect(new Set(otlp.spans.map((s) => s.service))).toEqual(new Set(['awo-monitor', 'awo-analyzer', 'awo-planner', 'awo-executor']));
    const result = decode('results', newest?.[1]);
    if (!result.ok) throw new Error(result.reason);
    const byId = indexSpans(otlp.spans);
    const start = byId.get(parseTraceparent(result.headers.traceparent)?.spanId ?? '');
    expect(start).toBeDefined();
    const chain = upstreamChain(start as StoredSpan, byId);
    expect(new Set(chain.map((s) => s.service))).toEqual(new Set(['awo-executor', 'awo-planner', 'awo-analyzer', 'awo-monitor']));
    expect(chain.at(-1)).toMatchObject({ service: 'awo-monitor', name: 'publish metrics' });
    expect(chain.at(-1)?.attributes['messaging.system']).toBe('redis');
  }, 60_000);
});
