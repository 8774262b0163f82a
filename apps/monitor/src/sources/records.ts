import { AwoError, computeQualityMetrics, RecentKeys, TAP_RECORD_FIELD, type QualitySpec, type RecordsSourceConfig, type RedisClient } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';

/**
 * `records`: the data quality of the records entering a workflow step. The workflow runner taps
 * them (a share `sample` of them) into the stream `tap(<step>)`; each sample reads what arrived
 * since the last one (at most `maxRecords`) and measures it against `workflow.schema`:
 * - `records`: records read; with none, nothing else is published (no rate of nothing);
 * - `null_rate` (the worst field) and `null_rate.<field>`; `schema_violation_rate`;
 *   `out_of_range_rate`; `duplicate_rate` (with a `key`, against the last `recentKeys` keys);
 *   `freshness_lag_ms` (p95 of now − the records' timestamps, with a `timestampField`);
 * - `value.<field>`: up to `maxValues` values of each field in `values`, one metric each, with
 *   the time of the tap, for drift detection.
 * An entry that is not JSON counts as a record that is not an object (a schema violation).
 */
export function recordsSource(config: RecordsSourceConfig, deps: SourceDeps): Source {
  let redis: RedisClient | undefined;
  let lastId: string | undefined;
  const recent = new RecentKeys(config.recentKeys);
  const name = (metric: string) => seriesName('records', config.name, metric);
  const spec = (): { key: string; spec: QualitySpec } => {
    const schema = deps.workflow?.schema;
    if (!deps.keys || !schema) throw new AwoError('AWO_SOURCE_FAILED', `records source "${config.name}" needs the workflow's record schema and awo's keys`);
    return { key: deps.keys.tap(config.step), spec: schema };
  };
  return {
    kind: 'records',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async start(): Promise<void> {
      const { key } = spec();
      redis ??= deps.connect(`records:${config.name}`);
      // Start after what is there now: a restarted monitor measures new records, not old ones.
      const [last] = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
      lastId ??= last?.[0] ?? '0-0';
    },
    async sample(): Promise<Sample[]> {
      if (!redis || lastId === undefined) throw new AwoError('AWO_SOURCE_FAILED', 'records source sampled before start()');
      const { key, spec: schema } = spec();
      const entries = (await redis.xrange(key, `(${lastId}`, '+', 'COUNT', config.maxRecords)) as [string, string[]][];
      if (entries.length === 0) return [{ series: name('records'), value: 0, unit: 'records' }];
      lastId = entries[entries.length - 1]![0];
      const records = entries.map(([, fields]) => parseRecord(fields));
      const now = deps.now();
      const m = computeQualityMetrics(records, schema, { now, recentKeys: recent });
      const out: Sample[] = [{ series: name('records'), value: m.records, unit: 'records' }];
      const nullRates = Object.entries(m.nullRate);
      out.push({ series: name('null_rate'), value: Math.max(0, ...nullRates.map(([, r]) => r)), unit: 'ratio' });
      for (const [field, rate] of nullRates) out.push({ series: name(`null_rate.${field}`), value: rate, unit: 'ratio' });
      out.push({ series: name('schema_violation_rate'), value: m.schemaViolationRate, unit: 'ratio' });
      out.push({ series: name('out_of_range_rate'), value: m.outOfRangeRate, unit: 'ratio' });
      if (m.duplicateRate !== undefined) out.push({ series: name('duplicate_rate'), value: m.duplicateRate, unit: 'ratio' });
      if (m.freshness) out.push({ series: name('freshness_lag_ms'), value: m.freshness.p95LagMs, unit: 'ms' });
      for (const field of config.values) out.push(...valuesOf(records, entries, field, config.maxValues, name(`value.${field}`)));
      return out;
    },
    async close(): Promise<void> {
      const conn = redis;
      redis = undefined;
      await conn?.quit().catch(() => conn.disconnect());
    },
  };
}

function parseRecord(fields: string[]): unknown {
  const i = fields.indexOf(TAP_RECORD_FIELD);
  if (i < 0 || i % 2 !== 0) return undefined;
  try {
    return JSON.parse(fields[i + 1] ?? '');
  } catch {
    return undefined;
  }
}

/** Finite number values of `field`, spread evenly over the batch when there are more than `max`. */
function valuesOf(records: unknown[], entries: [string, string[]][], field: string, max: number, series: string): Sample[] {
  const out: Sample[] = [];
  const stride = Math.max(1, records.length / max);
  for (let x = 0; x < records.length && out.length < max; x += stride) {
    const i = Math.floor(x);
    const r = records[i];
    const v = typeof r === 'object' && r !== null && Object.hasOwn(r, field) ? (r as Record<string, unknown>)[field] : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ series, value: v, ts: Number(entries[i]![0].split('-')[0]) });
  }
  return out;
}
