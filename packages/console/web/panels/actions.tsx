import { num, time } from '../lib/format.js';
import type { Action } from '../lib/schemas.js';

/** Actions the executor ran for plan revisions, newest first, with their results. */
export function ActionsPanel({ actions, onTrace }: { actions: Action[]; onTrace: (traceId: string) => void }) {
  return (
    <section class="panel" data-testid="actions">
      <h2>Actions</h2>
      {actions.length === 0 && <p class="empty">No action yet.</p>}
      {actions.length > 0 && (
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
            {actions.map((a) => (
              <tr key={a.id} data-testid="action">
                <td>{time(a.at)}</td>
                <td>v{a.version}</td>
                <td>{a.action}</td>
                <td>
                  <code>
                    {a.step}.{a.param} → {String(a.value)}
                  </code>
                </td>
                <td class={a.ok === true ? 'ok' : a.ok === false ? 'bad' : 'muted'} title={a.error ?? ''}>
                  {a.ok === true ? 'ok' : a.ok === false ? `failed${a.error ? `: ${a.error}` : ''}` : 'pending'}
                </td>
                <td>{a.attempts ?? '-'}</td>
                <td>{a.durationMs !== undefined ? `${num(a.durationMs)}ms` : '-'}</td>
                <td>
                  {a.traceId ? (
                    <button class="link" data-testid="action-trace" onClick={() => a.traceId && onTrace(a.traceId)}>
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
      )}
    </section>
  );
}
