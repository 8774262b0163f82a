/** A step of the plan as the DAG drawing needs it. */
export interface DagStep {
  after: readonly string[];
}

export interface DagNode {
  name: string;
  /** Column: the longest path of dependencies before the step. */
  layer: number;
  /** Row within the column. */
  row: number;
}

export interface DagLayout {
  nodes: DagNode[];
  edges: { from: string; to: string }[];
  layers: number;
  rows: number;
}

/**
 * Places each step in a column by its longest chain of dependencies (so every edge points right)
 * and in a row within the column by name. A dependency on a missing step is drawn as no edge; a
 * cycle (which a stored plan never has) is cut where it is found instead of looping.
 */
export function layoutDag(steps: Readonly<Record<string, DagStep>>): DagLayout {
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (name: string): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const deps = (steps[name]?.after ?? []).filter((d) => d in steps);
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    visiting.delete(name);
    layer.set(name, d);
    return d;
  };
  const names = Object.keys(steps).sort();
  for (const n of names) depth(n);
  const byLayer = new Map<number, string[]>();
  for (const n of names) {
    const l = layer.get(n) ?? 0;
    byLayer.set(l, [...(byLayer.get(l) ?? []), n]);
  }
  const nodes: DagNode[] = [];
  for (const [l, members] of byLayer) members.forEach((name, row) => nodes.push({ name, layer: l, row }));
  const edges = names.flatMap((to) => (steps[to]?.after ?? []).filter((from) => from in steps).map((from) => ({ from, to })));
  return { nodes, edges, layers: byLayer.size === 0 ? 0 : Math.max(...byLayer.keys()) + 1, rows: Math.max(0, ...[...byLayer.values()].map((m) => m.length)) };
}
