import type { StoredSpan } from '@awo/shared';

/** Spans indexed by span id (ids are unique enough across traces for this use). */
export function indexSpans(spans: readonly StoredSpan[]): Map<string, StoredSpan> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

const KEY_ATTRS = ['messaging.destination.name', 'messaging.batch.message_count', 'messaging.message.id', 'messaging.consumer.group.name', 'awo.goal', 'awo.plan.version', 'awo.decision.desired', 'awo.action', 'awo.step'];

function attrs(s: StoredSpan): string {
  const parts = KEY_ATTRS.filter((k) => s.attributes[k] !== undefined).map((k) => `${k.replace(/^messaging\./, '')}=${s.attributes[k]}`);
  return parts.length ? ` {${parts.join(' ')}}` : '';
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
}

/** One line per span, indented by depth: service, name, start offset, duration, attributes, links. */
export function renderTrace(traceId: string, all: readonly StoredSpan[], byId = indexSpans(all), followDepth = 3): string[] {
  const spans = all.filter((s) => s.traceId === traceId).sort((a, b) => a.startUs - b.startUs);
  if (spans.length === 0) return [];
  const t0 = spans[0]?.startUs ?? 0;
  const children = new Map<string, StoredSpan[]>();
  const inTrace = new Set(spans.map((s) => s.spanId));
  const roots: StoredSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && inTrace.has(s.parentSpanId)) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
    else roots.push(s);
  }
  const lines: string[] = [`trace ${traceId}: ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services`];
  const seen = new Set<string>();
  const walk = (s: StoredSpan, depth: number) => {
    const pad = '  '.repeat(depth + 1);
    lines.push(`${pad}${s.service}  ${s.name}  +${ms(s.startUs - t0)}  ${ms(s.durationUs)}${s.status === 'error' ? `  ERROR ${s.error ?? ''}` : ''}${attrs(s)}`);
    for (const link of s.links) lines.push(...renderLink(link, depth + 2, byId, followDepth, seen));
    for (const c of children.get(s.spanId) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines;
}

/** A link, followed to the span it points at and that span's own links (bounded depth). */
function renderLink(link: { traceId: string; spanId: string }, depth: number, byId: Map<string, StoredSpan>, left: number, seen: Set<string>): string[] {
  const pad = '  '.repeat(depth);
  const target = byId.get(link.spanId);
  if (!target) return [`${pad}↳ link → span ${link.spanId} of trace ${link.traceId} (not kept)`];
  const line = `${pad}↳ link → ${target.service}  ${target.name}  (trace ${target.traceId})${attrs(target)}`;
  if (left <= 1 || seen.has(target.spanId)) return [line];
  seen.add(target.spanId);
  return [line, ...target.links.slice(0, 3).flatMap((l) => renderLink(l, depth + 1, byId, left - 1, seen))];
}

/**
 * Walks upstream from a span: to its parent when it has one, else to the first span it links
 * to. Gives the causal chain, newest first (result → … → metric).
 */
export function upstreamChain(start: StoredSpan, byId: Map<string, StoredSpan>, max = 64): StoredSpan[] {
  const chain = [start];
  const seen = new Set([start.spanId]);
  let cur: StoredSpan | undefined = start;
  while (cur && chain.length < max) {
    const next: StoredSpan | undefined = (cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined) ?? cur.links.map((l) => byId.get(l.spanId)).find((s) => s !== undefined);
    if (!next || seen.has(next.spanId)) break;
    seen.add(next.spanId);
    chain.push(next);
    cur = next;
  }
  return chain;
}

export { ms as formatMicros };
