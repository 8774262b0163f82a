/**
 * Stream names, keys and consumer groups: every name awo uses in Redis, in one place.
 * All live under a key prefix (config `prefix`, default `awo`).
 */
export const STREAMS = ['metrics', 'insights', 'revisions', 'actions', 'results', 'deadletter'] as const;
export type StreamName = (typeof STREAMS)[number];

export const GROUPS = {
  analyzer: 'analyzer',
  planner: 'planner',
  executor: 'executor',
  plannerResults: 'planner-results',
} as const;

/** The field of a tap stream entry (`Keys.tap`) that holds the record's JSON. */
export const TAP_RECORD_FIELD = 'r';

export interface Keys {
  prefix: string;
  stream(name: StreamName): string;
  /** The current plan (JSON), written only by compare-and-set on its version. */
  plan: string;
  /** The planner leadership lease. */
  lease: string;
  /** Applied parameters (hash): field "step\u0000param" → JSON {value, version}, written only by newer versions. */
  applied: string;
  /** Recent spans kept for `awo trace` without a collector. */
  spans: string;
  /** Prefix for BullMQ queues that awo owns (action jobs, managed pools). */
  bullPrefix: string;
  /** Records entering a workflow step, tapped for the `records` source (a capped stream). */
  tap(step: string): string;
  /** What a workflow `sink` step wrote (a capped stream of records, each once). */
  sink(step: string): string;
  /** Workflow record counters (a hash: `in`, `out:<step>`, `rejected`, `failed`). */
  workflowCounts: string;
  /** Any other key, under the prefix. */
  key(...parts: string[]): string;
}

export function keys(prefix = 'awo'): Keys {
  return {
    prefix,
    stream: (name) => `${prefix}:stream:${name}`,
    plan: `${prefix}:plan`,
    lease: `${prefix}:plan:lease`,
    applied: `${prefix}:plan:applied`,
    spans: `${prefix}:spans`,
    bullPrefix: `${prefix}:bull`,
    tap: (step) => `${prefix}:tap:${step}`,
    sink: (step) => `${prefix}:sink:${step}`,
    workflowCounts: `${prefix}:wf:counts`,
    key: (...parts) => [prefix, ...parts].join(':'),
  };
}
