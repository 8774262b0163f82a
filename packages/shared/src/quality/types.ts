/** Type a field of a record must have. */
export type FieldType = 'number' | 'string' | 'boolean';

/** What one field of a record must look like. */
export interface FieldSpec {
  type: FieldType;
  /** A required field must be present and not null (default false). */
  required?: boolean;
  /** Smallest allowed value of a number field (inclusive). */
  min?: number;
  /** Largest allowed value of a number field (inclusive). */
  max?: number;
}

/** The data-quality contract of the records passing a step. */
export interface QualitySpec {
  fields: Readonly<Record<string, FieldSpec>>;
  /** Field whose value identifies a record, for the duplicate rate. */
  key?: string;
  /** Field holding when the record was produced (epoch ms, or an ISO-8601 string), for freshness. */
  timestampField?: string;
}

/** One record as sampled: a plain JSON object (anything else is a schema violation). */
export type DataRecord = unknown;

/** Freshness of a batch, from the records that carry a valid timestamp. */
export interface Freshness {
  /** now − newest record timestamp, in ms (negative when a record claims to be from the future). */
  lagMs: number;
  /** 95th percentile (nearest rank) of now − record timestamp over the timestamped records, in ms. */
  p95LagMs: number;
  /** Number of records with a valid timestamp. */
  records: number;
}

/**
 * Data-quality metrics of one batch. Every rate is a share in [0, 1]; on an empty batch every
 * rate is 0 and `records` is 0, so a caller should skip publishing it.
 */
export interface QualityMetrics {
  /** Records in the batch. */
  records: number;
  /** Per declared field: share of records where it is absent, `null` or `undefined`. */
  nullRate: Record<string, number>;
  /**
   * Share of records with at least one schema violation: not a plain object, a required field
   * absent or null, or a present (non-null) field of the wrong type — a number field must hold
   * a finite number. Fields not in the spec are allowed.
   */
  schemaViolationRate: number;
  /**
   * Share of records with at least one number field (of the right type) outside its
   * [min, max] bounds (bounds inclusive). Absent fields and wrongly typed ones do not count here.
   */
  outOfRangeRate: number;
  /** Per number field with a bound: share of records where it is outside its bounds. */
  outOfRangeRateByField: Record<string, number>;
  /**
   * Share of the keyed records (key field a string or a finite number) whose key was already
   * seen, earlier in the batch or in the recent-key memory; undefined without a `key` in the spec
   * or when no record has a key. The first occurrence in the batch of a key not in memory is not a
   * duplicate; every later one is.
   */
  duplicateRate: number | undefined;
  /** Records that carried a usable key. */
  keyed: number;
  /** Undefined without a `timestampField` or when no record has a valid timestamp. */
  freshness: Freshness | undefined;
}
