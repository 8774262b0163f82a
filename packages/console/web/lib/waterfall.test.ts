import { describe, expect, it } from 'vitest';
import { layoutWaterfall } from './waterfall.js';

const span = (spanId: string, startUs: number, durationUs: number, parentSpanId?: string) => ({ spanId, parentSpanId, name: spanId, service: 's', startUs, durationUs });

describe('layoutWaterfall', () => {
  it('orders spans as a tree and places them on the trace time axis', () => {
    const { rows, totalUs } = layoutWaterfall([span('child2', 600, 200, 'root'), span('root', 0, 1000), span('child1', 100, 300, 'root'), span('grand', 150, 100, 'child1')]);
    expect(totalUs).toBe(1000);
    expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([['root', 0], ['child1', 1], ['grand', 2], ['child2', 1]]);
    expect(rows[3]).toMatchObject({ offset: 0.6, width: 0.2 });
  });

  it('treats a span whose parent is elsewhere as a root, and shows every span once even in a parent cycle', () => {
    const { rows } = layoutWaterfall([span('a', 10, 5, 'b'), span('b', 0, 5, 'a'), span('c', 20, 5, 'other-trace')]);
    expect(rows.map((r) => r.span.spanId).sort()).toEqual(['a', 'b', 'c']);
    expect(rows.find((r) => r.span.spanId === 'c')?.depth).toBe(0);
    expect(layoutWaterfall([])).toEqual({ rows: [], totalUs: 0 });
  });
});
