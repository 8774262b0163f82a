import { z } from 'zod';
import { ApiError, getJson } from './api.js';
import type { SseEvent } from './sse.js';
import { actionsSchema, currentPlanSchema, forecastSchema, goalsSchema, overridesSchema, proposalsSchema, revisionsSchema, seriesListSchema, type ActionItem, type Forecast, type Goal, type Override, type Plan, type Proposal, type Revision } from './schemas.js';

/** Everything the page shows, read in one go; a part that could not be read says why in `errors`. */
export interface Snapshot {
  plan: Plan;
  /** Overrides that hold or will hold a pin (pending, active, removing); undefined on a server without steering. */
  overrides: Override[] | undefined;
  goals: Goal[];
  revisions: Revision[];
  /** Undefined when the API has no proposals (an older server). */
  proposals: Proposal[] | undefined;
  actions: ActionItem[];
  /** The latest value of each data-quality series (`records.*`). */
  quality: { name: string; value: number }[];
  errors: string[];
}

/** Override states that hold (or will hold) a pin. */
const LIVE = new Set(['pending', 'active', 'removing']);

/** How many of each list the page reads (the first page of the API's cursor pagination). */
const LIMIT = 50;

/**
 * Reads the plan, goals, revisions, proposals, actions and series. The plan must come (without it
 * there is nothing to show: that error is thrown); any other part that fails is left empty and
 * its error listed, so one broken list does not blank the page.
 */
export async function loadAll(signal?: AbortSignal): Promise<Snapshot> {
  const current = await getJson('/plan', currentPlanSchema, signal);
  const [goals, revisions, proposals, actions, series, overrides] = await Promise.allSettled([
    getJson('/goals', goalsSchema, signal),
    getJson(`/plan/revisions?limit=${LIMIT}`, revisionsSchema, signal),
    getJson(`/proposals?limit=${LIMIT}`, proposalsSchema, signal),
    getJson(`/actions?limit=${LIMIT}`, actionsSchema, signal),
    getJson('/series?limit=1000', seriesListSchema, signal),
    getJson(`/plan/overrides?limit=${LIMIT}`, overridesSchema, signal),
  ]);
  const errors: string[] = [];
  const value = <T,>(r: PromiseSettledResult<T>): T | undefined => {
    if (r.status === 'fulfilled') return r.value;
    errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    return undefined;
  };
  const missing = (r: PromiseSettledResult<unknown>) => r.status === 'rejected' && r.reason instanceof ApiError && r.reason.status === 404;
  return {
    plan: current.plan,
    overrides: missing(overrides) ? undefined : (value(overrides)?.items ?? []).filter((o) => LIVE.has(o.status)),
    goals: value(goals)?.goals ?? [],
    revisions: value(revisions)?.items ?? [],
    proposals: missing(proposals) ? undefined : (value(proposals)?.items ?? []),
    actions: value(actions)?.items ?? [],
    quality: (value(series)?.items ?? []).filter((s) => s.name.startsWith('records.')).map((s) => ({ name: s.name, value: s.value })),
    errors,
  };
}

const insightEvent = z.object({ insight: z.object({ kind: z.string(), series: z.string() }).passthrough() });

export type EventKind = 'revision' | 'action' | 'action-result' | 'insight' | 'proposal' | 'override' | 'rollback' | 'other';

/** An event from the stream, as the page uses it: which kind of thing changed, and a forecast to draw. */
export function parseEvent(e: SseEvent): { kind: EventKind; forecast?: Forecast & { series: string } } {
  const known: EventKind[] = ['revision', 'action', 'action-result', 'insight', 'proposal', 'override', 'rollback'];
  const kind = known.includes(e.event as EventKind) ? (e.event as EventKind) : 'other';
  if (kind !== 'insight') return { kind };
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    return { kind };
  }
  const i = insightEvent.safeParse(data);
  if (!i.success || i.data.insight.kind !== 'forecast') return { kind };
  const f = forecastSchema.safeParse(i.data.insight);
  return f.success ? { kind, forecast: { ...f.data, series: i.data.insight.series } } : { kind };
}
