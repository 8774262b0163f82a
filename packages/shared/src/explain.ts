import type { RedisClient } from './redis.js';
import { decode } from './bus/codec.js';
import type { Insight, Metric, PlanRevision } from './contracts/messages.js';
import { metricsStreams, type Keys } from './contracts/streams.js';
import { describeChange } from './plan/model.js';
import { parseTraceparent } from './telemetry/propagation.js';

/** A message found in a stream: its entry id, the message (validated) and its trace id. */
export interface Found<T> {
  id: string;
  message: T;
  traceId?: string;
}

/** Why a revision was written: the revision's facts, the insights and metrics behind it, and the same in words. */
export interface Explanation {
  version: number;
  parentVersion: number;
  goal: string;
  reason: string;
  changes: PlanRevision['changes'];
  /** Overrides pinned in this revision's plan, by override id. */
  pins: NonNullable<PlanRevision['plan']['pins']>;
  traceId?: string;
  insights: Found<Insight>[];
  metrics: Found<Metric>[];
  /** The explanation in words, one sentence a line (what `awo explain` prints). */
  text: string[];
}

/** Finds insights by id among the newest entries of the insights stream (at most `scan`). */
async function findInsights(redis: RedisClient, keys: Keys, ids: readonly string[], scan: number): Promise<Found<Insight>[]> {
  if (ids.length === 0) return [];
  const wanted = new Set(ids);
  const found: Found<Insight>[] = [];
  const entries = (await redis.xrevrange(keys.stream('insights'), '+', '-', 'COUNT', scan)) as [string, string[]][];
  for (const [id, fields] of entries) {
    const d = decode('insights', fields);
    if (d.ok && wanted.has(d.message.id)) found.push({ id, message: d.message, traceId: parseTraceparent(d.headers.traceparent)?.traceId });
    if (found.length === wanted.size) break;
  }
  return found;
}

/** Metrics by stream id; with `bus.partitions` > 1 each id is looked for in every partition. */
async function findMetrics(redis: RedisClient, keys: Keys, ids: readonly string[], partitions: number): Promise<Found<Metric>[]> {
  if (ids.length === 0) return [];
  // One read per (id, partition), at once: on a cluster the partitions sit in different slots.
  const replies = await Promise.all(ids.flatMap((id) => metricsStreams(keys, partitions).map((stream) => redis.xrange(stream, id, id).then((rows) => [null, rows] as const, (err: Error) => [err, []] as const))));
  const out: Found<Metric>[] = [];
  for (const [err, rows] of replies) {
    const row = !err ? (rows as [string, string[]][])[0] : undefined;
    if (!row) continue;
    const d = decode('metrics', row[1]);
    if (d.ok) out.push({ id: row[0], message: d.message, traceId: parseTraceparent(d.headers.traceparent)?.traceId });
  }
  return out;
}

/** A Redis stream entry id, e.g. `1763712345678-0`. */
export const STREAM_ID = /^\d+-\d+$/;

const num = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

/** An insight in words. */
export function describeInsight(i: Insight): string {
  if (i.kind === 'forecast') return `forecast of ${i.series}: ${num(i.value)} (${num(i.lower)}–${num(i.upper)}) ${i.horizonMs / 1000}s ahead by ${i.model}${i.error !== undefined ? `, backtest error ${num(i.error)}` : ''}; last observed ${num(i.observed)}`;
  if (i.kind === 'anomaly') return `anomaly on ${i.series}: value ${num(i.value)}, score ${num(i.score)} by ${i.method}`;
  return `data quality of ${i.series}: ${i.check} = ${num(i.value)} against limit ${num(i.limit)}${i.violated ? ' (violated)' : ''}`;
}

/**
 * Why the plan changed at `r`: the goal, the insights it used and the metrics behind them (each
 * still kept in its stream, looked up among the newest `scan` insights), with trace ids, as data
 * and in words. `awo explain` and the API's revision answer both come from here.
 */
export async function explainRevision(redis: RedisClient, keys: Keys, r: PlanRevision, scan = 50_000, partitions = 1): Promise<Explanation> {
  // A goal may cite a metric itself (its stream id) beside the insights it used.
  const cited = r.insightIds.filter((id) => STREAM_ID.test(id));
  const insights = await findInsights(redis, keys, r.insightIds.filter((id) => !STREAM_ID.test(id)), scan);
  const metrics = await findMetrics(redis, keys, [...new Set([...cited, ...insights.flatMap((i) => i.message.metricIds)])], partitions);
  const text: string[] = [];
  const changes = r.changes.map(describeChange).join(', ') || `no parameter change${Object.keys(r.plan.pins ?? {}).length ? ' (pins only)' : ''}`;
  text.push(`Plan v${r.version} (from v${r.parentVersion}), written ${new Date(r.at).toISOString()} by ${r.leader} for goal "${r.goal}", ${changes}.`);
  text.push(`Why: ${r.reason}.`);
  for (const [id, pin] of Object.entries(r.plan.pins ?? {})) {
    text.push(`Pinned in this plan: ${pin.step}.${pin.param} = ${String(pin.value)} by override ${id}${pin.by ? ` of ${pin.by}` : ''}${pin.until !== undefined ? ` until ${new Date(pin.until).toISOString()}` : ' until unpinned'}${pin.reason ? ` (${pin.reason})` : ''}; no goal changes it while it holds.`);
  }
  if (r.trace) text.push(`Trace of the decision: ${r.trace.traceId} (npx awo trace ${r.trace.traceId}).`);
  if (r.insightIds.length === 0) text.push('No insight was used: the decision came from observed metrics or a fallback.');
  for (const id of r.insightIds) {
    if (STREAM_ID.test(id)) {
      const m = metrics.find((x) => x.id === id);
      text.push(m ? `It used metric ${id}: ${m.message.series} = ${num(m.message.value)} at ${new Date(m.message.ts).toISOString()}${m.traceId ? ` (trace ${m.traceId})` : ''}.` : `It used metric ${id}, no longer kept in the metrics stream.`);
      continue;
    }
    const i = insights.find((x) => x.message.id === id);
    if (!i) {
      text.push(`It used insight ${id}, no longer kept in the insights stream.`);
      continue;
    }
    text.push(`It used insight ${id} at ${new Date(i.message.ts).toISOString()}: ${describeInsight(i.message)}${i.traceId ? ` (trace ${i.traceId})` : ''}.`);
    const behind = metrics.filter((m) => i.message.metricIds.includes(m.id));
    if (behind.length > 0) text.push(`  made from ${behind.length} metric${behind.length === 1 ? '' : 's'}:`);
    for (const m of behind) text.push(`    ${m.id}  ${m.message.series} = ${num(m.message.value)}${m.message.unit ? ` ${m.message.unit}` : ''} at ${new Date(m.message.ts).toISOString()}${m.traceId ? `  trace ${m.traceId}` : ''}`);
  }
  return { version: r.version, parentVersion: r.parentVersion, goal: r.goal, reason: r.reason, changes: r.changes, pins: r.plan.pins ?? {}, ...(r.trace ? { traceId: r.trace.traceId } : {}), insights, metrics, text };
}
