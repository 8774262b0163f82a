/**
 * Reading a load trace from any CSV with a header.
 *
 * - The first column is the timestamp: ISO 8601 (`1995-07-01T00:00:00-04:00`,
 *   `2014-04-10 00:04:00`; without a zone it is read as UTC) or a number of seconds since any
 *   origin (`0`, `60`, `1.7e9`).
 * - The value is the column named by `column` (exact name, else case-insensitive), by default
 *   the second column. `scale` multiplies every value.
 * - Rows must be evenly spaced: the step is the median difference between consecutive rows, and
 *   every row must fall on that grid (within a quarter of a step). Steps with no row in between
 *   are **missing** (NaN), not zero.
 * - When the header has a column named `gap` (as the NASA per-minute file does), a row whose gap
 *   cell is anything but empty, `0` or `false` is missing too: its value is NaN, since a gap
 *   means "no data for this step", not "no load". Empty or non-numeric value cells are missing.
 *
 * Callers decide what missing steps mean for them; {@link observedValues} drops them.
 */
import { readFile } from 'node:fs/promises';

export interface TraceOptions {
  /** Name of the value column (default: the second column). */
  column?: string;
  /** Factor applied to every value (default 1). */
  scale?: number;
  /** Where the text came from, for error messages and reports. */
  source?: string;
}

export interface Trace {
  readonly source: string;
  /** The value column as named in the header. */
  readonly column: string;
  readonly scale: number;
  /** How the timestamps were written. */
  readonly timestamps: 'iso' | 'seconds';
  /** First row's time in ms: since the epoch for ISO, since the file's origin for seconds. */
  readonly startMs: number;
  /** Time between consecutive steps, ms. */
  readonly stepMs: number;
  /** One value per step from the first row to the last; NaN where missing. */
  readonly values: Float64Array;
  /** Data rows in the file. */
  readonly rows: number;
  /** Rows marked by the `gap` column (read as missing). */
  readonly gapRows: number;
  /** Rows whose value cell was empty or not a number (read as missing). */
  readonly badRows: number;
  /** Steps of the grid with no row at all (read as missing). */
  readonly absentSteps: number;
}

const MAX_STEPS = 50_000_000;

/** Splits one CSV line into trimmed fields; double-quoted fields may contain commas and `""`. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',').map((f) => f.trim());
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A timestamp cell in ms: ISO 8601 (no zone = UTC) since the epoch, or a plain number of seconds.
 * Throws on anything else.
 */
export function parseTimestampCell(text: string): { ms: number; kind: 'iso' | 'seconds' } {
  const s = text.trim();
  if (NUMERIC.test(s)) return { ms: Number(s) * 1000, kind: 'seconds' };
  const m = ISO.exec(s);
  if (m) {
    const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone] = m;
    const z = zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac.slice(0, 4)}${z}`);
    if (Number.isFinite(ms)) return { ms, kind: 'iso' };
  }
  throw new Error(`invalid timestamp ${JSON.stringify(text)} (expected ISO 8601 or seconds)`);
}

function isGap(cell: string | undefined): boolean {
  const c = (cell ?? '').trim().toLowerCase();
  return !(c === '' || c === 'false' || (NUMERIC.test(c) && Number(c) === 0));
}

/** Parses a trace from CSV text (see the module comment for the rules). */
export function parseTrace(text: string, opts: TraceOptions = {}): Trace {
  const source = opts.source ?? 'trace';
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`${source}: scale must be a positive number, got ${scale}`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let li = 0;
  while (li < lines.length && (lines[li] as string).trim() === '') li++;
  if (li === lines.length) throw new Error(`${source}: empty file`);
  const header = splitCsvLine(lines[li++] as string);
  if (header.length < 2) throw new Error(`${source}: expected a header with a timestamp and at least one value column, got ${JSON.stringify(header)}`);
  let col = 1;
  if (opts.column !== undefined) {
    col = header.indexOf(opts.column);
    if (col < 0) col = header.findIndex((h) => h.toLowerCase() === opts.column?.toLowerCase());
    if (col < 0) throw new Error(`${source}: no column "${opts.column}" (columns: ${header.join(', ')})`);
  }
  if (col === 0) throw new Error(`${source}: the first column is the timestamp; pick a value column`);
  const gapCol = header.findIndex((h, i) => i !== col && i > 0 && h.toLowerCase() === 'gap');

  const times: number[] = [];
  const vals: number[] = [];
  let kind: 'iso' | 'seconds' | undefined;
  let gapRows = 0;
  let badRows = 0;
  for (; li < lines.length; li++) {
    const line = lines[li] as string;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    let ts: { ms: number; kind: 'iso' | 'seconds' };
    try {
      ts = parseTimestampCell(cells[0] ?? '');
    } catch (err) {
      throw new Error(`${source}:${li + 1}: ${(err as Error).message}`);
    }
    if (kind === undefined) kind = ts.kind;
    else if (kind !== ts.kind) throw new Error(`${source}:${li + 1}: mixes ISO and numeric timestamps`);
    if (times.length > 0 && !(ts.ms > (times[times.length - 1] as number))) {
      throw new Error(`${source}:${li + 1}: timestamps must increase (got ${cells[0]} after an equal or later one)`);
    }
    let v = Number.NaN;
    if (gapCol >= 0 && isGap(cells[gapCol])) gapRows++;
    else {
      const cell = (cells[col] ?? '').trim();
      if (NUMERIC.test(cell)) v = Number(cell) * scale;
      else badRows++;
    }
    times.push(ts.ms);
    vals.push(v);
  }
  if (times.length < 2) throw new Error(`${source}: need at least two data rows, got ${times.length}`);

  const diffs = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i++) diffs[i - 1] = (times[i] as number) - (times[i - 1] as number);
  diffs.sort();
  const stepMs = diffs[(diffs.length - 1) >> 1] as number;
  const startMs = times[0] as number;
  const span = Math.round(((times[times.length - 1] as number) - startMs) / stepMs);
  if (span + 1 > MAX_STEPS) throw new Error(`${source}: ${span + 1} steps of ${stepMs} ms is too long a grid`);
  const values = new Float64Array(span + 1).fill(Number.NaN);
  let placed = 0;
  for (let i = 0; i < times.length; i++) {
    const pos = ((times[i] as number) - startMs) / stepMs;
    const k = Math.round(pos);
    if (Math.abs(pos - k) > 0.25) {
      throw new Error(`${source}: rows are not evenly spaced (row ${i + 1} is ${(pos - k).toFixed(2)} steps off the ${stepMs / 1000}s grid)`);
    }
    if (i > 0 && k === Math.round(((times[i - 1] as number) - startMs) / stepMs)) {
      throw new Error(`${source}: rows ${i} and ${i + 1} fall on the same ${stepMs / 1000}s step`);
    }
    values[k] = vals[i] as number;
    placed++;
  }
  return {
    source,
    column: header[col] as string,
    scale,
    timestamps: kind ?? 'seconds',
    startMs,
    stepMs,
    values,
    rows: times.length,
    gapRows,
    badRows,
    absentSteps: values.length - placed,
  };
}

/** Reads a trace from a CSV file (see {@link parseTrace}). */
export async function readTrace(path: string, opts: Omit<TraceOptions, 'source'> = {}): Promise<Trace> {
  return parseTrace(await readFile(path, 'utf8'), { ...opts, source: path });
}

/** Number of missing (NaN) steps. */
export function missingSteps(trace: Pick<Trace, 'values'>): number {
  let n = 0;
  for (const v of trace.values) if (Number.isNaN(v)) n++;
  return n;
}

/**
 * Aggregates `factor` consecutive steps into one (e.g. 5 one-minute steps into a 5-minute one).
 * `sum` suits counts per step, `mean` rates. A bucket with more than half of its steps missing
 * is missing; otherwise the missing steps count as the mean of the present ones.
 * A trailing partial bucket is dropped.
 */
export function resampleTrace(trace: Trace, factor: number, how: 'sum' | 'mean' = 'sum'): Trace {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`factor must be a positive integer, got ${factor}`);
  if (factor === 1) return trace;
  const n = Math.floor(trace.values.length / factor);
  const values = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let sum = 0;
    let present = 0;
    for (let i = b * factor; i < (b + 1) * factor; i++) {
      const v = trace.values[i] as number;
      if (!Number.isNaN(v)) {
        sum += v;
        present++;
      }
    }
    values[b] = present * 2 <= factor ? Number.NaN : how === 'sum' ? (sum / present) * factor : sum / present;
  }
  return { ...trace, stepMs: trace.stepMs * factor, values };
}

/** The present values in order, with their step indices (missing steps dropped). */
export function observedValues(trace: Pick<Trace, 'values'>): { values: number[]; index: number[] } {
  const values: number[] = [];
  const index: number[] = [];
  trace.values.forEach((v, i) => {
    if (!Number.isNaN(v)) {
      values.push(v);
      index.push(i);
    }
  });
  return { values, index };
}

/** One line describing a trace: rows, step, missing steps and why. */
export function describeTrace(trace: Trace): string {
  const missing = missingSteps(trace);
  const why = [trace.gapRows ? `${trace.gapRows} gap rows` : '', trace.badRows ? `${trace.badRows} empty/non-numeric` : '', trace.absentSteps ? `${trace.absentSteps} absent rows` : '']
    .filter(Boolean)
    .join(', ');
  return `${trace.source} [${trace.column}${trace.scale !== 1 ? ` ×${trace.scale}` : ''}]: ${trace.values.length} steps of ${trace.stepMs / 1000}s, ${missing} missing${why ? ` (${why})` : ''}`;
}
