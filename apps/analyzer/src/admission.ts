/**
 * Admission of series under each analyzer rule, with no I/O: a rule keeps at most `maxSeries`
 * series, a series is the metric's name plus its allowlisted labels, and every rule together
 * keeps at most the analyzer's `maxSeries`. A NEW series over a limit is refused and counted; a
 * series already admitted is never dropped to make room for it. A series leaves only when it
 * has sent nothing for `idleExpiryMs` (see {@link RuleSeries.sweep}).
 */

/** The bounds of one rule (the `maxSeries` and `labels` of its config entry). */
export interface SeriesBounds {
  maxSeries: number;
  labels: readonly string[];
}

/** The series every rule together may keep (the analyzer's `maxSeries`), shared by the rules' tables. */
export class SeriesBudget {
  used = 0;
  constructor(readonly max: number) {}
}

/** What a rate-limited warning about refusals says. */
export interface RefusalWarning {
  rule: string;
  /** The series refused last. */
  series: string;
  /** Refused points since the last warning about this rule. */
  refused: number;
  /** Which limit was reached. */
  limit: 'rule' | 'analyzer';
  maxSeries: number;
}

/** At most one warning about a rule's refusals this often. */
export const REFUSAL_WARN_EVERY_MS = 10_000;

interface Entry<T> {
  state: T;
  lastSeen: number;
}

/** `series` alone, or `series{k=v,…}` with the labels sorted. */
export function seriesKey(series: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return series;
  return `${series}{${keys.sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

/** The series name of a key (`series` or `series{k=v,…}`). */
export function nameOfKey(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

/** The series of one rule, keyed by name and allowlisted labels, in order of last sight (oldest first). */
export class RuleSeries<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #labels: readonly string[];
  #refused = 0;
  #expired = 0;
  #unwarned = 0;
  #warnedAt = Number.NEGATIVE_INFINITY;

  /**
   * @param rule the rule's name in counters and logs, e.g. `anomaly[0]`
   * @param warn called at most every {@link REFUSAL_WARN_EVERY_MS} while series are refused
   */
  constructor(
    readonly rule: string,
    readonly bounds: SeriesBounds,
    private readonly budget: SeriesBudget,
    private readonly idleExpiryMs: number,
    private readonly warn: (w: RefusalWarning) => void = () => {},
  ) {
    this.#labels = [...new Set(bounds.labels)].sort();
  }

  /** The key of a metric under this rule: its name and only the allowlisted labels. */
  key(series: string, labels: Record<string, string>): string {
    if (this.#labels.length === 0) return series;
    const kept: string[] = [];
    for (const k of this.#labels) if (labels[k] !== undefined) kept.push(`${k}=${labels[k]}`);
    return kept.length === 0 ? series : `${series}{${kept.join(',')}}`;
  }

  /**
   * The state of the metric's series, marked seen at `now`; a new series is created with
   * `create` if both limits allow it, else refused (undefined, counted, warned about).
   */
  get(series: string, labels: Record<string, string>, now: number, create: () => T): T | undefined {
    const key = this.key(series, labels);
    const entry = this.#entries.get(key);
    if (entry) {
      // Map order is insertion order: re-inserting keeps the oldest-seen first, for the sweep.
      this.#entries.delete(key);
      entry.lastSeen = now;
      this.#entries.set(key, entry);
      return entry.state;
    }
    const limit = this.#entries.size >= this.bounds.maxSeries ? 'rule' : this.budget.used >= this.budget.max ? 'analyzer' : undefined;
    if (limit) {
      this.#refuse(key, limit, now);
      return undefined;
    }
    const state = create();
    this.#entries.set(key, { state, lastSeen: now });
    this.budget.used++;
    return state;
  }

  /** The state of an admitted series, without marking it seen. */
  peek(series: string, labels: Record<string, string>): T | undefined {
    return this.#entries.get(this.key(series, labels))?.state;
  }

  /** Forgets the series silent for `idleExpiryMs` or longer at `now`; returns how many. */
  sweep(now: number): number {
    let n = 0;
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastSeen < this.idleExpiryMs) break;
      this.#entries.delete(key);
      this.budget.used--;
      n++;
    }
    this.#expired += n;
    return n;
  }

  /** Forgets the series whose key `drop` picks (a partition another analyzer now owns); returns how many. */
  forget(drop: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.#entries.keys()]) {
      if (!drop(key)) continue;
      this.#entries.delete(key);
      this.budget.used--;
      n++;
    }
    return n;
  }

  /** The states kept, oldest sight first. */
  *values(): IterableIterator<T> {
    for (const e of this.#entries.values()) yield e.state;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Points refused so far because their series was new and over a limit. */
  get refused(): number {
    return this.#refused;
  }

  /** Series forgotten so far for being silent. */
  get expired(): number {
    return this.#expired;
  }

  /** The admitted series: key and state, oldest-seen first. */
  *entries(): IterableIterator<[string, T]> {
    for (const [key, e] of this.#entries) yield [key, e.state];
  }

  #refuse(key: string, limit: 'rule' | 'analyzer', now: number): void {
    this.#refused++;
    this.#unwarned++;
    if (now - this.#warnedAt < REFUSAL_WARN_EVERY_MS) return;
    this.#warnedAt = now;
    this.warn({ rule: this.rule, series: key, refused: this.#unwarned, limit, maxSeries: limit === 'rule' ? this.bounds.maxSeries : this.budget.max });
    this.#unwarned = 0;
  }
}

/** How often the analyzer looks for idle series: a tenth of the expiry, at most once a minute. */
export function sweepEvery(idleExpiryMs: number): number {
  return Math.min(60_000, Math.max(1, Math.floor(idleExpiryMs / 10)));
}
