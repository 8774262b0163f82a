import { quantileSorted } from '../math.js';
import type { RecentKeys } from './recent-keys.js';
import type { DataRecord, FieldSpec, Freshness, QualityMetrics, QualitySpec } from './types.js';

/** Inputs of {@link computeQualityMetrics} besides the batch and the spec. */
export interface QualityContext {
  /** Wall-clock time in ms, for freshness. */
  now: number;
  /**
   * Keys seen in earlier batches. Read for the duplicate rate, then every key of this batch is
   * added to it (the one side effect of the computation). Without it, duplicates are counted
   * within the batch only.
   */
  recentKeys?: RecentKeys;
}

/**
 * Data-quality metrics of a batch of records against a spec (see {@link QualityMetrics} for the
 * exact definition of each). One pass over the batch plus a sort of the timestamps; no I/O.
 */
export function computeQualityMetrics(records: readonly DataRecord[], spec: QualitySpec, ctx: QualityContext): QualityMetrics {
  const fields = Object.entries(spec.fields);
  const nulls = new Map<string, number>(fields.map(([name]) => [name, 0]));
  const outOfRange = new Map<string, number>(fields.filter(([, f]) => hasBounds(f)).map(([name]) => [name, 0]));
  let violating = 0;
  let anyOutOfRange = 0;
  let keyed = 0;
  let duplicates = 0;
  const batchKeys = new Set<string>();
  const lags: number[] = [];

  for (const record of records) {
    const check = checkRecord(record, spec);
    for (const name of check.nullFields) nulls.set(name, (nulls.get(name) ?? 0) + 1);
    for (const name of check.outOfRangeFields) outOfRange.set(name, (outOfRange.get(name) ?? 0) + 1);
    const violation = check.schemaViolations.length > 0;
    const outside = check.outOfRangeFields.length > 0;
    const obj = isPlainObject(record) ? record : undefined;
    if (violation) violating++;
    if (outside) anyOutOfRange++;

    if (spec.key !== undefined && obj) {
      const key = keyOf(own(obj, spec.key));
      if (key !== undefined) {
        keyed++;
        if (batchKeys.has(key) || ctx.recentKeys?.has(key)) duplicates++;
        batchKeys.add(key);
      }
    }
    if (spec.timestampField !== undefined && obj) {
      const ts = timestampOf(own(obj, spec.timestampField));
      if (ts !== undefined) lags.push(ctx.now - ts);
    }
  }
  if (ctx.recentKeys) for (const key of batchKeys) ctx.recentKeys.add(key);

  const n = records.length;
  const rate = (count: number) => (n === 0 ? 0 : count / n);
  return {
    records: n,
    nullRate: Object.fromEntries([...nulls].map(([name, count]) => [name, rate(count)])),
    schemaViolationRate: rate(violating),
    outOfRangeRate: rate(anyOutOfRange),
    outOfRangeRateByField: Object.fromEntries([...outOfRange].map(([name, count]) => [name, rate(count)])),
    duplicateRate: spec.key === undefined || keyed === 0 ? undefined : duplicates / keyed,
    keyed,
    freshness: freshnessOf(lags),
  };
}

/** What is wrong with one record against a spec; every list is empty for a clean record. */
export interface RecordCheck {
  /** Declared fields that are absent, `null` or `undefined`. */
  nullFields: string[];
  /** Why the record breaks its schema: not a plain object, a required field missing, a wrong type. */
  schemaViolations: string[];
  /** Number fields of the right type outside their [min, max] bounds. */
  outOfRangeFields: string[];
}

/** Checks one record against a spec, the same rules {@link computeQualityMetrics} counts. */
export function checkRecord(record: DataRecord, spec: QualitySpec): RecordCheck {
  const check: RecordCheck = { nullFields: [], schemaViolations: [], outOfRangeFields: [] };
  const obj = isPlainObject(record) ? record : undefined;
  if (obj === undefined) check.schemaViolations.push('not a JSON object');
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = own(obj, name);
    if (value === undefined || value === null) {
      check.nullFields.push(name);
      if (field.required && obj !== undefined) check.schemaViolations.push(`${name} is missing`);
      continue;
    }
    if (!hasType(value, field)) check.schemaViolations.push(`${name} is not a ${field.type === 'number' ? 'finite number' : field.type}`);
    else if (typeof value === 'number' && hasBounds(field) && !inBounds(value, field)) check.outOfRangeFields.push(name);
  }
  return check;
}

/** Whether a record passes its spec: no schema violation and no value out of range. */
export function recordPasses(check: RecordCheck): boolean {
  return check.schemaViolations.length === 0 && check.outOfRangeFields.length === 0;
}

/**
 * Freshness from the lags now − timestamp: `lagMs` is the smallest lag (the newest record) and
 * `p95LagMs` the nearest-rank 95th percentile, the smallest lag L such that at least 95% of the
 * lags are <= L (the ⌈0.95·n⌉-th smallest).
 */
export function freshnessOf(lags: readonly number[]): Freshness | undefined {
  if (lags.length === 0) return undefined;
  const sorted = [...lags].sort((a, b) => a - b);
  return { lagMs: sorted[0]!, p95LagMs: nearestRank(sorted, 0.95), records: sorted.length };
}

/** Nearest-rank q-quantile of sorted values: the ⌈q·n⌉-th smallest (the smallest for q = 0). */
export function nearestRank(sorted: readonly number[], q: number): number {
  return quantileSorted(sorted, q, 'nearest-rank');
}

/** A key as a string that keeps 1 and "1" apart; undefined unless a string or a finite number. */
function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'number' && Number.isFinite(value)) return `n:${value}`;
  return undefined;
}

/** Epoch ms from a finite number, or from a string `Date.parse` understands. */
function timestampOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An own property only: a field named `toString` or `__proto__` must not read the prototype. */
function own(obj: Readonly<Record<string, unknown>> | undefined, name: string): unknown {
  return obj !== undefined && Object.hasOwn(obj, name) ? obj[name] : undefined;
}

function hasType(value: unknown, field: FieldSpec): boolean {
  if (field.type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === field.type;
}

function hasBounds(field: FieldSpec): boolean {
  return field.type === 'number' && (field.min !== undefined || field.max !== undefined);
}

function inBounds(value: number, field: FieldSpec): boolean {
  return (field.min === undefined || value >= field.min) && (field.max === undefined || value <= field.max);
}
