import { useEffect, useState } from 'preact/hooks';
import { getJson, seg } from '../lib/api.js';
import { time } from '../lib/format.js';
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
              <span class="changes">{r.diff.join(', ') || 'no change'}</span>
              {r.signed && <span class="muted" title="signed by the planner">signed</span>}
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
  const diff = detail?.diff ?? revision.diff;
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
      {detail && <pre class="explain">{detail.explain.text.join('\n')}</pre>}
      {error && <p class="error">{error}</p>}
      {revision.traceId && (
        <button class="link" data-testid="revision-trace" onClick={() => revision.traceId && onTrace(revision.traceId)}>
          trace {revision.traceId} as a waterfall
        </button>
      )}
    </div>
  );
}
