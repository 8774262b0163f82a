import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, savedToken, saveToken } from './lib/api.js';
import { followEvents, type LiveState } from './lib/events.js';
import { loadAll, parseEvent, type Snapshot } from './lib/data.js';
import { ActionsPanel } from './panels/actions.js';
import { DagPanel } from './panels/dag.js';
import { ForecastLog, GoalsPanel } from './panels/goals.js';
import { RevisionsPanel } from './panels/revisions.js';
import { SteeringPanel } from './panels/steering.js';
import { WaterfallPanel } from './panels/waterfall.js';

/** How often the page re-reads everything even without events (level-triggered, like the agents). */
const REFRESH_MS = 5000;

export function App() {
  const [token, setToken] = useState<string | null>(savedToken());
  if (!token) return <TokenForm onToken={(t) => (saveToken(t), setToken(t))} />;
  return <Console onSignOut={() => (saveToken(null), setToken(null))} />;
}

function TokenForm({ onToken, error }: { onToken: (t: string) => void; error?: string }) {
  const [value, setValue] = useState('');
  return (
    <main class="signin">
      <h1>awo console</h1>
      <form
        data-testid="token-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label>
          API token (a viewer token reads; an operator token may also approve)
          <input name="token" type="password" autocomplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Open</button>
        {error && <p class="error">{error}</p>}
        <p class="muted">The token stays in this tab (sessionStorage) and goes to the API as a bearer token.</p>
      </form>
    </main>
  );
}

function Console({ onSignOut }: { onSignOut: () => void }) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<{ state: LiveState; detail?: string | undefined }>({ state: 'connecting' });
  const [tick, setTick] = useState(0);
  const [trace, setTrace] = useState<string | null>(null);
  const forecasts = useRef(new ForecastLog()).current;
  const loading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  // One load at a time; a request during a load runs once more after it (nothing is missed).
  const refresh = useCallback(() => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = loadAll()
      .then((s) => {
        setSnap(s);
        setError(null);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) onSignOut();
        setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        loading.current = null;
        setTick((t) => t + 1);
        if (again.current) {
          again.current = false;
          refresh();
        }
      });
  }, []);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    const stop = followEvents(
      (e) => {
        const ev = parseEvent(e);
        if (ev.forecast) forecasts.add(ev.forecast.series, ev.forecast);
        if (ev.kind !== 'insight') refresh();
      },
      (state, detail) => setLive({ state, detail }),
    );
    return () => {
      clearInterval(timer);
      stop();
    };
  }, []);

  return (
    <div class="console">
      <header>
        <h1>awo console</h1>
        <span class={`live ${live.state}`} data-testid="live-state" title={live.detail ?? ''}>
          {live.state}
        </span>
        <span class="muted" data-testid="plan-version">
          {snap ? `plan v${snap.plan.version}` : ''}
        </span>
        <button class="secondary" onClick={onSignOut}>
          Change token
        </button>
      </header>
      {[...(error ? [error] : []), ...(snap?.errors ?? [])].map((e) => (
        <p class="error banner" data-testid="error" key={e}>
          {e}
        </p>
      ))}
      {snap && (
        <main class="grid">
          <GoalsPanel goals={snap.goals} revisions={snap.revisions} plan={snap.plan} forecasts={forecasts} tick={tick} />
          <RevisionsPanel revisions={snap.revisions} onTrace={setTrace} />
          <SteeringPanel overrides={snap.overrides} proposals={snap.proposals} onChanged={refresh} />
          <ActionsPanel actions={snap.actions} onTrace={setTrace} />
          {trace && <WaterfallPanel traceId={trace} onClose={() => setTrace(null)} />}
          <DagPanel plan={snap.plan} quality={snap.quality} />
        </main>
      )}
    </div>
  );
}
