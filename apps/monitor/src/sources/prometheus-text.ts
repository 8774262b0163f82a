/**
 * A parser for the Prometheus text exposition format (0.0.4), tolerant of what OpenMetrics
 * text adds (`# EOF`, exemplars after ` # `) and of UTF-8 names quoted inside the braces
 * (`{"my.metric", le="1"}`), as Prometheus 3 writes them.
 *
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  /** May be NaN or ±Infinity. */
  value: number;
  /** ms since the epoch, when the line carries one. */
  timestamp?: number;
}

/** What `# HELP` and `# TYPE` said about a metric family. */
export interface PromFamily {
  help?: string;
  type?: string;
}

/** A parsed exposition: its samples in order, and what HELP / TYPE said per family. */
export interface PromExposition {
  samples: PromSample[];
  families: Map<string, PromFamily>;
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT = /^-?\d+$/;
const META = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/;

/** Parses a whole exposition; a malformed line throws with its line number. */
export function parsePrometheusText(text: string): PromExposition {
  const samples: PromSample[] = [];
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (line === '') continue;
    try {
      if (line.startsWith('#')) readComment(line, families);
      else samples.push(new LineReader(line).sample());
    } catch (err) {
      throw new Error(`line ${n + 1}: ${(err as Error).message}: ${line.length > 120 ? `${line.slice(0, 120)}…` : line}`);
    }
  }
  return { samples, families };
}

/** A sample value: a float, `NaN`, or `+Inf` / `-Inf` (any case, as Go's ParseFloat reads them). */
export function parsePromValue(token: string): number {
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(token)) throw new Error(`expected a number, got "${token}"`);
  return Number(token);
}

function readComment(line: string, families: Map<string, PromFamily>): void {
  const m = META.exec(line);
  if (!m) return; // Any other comment, including OpenMetrics `# EOF` and `# UNIT`.
  const keyword = m[1];
  const name = m[2] as string;
  const rest = m[3] ?? '';
  const family = families.get(name) ?? {};
  if (keyword === 'HELP') family.help = unescape(rest, false);
  else {
    const type = rest.trim();
    if (!/^(counter|gauge|histogram|summary|untyped|unknown|info|stateset|gaugehistogram)$/.test(type)) throw new Error(`unknown metric type "${type}"`);
    family.type = type;
  }
  families.set(name, family);
}

/** Undoes `\\`, `\n` and (in label values) `\"`; other escapes are kept as written. */
function unescape(text: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (all, c: string) => (c === '\\' ? '\\' : c === 'n' ? '\n' : c === '"' && quotes ? '"' : all));
}

class LineReader {
  #i = 0;
  constructor(private readonly line: string) {}

  sample(): PromSample {
    let name = this.#peek() === '{' ? undefined : this.#identifier(NAME_START, NAME_CHAR, 'a metric name');
    const labels: Record<string, string> = {};
    // Blanks may stand between the name and its labels, and between the labels and the value.
    const spaced = this.#spaces();
    if (this.#peek() === '{') {
      name = this.#labels(labels, name);
      this.#spaces();
    } else if (!spaced && this.#peek() !== undefined) throw new Error(`unexpected "${this.#peek()}" after the metric name`);
    if (name === undefined) throw new Error('expected a metric name');
    if (this.#peek() === undefined || this.#peek() === '#') throw new Error('expected a value');
    const value = parsePromValue(this.#token());
    const out: PromSample = { name, labels, value };
    if (this.#spaces() && this.#peek() !== '#' && this.#peek() !== undefined) {
      const ts = this.#token();
      if (!INT.test(ts)) throw new Error(`expected a timestamp in ms, got "${ts}"`);
      out.timestamp = Number(ts);
      this.#spaces();
    }
    // OpenMetrics exemplar (` # {trace_id="…"} 1`): not part of the sample.
    if (this.#peek() !== undefined && this.#peek() !== '#') throw new Error(`unexpected "${this.line.slice(this.#i)}"`);
    return out;
  }

  /** `{name="value", …}`; a quoted string with no `=` is the metric name. Returns the name. */
  #labels(labels: Record<string, string>, name: string | undefined): string | undefined {
    this.#i++; // {
    for (;;) {
      this.#spaces();
      if (this.#peek() === '}') break;
      const quoted = this.#peek() === '"';
      const key = quoted ? this.#quoted() : this.#identifier(LABEL_START, LABEL_CHAR, 'a label name');
      this.#spaces();
      if (quoted && this.#peek() !== '=') {
        if (name !== undefined) throw new Error(`unexpected quoted name "${key}"`);
        name = key;
      } else {
        if (this.#peek() !== '=') throw new Error(`expected "=" after label "${key}"`);
        this.#i++;
        this.#spaces();
        if (this.#peek() !== '"') throw new Error(`expected a quoted value for label "${key}"`);
        if (key in labels) throw new Error(`label "${key}" appears twice`);
        labels[key] = this.#quoted();
        this.#spaces();
      }
      if (this.#peek() === ',') this.#i++;
      else if (this.#peek() !== '}') throw new Error('expected "," or "}" in the labels');
    }
    this.#i++; // }
    return name;
  }

  #quoted(): string {
    const start = ++this.#i;
    for (; this.#i < this.line.length; this.#i++) {
      const c = this.line[this.#i];
      if (c === '\\') this.#i++;
      else if (c === '"') return unescape(this.line.slice(start, this.#i++), true);
    }
    throw new Error('unterminated quoted string');
  }

  #identifier(first: RegExp, rest: RegExp, what: string): string {
    const start = this.#i;
    if (!first.test(this.line[this.#i] ?? '')) throw new Error(`expected ${what}`);
    while (this.#i < this.line.length && rest.test(this.line[this.#i] as string)) this.#i++;
    return this.line.slice(start, this.#i);
  }

  #token(): string {
    const start = this.#i;
    while (this.#i < this.line.length && this.line[this.#i] !== ' ' && this.line[this.#i] !== '\t') this.#i++;
    return this.line.slice(start, this.#i);
  }

  /** Skips spaces and tabs; true if there were any. */
  #spaces(): boolean {
    const start = this.#i;
    while (this.line[this.#i] === ' ' || this.line[this.#i] === '\t') this.#i++;
    return this.#i > start;
  }

  #peek(): string | undefined {
    return this.line[this.#i];
  }
}
