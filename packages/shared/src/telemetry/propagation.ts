import { context as otelContext, propagation, trace, type Context, type Link, type SpanContext } from '@opentelemetry/api';

/** Trace context as it rides inside a message: W3C `traceparent` and `tracestate`. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Injects the given (default: active) context into a fresh carrier through the global propagator. */
export function injectHeaders(ctx: Context = otelContext.active()): TraceHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: TraceHeaders = {};
  if (carrier.traceparent) out.traceparent = carrier.traceparent;
  if (carrier.tracestate) out.tracestate = carrier.tracestate;
  return out;
}

/** Extracts a context from message headers; a malformed traceparent yields the base context. */
export function extractContext(headers: TraceHeaders, base: Context = otelContext.active()): Context {
  const carrier: Record<string, string> = {};
  if (headers.traceparent && TRACEPARENT.test(headers.traceparent)) {
    carrier.traceparent = headers.traceparent;
    if (headers.tracestate && headers.tracestate.length <= 512) carrier.tracestate = headers.tracestate;
  }
  return propagation.extract(base, carrier);
}

/** The remote span context carried by headers, if valid. */
export function spanContextOf(headers: TraceHeaders): SpanContext | undefined {
  const sc = trace.getSpanContext(extractContext(headers, otelContext.active()));
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

/**
 * Links to the producing spans of several messages (deduplicated, bounded). A batch's messages
 * mostly come from a few producing spans: each distinct traceparent is extracted once.
 */
export function linksFrom(headers: readonly TraceHeaders[], max = 32): Link[] {
  const seen = new Set<string>();
  const parsed = new Set<string | undefined>();
  const links: Link[] = [];
  for (let i = headers.length - 1; i >= 0 && links.length < max; i--) {
    const h = headers[i] as TraceHeaders;
    if (parsed.has(h.traceparent)) continue;
    parsed.add(h.traceparent);
    const sc = spanContextOf(h);
    if (!sc || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
  }
  return links;
}

/** Parses a traceparent without the propagator (for stored spans and CLI output). */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const m = value ? TRACEPARENT.exec(value) : null;
  return m ? { traceId: m[1] as string, spanId: m[2] as string } : undefined;
}
