/** A span as the trace endpoint gives it (the fields the waterfall draws). */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId?: string | undefined;
  name: string;
  service: string;
  startUs: number;
  durationUs: number;
  status?: string | undefined;
}

export interface WaterfallRow<S extends WaterfallSpan = WaterfallSpan> {
  span: S;
  depth: number;
  /** Start and width as fractions of the trace's whole time, 0..1. */
  offset: number;
  width: number;
}

/**
 * Orders spans as a tree (a child under its parent, siblings by start) and places each on the
 * trace's time axis. A span whose parent is not in the trace is a root.
 */
export function layoutWaterfall<S extends WaterfallSpan>(spans: readonly S[]): { rows: WaterfallRow<S>[]; totalUs: number } {
  if (spans.length === 0) return { rows: [], totalUs: 0 };
  const t0 = Math.min(...spans.map((s) => s.startUs));
  const t1 = Math.max(...spans.map((s) => s.startUs + s.durationUs));
  const totalUs = Math.max(1, t1 - t0);
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const s of [...spans].sort((a, b) => a.startUs - b.startUs)) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
    else roots.push(s);
  }
  const rows: WaterfallRow<S>[] = [];
  const seen = new Set<string>();
  const walk = (s: S, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    rows.push({ span: s, depth, offset: (s.startUs - t0) / totalUs, width: Math.max(s.durationUs / totalUs, 0.002) });
    for (const c of children.get(s.spanId) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  // Spans only reachable through a parent cycle are still shown, as roots.
  for (const s of spans) walk(s, 0);
  return { rows, totalUs };
}
