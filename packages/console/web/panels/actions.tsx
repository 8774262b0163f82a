import { num, time } from '../lib/format.js';
import type { ActionItem } from '../lib/schemas.js';

/** Actions the executor ran for plan revisions, newest first, with their results. */
export function ActionsPanel({ actions, onTrace }: { actions: ActionItem[]; onTrace: (traceId: string) => void }) {
  return (
    <section class="panel" data-testid="actions">
      <h2>Actions</h2>
      {actions.length === 0 && <p class="empty">No action yet.</p>}
      {actions.length > 0 && (
        <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>when</th>
              <th>plan</th>
              <th>action</th>
              <th>change</th>
              <th>result</th>
              <th>attempts</th>
              <th>took</th>
              <th>trace</th>
            </tr>
          </thead>
          <tbody>
            {actions.map(({ action: a, result: r, traceId }) => (
              <tr key={a.id} data-testid="action" data-id={a.id}>
                <td>{time(a.at)}</td>
                <td>v{a.version}</td>
                <td>{a.action}</td>
                <td>
                  <code>
                    {a.step}.{a.param} → {String(a.value)}
                  </code>
                </td>
                <td class={r ? (r.ok ? 'ok' : 'bad') : 'muted'} title={r?.error ?? ''}>
                  {r ? (r.ok ? 'ok' : `failed${r.error ? `: ${r.error}` : ''}`) : 'pending'}
                </td>
                <td>{r?.attempts ?? '-'}</td>
                <td>{r ? `${num(r.durationMs)}ms` : '-'}</td>
                <td>
                  {traceId ? (
                    <button class="link" data-testid="action-trace" onClick={() => onTrace(traceId)}>
                      waterfall
                    </button>
                  ) : (
                    '-'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
