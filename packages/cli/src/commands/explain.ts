import { decode, describeChange, parseTraceparent, PlanStore, type Insight, type Metric, type Runtime } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

interface Found<T> {
  id: string;
  message: T;
  traceId?: string;
}

/** Finds insights by id among the newest entries of the insights stream. */
async function findInsights(runtime: Runtime, ids: readonly string[], scan = 50_000): Promise<Found<Insight>[]> {
  if (ids.length === 0) return [];
  const wanted = new Set(ids);
  const found: Found<Insight>[] = [];
  const entries = (await runtime.redis.xrevrange(runtime.keys.stream('insights'), '+', '-', 'COUNT', scan)) as [string, string[]][];
  for (const [id, fields] of entries) {
    const d = decode('insights', fields);
    if (d.ok && wanted.has(d.message.id)) found.push({ id, message: d.message, traceId: parseTraceparent(d.headers.traceparent)?.traceId });
    if (found.length === wanted.size) break;
  }
  return found;
}

async function findMetrics(runtime: Runtime, ids: readonly string[]): Promise<Found<Metric>[]> {
  const pipeline = runtime.redis.pipeline();
  for (const id of ids) pipeline.xrange(runtime.keys.stream('metrics'), id, id);
  const replies = (await pipeline.exec()) ?? [];
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
const STREAM_ID = /^\d+-\d+$/;

const num = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

function describeInsight(i: Insight): string {
  if (i.kind === 'forecast') return `forecast of ${i.series}: ${num(i.value)} (${num(i.lower)}–${num(i.upper)}) ${i.horizonMs / 1000}s ahead by ${i.model}${i.error !== undefined ? `, backtest error ${num(i.error)}` : ''}; last observed ${num(i.observed)}`;
  if (i.kind === 'anomaly') return `anomaly on ${i.series}: value ${num(i.value)}, score ${num(i.score)} by ${i.method}`;
  return `data quality of ${i.series}: ${i.check} = ${num(i.value)} against limit ${num(i.limit)}${i.violated ? ' (violated)' : ''}`;
}

/** `awo explain <planVersion>`: why the plan changed, in words: goal, insights, metrics, traces. */
export async function explainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const version = Number(positionals[0]);
  if (!Number.isInteger(version) || version < 1) throw new UsageError('usage: awo explain <planVersion> [--config <file>] [--json]');
  return withStoreRuntime(values.config, io, async (runtime) => {
    const stored = await new PlanStore(runtime.redis, runtime.keys, runtime.config).revision(version);
    if (!stored) {
      io.err(`plan version ${version} is not in the revisions stream (never written, or trimmed)`);
      return 1;
    }
    const r = stored.revision;
    // A goal may cite a metric itself (its stream id) beside the insights it used.
    const cited = r.insightIds.filter((id) => STREAM_ID.test(id));
    const insights = await findInsights(runtime, r.insightIds.filter((id) => !STREAM_ID.test(id)));
    const metrics = await findMetrics(runtime, [...new Set([...cited, ...insights.flatMap((i) => i.message.metricIds)])]);
    if (values.json) {
      io.out(JSON.stringify({ version: r.version, parentVersion: r.parentVersion, goal: r.goal, reason: r.reason, changes: r.changes, pins: r.plan.pins ?? {}, traceId: r.trace?.traceId, insights, metrics }));
      return 0;
    }
    const changes = r.changes.map(describeChange).join(', ');
    io.out(`Plan v${r.version} (from v${r.parentVersion}), written ${new Date(r.at).toISOString()} by ${r.leader} for goal "${r.goal}", ${changes}.`);
    io.out(`Why: ${r.reason}.`);
    for (const [id, pin] of Object.entries(r.plan.pins ?? {})) {
      io.out(`Pinned in this plan: ${pin.step}.${pin.param} = ${String(pin.value)} by override ${id}${pin.by ? ` of ${pin.by}` : ''}${pin.until !== undefined ? ` until ${new Date(pin.until).toISOString()}` : ' until unpinned'}${pin.reason ? ` (${pin.reason})` : ''}; no goal changes it while it holds.`);
    }
    if (r.trace) io.out(`Trace of the decision: ${r.trace.traceId} (npx awo trace ${r.trace.traceId}).`);
    if (r.insightIds.length === 0) io.out('No insight was used: the decision came from observed metrics or a fallback.');
    for (const id of r.insightIds) {
      if (STREAM_ID.test(id)) {
        const m = metrics.find((x) => x.id === id);
        io.out(m ? `It used metric ${id}: ${m.message.series} = ${num(m.message.value)} at ${new Date(m.message.ts).toISOString()}${m.traceId ? ` (trace ${m.traceId})` : ''}.` : `It used metric ${id}, no longer kept in the metrics stream.`);
        continue;
      }
      const i = insights.find((x) => x.message.id === id);
      if (!i) {
        io.out(`It used insight ${id}, no longer kept in the insights stream.`);
        continue;
      }
      io.out(`It used insight ${id} at ${new Date(i.message.ts).toISOString()}: ${describeInsight(i.message)}${i.traceId ? ` (trace ${i.traceId})` : ''}.`);
      const behind = metrics.filter((m) => i.message.metricIds.includes(m.id));
      if (behind.length > 0) io.out(`  made from ${behind.length} metric${behind.length === 1 ? '' : 's'}:`);
      for (const m of behind) io.out(`    ${m.id}  ${m.message.series} = ${num(m.message.value)}${m.message.unit ? ` ${m.message.unit}` : ''} at ${new Date(m.message.ts).toISOString()}${m.traceId ? `  trace ${m.traceId}` : ''}`);
    }
    return 0;
  });
}
