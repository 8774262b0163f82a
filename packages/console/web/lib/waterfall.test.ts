import { describe, expect, it } from 'vitest';
import { layoutWaterfall, type WaterfallNode } from './waterfall.js';

const node = (spanId: string, startMs: number, durationMs: number, children: WaterfallNode[] = []): WaterfallNode => ({ spanId, name: spanId, service: 's', startMs, durationMs, children });

describe('layoutWaterfall', () => {
  it('lists the tree depth first, children by start, and places each span on the trace time axis', () => {
    const { rows, totalMs } = layoutWaterfall([node('root', 0, 1000, [node('child2', 600, 200), node('child1', 100, 300, [node('grand', 150, 100)])])]);
    expect(totalMs).toBe(1000);
    expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([['root', 0], ['child1', 1], ['grand', 2], ['child2', 1]]);
    expect(rows[3]).toMatchObject({ offset: 0.6, width: 0.2 });
  });

  it('orders roots by start, draws a repeated span once, and gives tiny spans a visible width', () => {
    const shared = node('shared', 5, 0);
    const { rows } = layoutWaterfall([node('late', 10, 10, [shared]), node('early', 0, 10, [shared])]);
    expect(rows.map((r) => r.span.spanId)).toEqual(['early', 'shared', 'late']);
    expect(rows[1]?.width).toBeGreaterThan(0);
    expect(layoutWaterfall([])).toEqual({ rows: [], totalMs: 0 });
  });
});
