import { SpanKind, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { RedisClient } from '../redis.js';
import { z } from 'zod';

/** A finished span as awo keeps it in Redis, for `awo trace` without a collector. */
export const storedSpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.string(),
  service: z.string(),
  /** Start, µs since the epoch. */
  startUs: z.number(),
  durationUs: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  error: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string() })),
});
export type StoredSpan = z.infer<typeof storedSpanSchema>;

const KINDS: Record<number, string> = { [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer' };

function flatAttributes(attrs: Attributes): StoredSpan['attributes'] {
  const out: StoredSpan['attributes'] = {};
  let n = 0;
  for (const [k, v] of Object.entries(attrs)) {
    if (n++ >= 32) break;
    if (typeof v === 'string') out[k] = v.slice(0, 256);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) out[k] = JSON.stringify(v).slice(0, 256);
  }
  return out;
}

export function toStoredSpan(span: ReadableSpan): StoredSpan {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext?.spanId;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: span.name,
    kind: KINDS[span.kind] ?? 'internal',
    service: String(span.resource.attributes['service.name'] ?? 'unknown'),
    startUs: Math.round(hrTimeToMicroseconds(span.startTime)),
    durationUs: Math.round(hrTimeToMicroseconds(span.duration)),
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    ...(span.status.message ? { error: span.status.message.slice(0, 512) } : {}),
    attributes: flatAttributes(span.attributes),
    links: span.links.slice(0, 32).map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}

/**
 * Exports spans to a capped Redis stream (`XADD MAXLEN ~`), one pipelined batch per export.
 * Used behind a BatchSpanProcessor so the hot path only queues spans in memory.
 */
export class RedisSpanExporter implements SpanExporter {
  #stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly maxLen: number,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#stopped || spans.length === 0) return done({ code: ExportResultCode.SUCCESS });
    const pipeline = this.redis.pipeline();
    for (const s of spans) pipeline.xadd(this.key, 'MAXLEN', '~', this.maxLen, '*', 'span', JSON.stringify(toStoredSpan(s)));
    pipeline.exec().then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
  }

  async forceFlush(): Promise<void> {}
}

/** Reads the newest stored spans (at most `limit`), newest first. */
export async function readSpans(redis: RedisClient, key: string, limit = 50_000): Promise<StoredSpan[]> {
  const entries = (await redis.xrevrange(key, '+', '-', 'COUNT', limit)) as [string, string[]][];
  const out: StoredSpan[] = [];
  for (const [, fields] of entries) {
    const i = fields.indexOf('span');
    if (i < 0) continue;
    try {
      const parsed = storedSpanSchema.safeParse(JSON.parse(fields[i + 1] as string));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // a broken entry is skipped
    }
  }
  return out;
}
