import { layoutDag } from '../lib/dag.js';
import { num } from '../lib/format.js';
import type { Plan } from '../lib/schemas.js';

const W = 170;
const H = 74;
const GAP_X = 60;
const GAP_Y = 24;

/**
 * The workflow as the current plan has it: steps as boxes, dependencies as arrows (the route a
 * record takes), each step with its parameters; beside it the latest data-quality figures.
 */
export function DagPanel({ plan, quality }: { plan: Plan | null; quality: { name: string; value: number }[] }) {
  const layout = layoutDag(plan?.steps ?? {});
  const width = Math.max(1, layout.layers) * (W + GAP_X);
  const height = Math.max(1, layout.rows) * (H + GAP_Y);
  const pos = new Map(layout.nodes.map((n) => [n.name, { x: n.layer * (W + GAP_X), y: n.row * (H + GAP_Y) }]));
  return (
    <section class="panel wide" data-testid="dag">
      <h2>Workflow {plan ? <span class="muted">(plan v{plan.version})</span> : null}</h2>
      {!plan && <p class="empty">Loading…</p>}
      {plan && (
        <div class="dag-wrap">
          <svg class="dag" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="workflow DAG">
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
              </marker>
            </defs>
            {layout.edges.map((e) => {
              const a = pos.get(e.from);
              const b = pos.get(e.to);
              if (!a || !b) return null;
              return <path key={`${e.from}>${e.to}`} class="edge" marker-end="url(#arrow)" d={`M ${a.x + W} ${a.y + H / 2} C ${a.x + W + GAP_X / 2} ${a.y + H / 2}, ${b.x - GAP_X / 2} ${b.y + H / 2}, ${b.x} ${b.y + H / 2}`} />;
            })}
            {layout.nodes.map((n) => {
              const p = pos.get(n.name) ?? { x: 0, y: 0 };
              const params = Object.entries(plan.steps[n.name]?.params ?? {}).slice(0, 3);
              return (
                <g key={n.name} transform={`translate(${p.x},${p.y})`} data-testid="dag-step" data-step={n.name}>
                  <rect class="step" width={W} height={H} rx="6" />
                  <text class="step-name" x="10" y="20">
                    {n.name}
                  </text>
                  {params.map(([k, v], i) => (
                    <text key={k} class="step-param" x="10" y={38 + i * 14}>
                      {k} = {String(v)}
                    </text>
                  ))}
                </g>
              );
            })}
          </svg>
          <div class="quality" data-testid="quality">
            <h3>Quality</h3>
            {quality.length === 0 && <p class="empty">No data-quality series.</p>}
            <table>
              <tbody>
                {quality.map((q) => (
                  <tr key={q.name}>
                    <td>{q.name}</td>
                    <td class="num">{num(q.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
