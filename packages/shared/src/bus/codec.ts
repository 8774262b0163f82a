import type { z } from 'zod';
import { CATALOG, QUICK_PARSE, type MessageOf, type StreamName } from '../contracts/index.js';
import { formatIssues } from '../config/load.js';
import type { Issue } from '../errors.js';
import type { TraceHeaders } from '../telemetry/propagation.js';

/** A stream entry's fields: `data` (the message as JSON) and the trace context. */
export const DATA_FIELD = 'data';
const RAW_VALUE_MAX = 8192;

export function encode(data: unknown, headers: TraceHeaders): string[] {
  const fields = [DATA_FIELD, JSON.stringify(data)];
  if (headers.traceparent) fields.push('traceparent', headers.traceparent);
  if (headers.tracestate) fields.push('tracestate', headers.tracestate);
  return fields;
}

/** Field list → record, keeping at most 8 KiB of each value (for dead letters and logs). */
export function rawFields(fields: readonly string[], cut = RAW_VALUE_MAX): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length && i < 128; i += 2) {
    const key = String(fields[i]).slice(0, 256);
    const value = String(fields[i + 1]);
    raw[key] = value.length > cut ? `${value.slice(0, cut)}…(${value.length} chars)` : value;
  }
  return raw;
}

export type Decoded<S extends StreamName> =
  | { ok: true; message: MessageOf<S>; headers: TraceHeaders }
  | { ok: false; code: 'AWO_MESSAGE_DECODE' | 'AWO_MESSAGE_INVALID' | 'AWO_CLOCK_SKEW'; reason: string; issues: Issue[] };

/** When a message says it was made: `ts` of metrics and insights, `at` of the others. */
export function timestampOf(message: MessageOf<StreamName>): number {
  return 'ts' in message ? message.ts : message.at;
}

/** The consumer's clock, against which a message's timestamp is checked. */
export interface ClockCheck {
  now: number;
  /** How far ahead of `now` a timestamp may be (ms). */
  maxSkew: number;
}

/**
 * Decodes and validates an entry against its stream's schema and, with `clock`, refuses a
 * timestamp further ahead of the consumer's clock than the allowed skew. Never throws.
 */
export function decode<S extends StreamName>(stream: S, fields: readonly string[] | null | undefined, clock?: ClockCheck): Decoded<S> {
  if (!fields || fields.length === 0) return { ok: false, code: 'AWO_MESSAGE_DECODE', reason: 'entry has no fields', issues: [] };
  let data: string | undefined;
  const headers: TraceHeaders = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i];
    if (key === DATA_FIELD) data = fields[i + 1];
    else if (key === 'traceparent') headers.traceparent = fields[i + 1];
    else if (key === 'tracestate') headers.tracestate = fields[i + 1];
  }
  if (data === undefined) return { ok: false, code: 'AWO_MESSAGE_DECODE', reason: `entry has no "${DATA_FIELD}" field`, issues: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (err) {
    return { ok: false, code: 'AWO_MESSAGE_DECODE', reason: `"${DATA_FIELD}" is not JSON: ${(err as Error).message}`, issues: [] };
  }
  // The hand-written check of a well-formed message first; the schema decides the rest.
  const quick = (QUICK_PARSE[stream] as ((x: unknown) => MessageOf<S> | undefined) | undefined)?.(parsed);
  const schema = CATALOG[stream] as unknown as z.ZodType<MessageOf<S>>;
  const result = quick !== undefined ? { success: true as const, data: quick } : schema.safeParse(parsed);
  if (!result.success) {
    const issues = formatIssues(result.error.issues).slice(0, 64);
    const reason = `schema of ${stream}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`.slice(0, 4000);
    return { ok: false, code: 'AWO_MESSAGE_INVALID', reason, issues };
  }
  if (clock) {
    const at = timestampOf(result.data);
    const ahead = at - clock.now;
    if (ahead > clock.maxSkew) {
      const field = 'ts' in result.data ? 'ts' : 'at';
      const reason = `${field} ${at} is ${ahead} ms ahead of the consumer's clock (${clock.now}); at most ${clock.maxSkew} ms (bus.maxClockSkew) is allowed`;
      return { ok: false, code: 'AWO_CLOCK_SKEW', reason, issues: [{ path: field, message: `expected a time at most ${clock.maxSkew} ms ahead of ${clock.now}` }] };
    }
  }
  return { ok: true, message: result.data, headers };
}

const SERIES_FIELD = /"series"\s*:\s*"([^"\\]*)"/;

/**
 * A `filter` for consumers that want only some series: true when the raw message names one of
 * them, and also when the series cannot be read cheaply (then the entry is decoded as usual).
 */
export function seriesFilter(series: Iterable<string>): (data: string) => boolean {
  const wanted = new Set(series);
  return (data) => {
    const m = SERIES_FIELD.exec(data);
    return !m || wanted.has(m[1] as string);
  };
}
