import { z } from 'zod';
import { getJson } from './api.js';
import type { SseEvent } from './sse.js';
import {
  actionsSchema,
  currentPlanSchema,
  forecastSchema,
  goalSchema,
  proposalsSchema,
  revisionsSchema,
  seriesListSchema,
  type Action,
  type Forecast,
  type Goal,
  type Override,
  type Plan,
  type Proposal,
  type Revision,
} from './schemas.js';

/** Everything the page shows, read in one go. */
export interface Snapshot {
  plan: Plan;
  overrides: Override[];
  goals: Goal[];
  revisions: Revision[];
  proposals: Proposal[];
  actions: Action[];
  /** The latest value of each data-quality series (`records.*`). */
  quality: { name: string; value: number }[];
}

/** How many of each list the page reads (one page of the API's cursor pagination). */
const LIMIT = 50;

const goalsSchema = z.object({ goals: z.array(goalSchema).max(1000) });

export async function loadAll(signal?: AbortSignal): Promise<Snapshot> {
  const [current, revisions, proposals, actions, series, goals] = await Promise.all([
    getJson('/plan', currentPlanSchema, signal),
    getJson(`/plan/revisions?limit=${LIMIT}`, revisionsSchema, signal),
    getJson(`/proposals?limit=${LIMIT}`, proposalsSchema, signal),
    getJson(`/actions?limit=${LIMIT}`, actionsSchema, signal),
    getJson(`/series?limit=500`, seriesListSchema, signal),
    getJson('/goals', goalsSchema, signal),
  ]);
  return {
    plan: current.plan,
    overrides: current.overrides,
    goals: goals.goals,
    revisions: revisions.items,
    proposals: proposals.items,
    actions: actions.items,
    quality: series.items.filter((s) => s.name.startsWith('records.') && s.last).map((s) => ({ name: s.name, value: s.last?.value ?? NaN })),
  };
}

const insightEvent = z.object({ kind: z.string(), series: z.string() }).passthrough();

/** An event from the stream, as the page uses it: what changed, and a forecast to draw. */
export function parseEvent(e: SseEvent): { kind: 'revision' | 'proposal' | 'action' | 'insight' | 'other'; forecast?: Forecast & { series: string } } | undefined {
  const kind = e.event === 'revision' || e.event === 'proposal' || e.event === 'action' || e.event === 'insight' ? e.event : 'other';
  if (kind !== 'insight') return { kind };
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    return undefined;
  }
  const i = insightEvent.safeParse(data);
  if (!i.success || i.data.kind !== 'forecast') return { kind };
  const f = forecastSchema.safeParse(i.data);
  return f.success ? { kind, forecast: { ...f.data, series: i.data.series } } : { kind };
}
