import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, seg } from '../lib/api.js';
import { millis } from '../lib/format.js';
import { traceSchema, type Trace } from '../lib/schemas.js';
import { layoutWaterfall } from '../lib/waterfall.js';

/** How many more times a trace is asked for while its panel is open (spans arrive in batches). */
const RETRIES = 20;

/** A trace as a waterfall: one bar per span on the trace's time axis, indented by depth. */
export function WaterfallPanel({ traceId, onClose }: { traceId: string; onClose: () => void }) {
  const [trace, setTrace] = useState<Trace | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setTrace(null);
    setError(null);
    // Spans reach the store in batches, a few seconds after the action: while the trace is not
    // there yet (404, or no span), ask again each second, for at most RETRIES seconds.
    const load = (left: number): void => {
      getJson(`/traces/${seg(traceId)}`, traceSchema, abort.signal).then(
        (t) => {
          if (abort.signal.aborted) return;
          setTrace(t);
          // Not there yet: ask each second. There: ask again every 2 s for a while, as the
          // spans of the other services reach the store in later batches.
          if (left > 0) timer = setTimeout(() => load(left - 1), t.roots.length === 0 ? 1000 : 2000);
        },
        (e: Error) => {
          if (abort.signal.aborted) return;
          if (e instanceof ApiError && e.status === 404 && left > 0) timer = setTimeout(() => load(left - 1), 1000);
          else setError(e.message);
        },
      );
    };
    load(RETRIES);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [traceId]);
  const { rows, totalMs } = layoutWaterfall(trace?.roots ?? []);
  return (
    <section class="panel wide" data-testid="waterfall">
      <h2>
        Trace <code>{traceId}</code> {trace && <span class="muted">({trace.spans} spans, {trace.services.join(', ')})</span>}{' '}
        <button class="link" onClick={onClose}>
          close
        </button>
      </h2>
      {error && <p class="error">{error}</p>}
      {!trace && !error && <p class="empty">Loading…</p>}
      {trace && rows.length === 0 && <p class="empty">No span of this trace is kept.</p>}
      {rows.length > 0 && (
        <div class="waterfall">
          <div class="axis">
            <span>0</span>
            <span>{millis(totalMs / 2)}</span>
            <span>{millis(totalMs)}</span>
          </div>
          {rows.map((r) => (
            <div class="span-row" key={r.span.spanId} data-testid="span">
              <div class="span-label" style={{ paddingLeft: `${r.depth * 14}px` }} title={r.span.name}>
                <span class="service">{r.span.service}</span> {r.span.name}
              </div>
              <div class="span-track">
                <div class={`span-bar${r.span.status === 'error' ? ' error' : ''}`} style={{ left: `${r.offset * 100}%`, width: `${r.width * 100}%` }} title={`${millis(r.span.durationMs)}${r.span.error ? ` ${r.span.error}` : ''}`} />
              </div>
              <div class="span-time">{millis(r.span.durationMs)}</div>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
