import { useState } from 'preact/hooks';
import { deleteJson, postJson, seg } from '../lib/api.js';
import { ago, describeChange } from '../lib/format.js';
import { okSchema, type Override, type Proposal } from '../lib/schemas.js';

/**
 * Overrides (pinned parameters) and proposals (changes a goal in `mode: propose` asks for),
 * with approve and reject buttons. A viewer's token may read; the API refuses its writes (403),
 * and the page says so.
 */
export function SteeringPanel({ overrides, proposals, onChanged }: { overrides: Override[] | undefined; proposals: Proposal[] | undefined; onChanged: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (key: string, path: string, body: unknown, done: string, method: 'POST' | 'DELETE' = 'POST') => {
    setBusy(key);
    setMessage(null);
    try {
      await (method === 'POST' ? postJson(path, body, okSchema) : deleteJson(path, okSchema));
      setMessage({ ok: true, text: done });
      onChanged();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  const open = (proposals ?? []).filter((p) => p.status === 'open');
  const decided = (proposals ?? []).filter((p) => p.status !== 'open').slice(0, 10);
  return (
    <section class="panel" data-testid="steering">
      <h2>Overrides and proposals</h2>
      {message && (
        <p class={message.ok ? 'notice' : 'error'} data-testid="steering-message">
          {message.text}
        </p>
      )}
      <h3>Overrides</h3>
      {overrides === undefined && <p class="empty">This API server has no overrides.</p>}
      {overrides?.length === 0 && <p class="empty">No pinned parameter.</p>}
      <ul class="overrides">
        {(overrides ?? []).map((o) => (
          <li key={o.id} data-testid="override" data-id={o.id} data-status={o.status}>
            <code>
              {o.step}.{o.param} = {String(o.value)}
            </code>{' '}
            <span class={`status ${o.status}`}>{o.status}</span>
            {o.version !== undefined && <span class="muted"> in v{o.version}</span>} {o.until ? `until ${new Date(o.until).toISOString()}` : 'until removed'}
            {o.by && <span class="muted"> by {o.by}</span>}
            {o.reason && <span class="muted"> — {o.reason}</span>}{' '}
            {o.status !== 'removing' && (
              <button class="secondary" data-testid="unpin" disabled={busy !== null} onClick={() => act(`u${o.id}`, `/plan/overrides/${seg(o.id)}`, undefined, `asked to remove override ${o.id}`, 'DELETE')}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <h3>Proposals</h3>
      {proposals === undefined && <p class="empty">This API server has no proposals.</p>}
      {proposals !== undefined && open.length === 0 && <p class="empty">No proposal waits for a decision.</p>}
      <ul class="proposals">
        {open.map((p) => (
          <li key={p.id} data-testid="proposal" data-id={p.id}>
            <div>
              <strong>{p.goal}</strong>: {p.changes.map(describeChange).join(', ')} <span class="muted">(on v{p.baseVersion}, expires {ago(p.expiresAt)})</span>
            </div>
            <div class="why">{p.reason}</div>
            <div class="buttons">
              <button data-testid="approve" disabled={busy !== null} onClick={() => act(`a${p.id}`, `/proposals/${seg(p.id)}/approve`, {}, `approved proposal ${p.id}`)}>
                Approve
              </button>
              <button data-testid="reject" class="secondary" disabled={busy !== null} onClick={() => act(`r${p.id}`, `/proposals/${seg(p.id)}/reject`, {}, `rejected proposal ${p.id}`)}>
                Reject
              </button>
            </div>
          </li>
        ))}
      </ul>
      {decided.length > 0 && (
        <ul class="proposals decided">
          {decided.map((p) => (
            <li key={p.id} data-testid="proposal-decided" data-status={p.status}>
              <span class={`status ${p.status}`}>{p.status}</span> {p.goal}: {p.changes.map(describeChange).join(', ')}
              {p.version !== undefined && <span class="muted"> as v{p.version}</span>}
              {p.decidedBy && <span class="muted"> by {p.decidedBy}</span>}
              {p.note && <span class="muted"> — {p.note}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
