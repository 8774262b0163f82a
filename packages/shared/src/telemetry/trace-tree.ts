import type { StoredSpan } from './span-store.js';

/** Spans indexed by span id (ids are unique enough across traces for this use). */
export function indexSpans(spans: readonly StoredSpan[]): Map<string, StoredSpan> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

const KEY_ATTRS = ['messaging.destination.name', 'messaging.batch.message_count', 'messaging.message.id', 'messaging.consumer.group.name', 'awo.goal', 'awo.plan.version', 'awo.decision.desired', 'awo.action', 'awo.step'];

/** A link of a span, followed to the span it points at (when kept) and that span's own links, to a bounded depth. */
export interface TraceLink {
  traceId: string;
  spanId: string;
  /** The span linked to; absent when it is no longer kept. */
  target?: { service: string; name: string; traceId: string; attributes: Record<string, string | number | boolean> };
  links: TraceLink[];
}

/** One span of a trace tree: what `awo trace` prints on one line, with its children under it. */
export interface TraceNode {
  spanId: string;
  service: string;
  name: string;
  kind: string;
  /** Start, ms after the trace's first span. */
  startMs: number;
  durationMs: number;
  status: StoredSpan['status'];
  error?: string;
  /** The key attributes (messaging destination, batch size, goal, plan version, action, step). */
  attributes: Record<string, string | number | boolean>;
  links: TraceLink[];
  children: TraceNode[];
}

export interface TraceTree {
  traceId: string;
  spans: number;
  services: string[];
  roots: TraceNode[];
}

function keyAttributes(s: StoredSpan): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const k of KEY_ATTRS) if (s.attributes[k] !== undefined) out[k] = s.attributes[k] as string | number | boolean;
  return out;
}

/**
 * The spans of one trace as a tree (children by parent span, in start order), each link followed
 * to the span it points at and that span's links (bounded depth). Undefined when no span is kept.
 */
export function traceTree(traceId: string, all: readonly StoredSpan[], byId = indexSpans(all), followDepth = 3): TraceTree | undefined {
  const spans = all.filter((s) => s.traceId === traceId).sort((a, b) => a.startUs - b.startUs);
  if (spans.length === 0) return undefined;
  const t0 = spans[0]?.startUs ?? 0;
  const children = new Map<string, StoredSpan[]>();
  const inTrace = new Set(spans.map((s) => s.spanId));
  const roots: StoredSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && inTrace.has(s.parentSpanId)) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
    else roots.push(s);
  }
  const seen = new Set<string>();
  const node = (s: StoredSpan): TraceNode => ({
    spanId: s.spanId,
    service: s.service,
    name: s.name,
    kind: s.kind,
    startMs: (s.startUs - t0) / 1000,
    durationMs: s.durationUs / 1000,
    status: s.status,
    ...(s.error !== undefined ? { error: s.error } : {}),
    attributes: keyAttributes(s),
    links: s.links.map((l) => followLink(l, byId, followDepth, seen)),
    children: (children.get(s.spanId) ?? []).map(node),
  });
  return { traceId, spans: spans.length, services: [...new Set(spans.map((s) => s.service))], roots: roots.map(node) };
}

function followLink(link: { traceId: string; spanId: string }, byId: Map<string, StoredSpan>, left: number, seen: Set<string>): TraceLink {
  const target = byId.get(link.spanId);
  if (!target) return { traceId: link.traceId, spanId: link.spanId, links: [] };
  const out: TraceLink = { traceId: link.traceId, spanId: link.spanId, target: { service: target.service, name: target.name, traceId: target.traceId, attributes: keyAttributes(target) }, links: [] };
  if (left <= 1 || seen.has(target.spanId)) return out;
  seen.add(target.spanId);
  out.links = target.links.slice(0, 3).map((l) => followLink(l, byId, left - 1, seen));
  return out;
}

function attrs(a: Record<string, string | number | boolean>): string {
  const parts = Object.entries(a).map(([k, v]) => `${k.replace(/^messaging\./, '')}=${v}`);
  return parts.length ? ` {${parts.join(' ')}}` : '';
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
}

/** One line per span, indented by depth: service, name, start offset, duration, attributes, links. */
export function renderTrace(traceId: string, all: readonly StoredSpan[], byId = indexSpans(all), followDepth = 3): string[] {
  const tree = traceTree(traceId, all, byId, followDepth);
  if (!tree) return [];
  const lines: string[] = [`trace ${traceId}: ${tree.spans} spans, ${tree.services.length} services`];
  const link = (l: TraceLink, depth: number) => {
    const pad = '  '.repeat(depth);
    if (!l.target) return void lines.push(`${pad}↳ link → span ${l.spanId} of trace ${l.traceId} (not kept)`);
    lines.push(`${pad}↳ link → ${l.target.service}  ${l.target.name}  (trace ${l.target.traceId})${attrs(l.target.attributes)}`);
    for (const next of l.links) link(next, depth + 1);
  };
  const walk = (n: TraceNode, depth: number) => {
    const pad = '  '.repeat(depth + 1);
    lines.push(`${pad}${n.service}  ${n.name}  +${ms(n.startMs * 1000)}  ${ms(n.durationMs * 1000)}${n.status === 'error' ? `  ERROR ${n.error ?? ''}` : ''}${attrs(n.attributes)}`);
    for (const l of n.links) link(l, depth + 2);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of tree.roots) walk(r, 0);
  return lines;
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
