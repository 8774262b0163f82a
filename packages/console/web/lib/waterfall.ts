/** A span of a trace tree as `GET /api/v1/traces/{traceId}` gives it (what the waterfall draws). */
export interface WaterfallNode {
  spanId: string;
  name: string;
  service: string;
  /** Start, ms after the trace's first span. */
  startMs: number;
  durationMs: number;
  status?: string | undefined;
  children: WaterfallNode[];
}

export interface WaterfallRow<N extends WaterfallNode = WaterfallNode> {
  span: N;
  depth: number;
  /** Start and width as fractions of the trace's whole time, 0..1. */
  offset: number;
  width: number;
}

/** Most rows drawn; a deeper or larger tree is cut (the page says how many spans the trace has). */
export const MAX_ROWS = 2000;

/**
 * The trace tree as rows, depth first (a child under its parent), each placed on the trace's
 * time axis. A span seen twice (a broken tree) is drawn once.
 */
export function layoutWaterfall<N extends WaterfallNode>(roots: readonly N[]): { rows: WaterfallRow<N>[]; totalMs: number } {
  const all: { node: N; depth: number }[] = [];
  const seen = new Set<string>();
  const walk = (n: N, depth: number) => {
    if (seen.has(n.spanId) || all.length >= MAX_ROWS) return;
    seen.add(n.spanId);
    all.push({ node: n, depth });
    for (const c of [...n.children].sort((a, b) => a.startMs - b.startMs)) walk(c as N, depth + 1);
  };
  for (const r of [...roots].sort((a, b) => a.startMs - b.startMs)) walk(r, 0);
  if (all.length === 0) return { rows: [], totalMs: 0 };
  const t0 = Math.min(...all.map((r) => r.node.startMs));
  const totalMs = Math.max(0.001, Math.max(...all.map((r) => r.node.startMs + r.node.durationMs)) - t0);
  return {
    totalMs,
    rows: all.map(({ node, depth }) => ({ span: node, depth, offset: (node.startMs - t0) / totalMs, width: Math.max(node.durationMs / totalMs, 0.002) })),
  };
}
