/**
 * Reading NAB data and result CSV files.
 *
 * A NAB CSV has a header row, a `timestamp` column (`YYYY-MM-DD HH:MM:SS`, no zone; read as UTC)
 * and numeric columns (`value`, and in result files `anomaly_score`, `label`, `S(t)_<profile>`).
 * Fields are never quoted. The parser is incremental ({@link NabCsvParser.push}) so a file can be
 * fed chunk by chunk from a stream; {@link readNabCsv} does that from disk.
 */
import { createReadStream } from 'node:fs';

/** A parsed NAB CSV: timestamps as epoch milliseconds (UTC) and one `Float64Array` per numeric column. */
export interface NabTable {
  /** Column names in file order, trimmed. */
  readonly header: readonly string[];
  /** Number of data rows. */
  readonly rows: number;
  /** Per row, the `timestamp` column as milliseconds since 1970-01-01T00:00:00Z. */
  readonly timestamps: Float64Array;
  /** The numeric columns that were parsed (all but `timestamp`, or those asked for), by name. */
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/** Options of {@link NabCsvParser} / {@link parseNabCsv} / {@link readNabCsv}. */
export interface NabCsvOptions {
  /**
   * Numeric columns to keep (others are skipped without being parsed). Default: every column
   * except `timestamp`. A listed column missing from the header is an error.
   */
  readonly columns?: readonly string[];
  /** Used in error messages. */
  readonly source?: string;
}

const TIMESTAMP_COLUMN = 'timestamp';

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let k = 0; k < count; k++) {
    const c = text.charCodeAt(from + k) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parse a NAB timestamp, `YYYY-MM-DD HH:MM:SS` with an optional fraction of a second
 * (`.000000` in the label files), read as UTC. `T` is accepted instead of the space, seconds may be
 * left out, and a trailing `Z` is accepted. Returns epoch milliseconds (the fraction is kept, so equal
 * instants written differently give the same number); throws on anything else.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  const fail = (): never => {
    throw new Error(`invalid NAB timestamp ${JSON.stringify(text)} (expected YYYY-MM-DD HH:MM:SS)`);
  };
  let end = s.length;
  if (end > 0 && (s[end - 1] === 'Z' || s[end - 1] === 'z')) end--;
  if (end < 16 || s[4] !== '-' || s[7] !== '-' || s[13] !== ':') fail();
  const sep = s[10];
  if (sep !== ' ' && sep !== 'T' && sep !== 't') fail();
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  let second = 0;
  let fraction = 0;
  if (end > 16) {
    if (s[16] !== ':' || end < 19) fail();
    second = digits(s, 17, 2);
    if (end > 19) {
      if (s[19] !== '.' || end === 20) fail();
      const frac = s.slice(20, end);
      if (!/^[0-9]+$/.test(frac)) fail();
      fraction = Number(`0.${frac}`) * 1000;
    }
  }
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) fail();
  if (minute < 0 || minute > 59 || second < 0 || second > 59) fail();
  const maxDay = DAYS_IN_MONTH[month - 1] ?? 31;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > maxDay || (month === 2 && day === 29 && !leap)) fail();
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fraction;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Format epoch milliseconds as a NAB timestamp `YYYY-MM-DD HH:MM:SS` (UTC). A non-zero fraction of
 * a second is written as `.ffffff` (microseconds), as NAB's label files do.
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error(`cannot format timestamp ${ms}`);
  const whole = Math.floor(ms / 1000) * 1000;
  const d = new Date(whole);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const micros = Math.round((ms - whole) * 1000);
  return micros === 0 ? base : `${base}.${pad(micros, 6)}`;
}

function parseNumber(field: string): number {
  // Number('') is 0 and Number(' 1 ') is 1; an empty field is a missing value.
  if (field.length === 0) return Number.NaN;
  const n = Number(field);
  if (!Number.isNaN(n)) return n;
  const lower = field.trim().toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  return Number.NaN;
}

/** A growable `Float64Array`. */
class Column {
  data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  finish(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Incremental NAB CSV parser: {@link push} text chunks in order (any split, even inside a line),
 * then {@link finish} to get the {@link NabTable}. Blank lines are skipped; CRLF and a BOM are fine.
 */
export class NabCsvParser {
  private readonly wanted: readonly string[] | undefined;
  private readonly source: string;
  private rest = '';
  private line = 0;
  private header: string[] | undefined;
  private timestampIndex = -1;
  /** Per CSV column index, the column to fill or `undefined` to skip. */
  private targets: (Column | undefined)[] = [];
  private readonly timestamps = new Column();
  private readonly byName = new Map<string, Column>();

  /** @param options which numeric columns to keep, and a source name for error messages. */
  constructor(options: NabCsvOptions = {}) {
    this.wanted = options.columns;
    this.source = options.source ?? '<csv>';
  }

  /** Feed the next chunk of text. */
  push(chunk: string): void {
    let text = this.rest.length > 0 ? this.rest + chunk : chunk;
    if (this.line === 0 && this.header === undefined && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      let end = nl;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      this.line++;
      if (end > pos) this.processLine(text, pos, end);
      pos = nl + 1;
    }
    this.rest = pos === 0 ? text : text.slice(pos);
  }

  /** Parse what is left (a last line without a newline) and return the table. */
  finish(): NabTable {
    if (this.rest.length > 0) {
      const text = this.rest;
      this.rest = '';
      let end = text.length;
      if (text.charCodeAt(end - 1) === 13) end--;
      this.line++;
      if (end > 0) this.processLine(text, 0, end);
    }
    if (this.header === undefined) throw new Error(`${this.source}: empty CSV (no header row)`);
    const columns = new Map<string, Float64Array>();
    for (const [name, col] of this.byName) columns.set(name, col.finish());
    return { header: this.header, rows: this.timestamps.length, timestamps: this.timestamps.finish(), columns };
  }

  private processLine(text: string, start: number, end: number): void {
    if (this.header === undefined) {
      this.readHeader(text.slice(start, end));
      return;
    }
    const targets = this.targets;
    let field = 0;
    let p = start;
    for (;;) {
      let c = text.indexOf(',', p);
      if (c < 0 || c > end) c = end;
      if (field === this.timestampIndex) {
        const raw = text.slice(p, c);
        try {
          this.timestamps.push(parseTimestamp(raw));
        } catch (err) {
          throw new Error(`${this.source}:${this.line}: ${(err as Error).message}`);
        }
      } else {
        const target = targets[field];
        if (target !== undefined) target.push(parseNumber(text.slice(p, c)));
      }
      field++;
      if (c === end) break;
      p = c + 1;
    }
    if (field !== targets.length) {
      throw new Error(`${this.source}:${this.line}: ${field} fields, header has ${targets.length}`);
    }
  }

  private readHeader(line: string): void {
    if (line.includes('"')) throw new Error(`${this.source}: quoted CSV fields are not supported`);
    const header = line.split(',').map((h) => h.trim());
    this.timestampIndex = header.indexOf(TIMESTAMP_COLUMN);
    if (this.timestampIndex < 0) throw new Error(`${this.source}: no "${TIMESTAMP_COLUMN}" column in header`);
    const keep = new Set(this.wanted ?? header.filter((h) => h !== TIMESTAMP_COLUMN));
    for (const name of keep) {
      if (!header.includes(name)) throw new Error(`${this.source}: no "${name}" column in header`);
    }
    this.targets = header.map((name, i) => {
      if (i === this.timestampIndex || !keep.has(name) || this.byName.has(name)) return undefined;
      const col = new Column();
      this.byName.set(name, col);
      return col;
    });
    this.header = header;
  }
}

/** Parse a whole NAB CSV held in memory. */
export function parseNabCsv(text: string, options: NabCsvOptions = {}): NabTable {
  const parser = new NabCsvParser(options);
  parser.push(text);
  return parser.finish();
}

/** Read and parse a NAB CSV from disk, streaming it in chunks. */
export async function readNabCsv(path: string, options: NabCsvOptions = {}): Promise<NabTable> {
  const parser = new NabCsvParser({ source: path, ...options });
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) parser.push(chunk as string);
  return parser.finish();
}

/** The named column of a table; throws if it was not parsed. */
export function requireColumn(table: NabTable, name: string): Float64Array {
  const col = table.columns.get(name);
  if (col === undefined) throw new Error(`CSV has no parsed column "${name}" (header: ${table.header.join(',')})`);
  return col;
}
