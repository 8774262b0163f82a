import { API_BASE, authHeaders } from './api.js';
import { SseParser, type SseEvent } from './sse.js';

export type LiveState = 'connecting' | 'live' | 'retrying' | 'unauthorized' | 'stopped';

/**
 * Follows `GET /api/v1/events` for as long as it runs: reads the stream through fetch (so the
 * bearer token goes in a header, never in the URL), reconnects with growing delays (with
 * Last-Event-ID, so nothing between is lost where the server keeps it), and stops on 401/403.
 */
export function followEvents(onEvent: (e: SseEvent) => void, onState: (s: LiveState, detail?: string) => void): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  let delayMs = 1000;
  const run = async () => {
    while (!abort.signal.aborted) {
      onState('connecting');
      const parser = new SseParser();
      try {
        const res = await fetch(`${API_BASE}/events`, { headers: authHeaders({ accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }), signal: abort.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) {
          onState('unauthorized', `events: HTTP ${res.status}`);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        onState('live');
        delayMs = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.push(value)) onEvent(e);
          lastId = parser.lastId ?? lastId;
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        onState('retrying', err instanceof Error ? err.message : String(err));
      }
      if (abort.signal.aborted) return;
      onState('retrying');
      await new Promise((r) => setTimeout(r, parser.retryMs ?? delayMs));
      delayMs = Math.min(delayMs * 2, 15_000);
    }
  };
  void run();
  return () => {
    abort.abort();
    onState('stopped');
  };
}
