import { describe, expect, it } from 'vitest';
import { layoutDag } from './dag.js';

describe('layoutDag', () => {
  it('puts each step after the longest chain of its dependencies, edges pointing right', () => {
    const l = layoutDag({ ingest: { after: [] }, validate: { after: ['ingest'] }, strict: { after: ['validate'] }, store: { after: ['validate', 'strict'] } });
    const at = Object.fromEntries(l.nodes.map((n) => [n.name, n.layer]));
    expect(at).toEqual({ ingest: 0, validate: 1, strict: 2, store: 3 });
    for (const e of l.edges) expect(at[e.to]).toBeGreaterThan(at[e.from] as number);
    expect(l.edges).toHaveLength(4);
    expect(l.layers).toBe(4);
  });

  it('stacks independent steps in rows, skips edges to missing steps and survives a cycle', () => {
    const l = layoutDag({ a: { after: [] }, b: { after: [] }, c: { after: ['a', 'gone'] } });
    expect(l.nodes.filter((n) => n.layer === 0).map((n) => [n.name, n.row])).toEqual([['a', 0], ['b', 1]]);
    expect(l.edges).toEqual([{ from: 'a', to: 'c' }]);
    expect(l.rows).toBe(2);
    const cyc = layoutDag({ x: { after: ['y'] }, y: { after: ['x'] } });
    expect(cyc.nodes).toHaveLength(2);
    expect(layoutDag({})).toEqual({ nodes: [], edges: [], layers: 0, rows: 0 });
  });
});
