import { useEffect, useState } from 'preact/hooks';
import { getJson, seg } from '../lib/api.js';
import { describeChange, time } from '../lib/format.js';
import { revisionDetailSchema, type Revision, type RevisionDetail } from '../lib/schemas.js';

/** The revision timeline, newest first; a click opens a revision's diff and its why. */
export function RevisionsPanel({ revisions, onTrace }: { revisions: Revision[]; onTrace: (traceId: string) => void }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <section class="panel" data-testid="revisions">
      <h2>Revisions</h2>
      {revisions.length === 0 && <p class="empty">No revision yet: the plan is the config's workflow (v0).</p>}
      <ol class="timeline">
        {revisions.map((r) => (
          <li key={r.version} data-testid="revision" data-version={r.version} class={open === r.version ? 'open' : ''}>
            <button class="row" onClick={() => setOpen(open === r.version ? null : r.version)}>
              <span class="version">v{r.version}</span>
              <span class="when">{time(r.at)}</span>
              <span class="goal">{r.goal}</span>
              <span class="changes">{r.changes.map(describeChange).join(', ') || 'no change'}</span>
            </button>
            {open === r.version && <RevisionDetailView revision={r} onTrace={onTrace} />}
          </li>
        ))}
      </ol>
    </section>
  );
}

function RevisionDetailView({ revision, onTrace }: { revision: Revision; onTrace: (traceId: string) => void }) {
  const [detail, setDetail] = useState<RevisionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    getJson(`/plan/revisions/${seg(revision.version)}`, revisionDetailSchema, abort.signal).then(setDetail, (e: Error) => !abort.signal.aborted && setError(e.message));
    return () => abort.abort();
  }, [revision.version]);
  const diff = detail?.diff ?? revision.changes.map(describeChange);
  return (
    <div class="detail" data-testid="revision-detail">
      <h3>Diff (v{revision.parentVersion} → v{revision.version})</h3>
      <ul class="diff">
        {diff.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <h3>Why</h3>
      <p class="why">{revision.reason}</p>
      {detail?.explain && <pre class="explain">{detail.explain}</pre>}
      {error && <p class="error">{error}</p>}
      {revision.trace && (
        <button class="link" onClick={() => revision.trace && onTrace(revision.trace.traceId)}>
          trace {revision.trace.traceId}
        </button>
      )}
    </div>
  );
}
