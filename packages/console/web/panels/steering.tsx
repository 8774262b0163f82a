import { useState } from 'preact/hooks';
import { postJson, seg } from '../lib/api.js';
import { ago, describeChange } from '../lib/format.js';
import { okSchema, type Override, type Proposal } from '../lib/schemas.js';

/**
 * Overrides (pinned parameters) and proposals (changes a goal in `mode: propose` asks for),
 * with approve and reject buttons. A viewer's token may read; the API refuses its writes (403),
 * and the page says so.
 */
export function SteeringPanel({ overrides, proposals, onChanged }: { overrides: Override[]; proposals: Proposal[]; onChanged: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (key: string, path: string, body: unknown, done: string) => {
    setBusy(key);
    setMessage(null);
    try {
      await postJson(path, body, okSchema);
      setMessage({ ok: true, text: done });
      onChanged();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  const pending = proposals.filter((p) => p.status === 'pending');
  const decided = proposals.filter((p) => p.status !== 'pending').slice(0, 10);
  return (
    <section class="panel" data-testid="steering">
      <h2>Overrides and proposals</h2>
      {message && (
        <p class={message.ok ? 'notice' : 'error'} data-testid="steering-message">
          {message.text}
        </p>
      )}
      <h3>Overrides</h3>
      {overrides.length === 0 && <p class="empty">No pinned parameter.</p>}
      <ul class="overrides">
        {overrides.map((o) => (
          <li key={o.id} data-testid="override">
            <code>
              {o.step}.{o.param} = {String(o.value)}
            </code>{' '}
            {o.until ? `until ${new Date(o.until).toISOString()}` : 'until removed'}
            {o.reason && <span class="muted"> — {o.reason}</span>}
          </li>
        ))}
      </ul>
      <h3>Proposals</h3>
      {pending.length === 0 && <p class="empty">No proposal waits for a decision.</p>}
      <ul class="proposals">
        {pending.map((p) => (
          <li key={p.id} data-testid="proposal" data-id={p.id}>
            <div>
              <strong>{p.goal}</strong>: {p.changes.map(describeChange).join(', ')} <span class="muted">(expires {ago(p.expiresAt)})</span>
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
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
