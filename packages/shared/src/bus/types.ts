import type { LeaseFence } from '../plan/lease.js';
import type { Logger } from 'pino';
import type { BusConfig } from '../config/schema.js';
import type { MessageInput, MessageOf, StreamName } from '../contracts/index.js';
import type { TraceHeaders } from '../telemetry/propagation.js';
import type { Issue } from '../errors.js';

/** A message as a handler receives it. */
export interface Delivery<S extends StreamName> {
  /** Stream entry id, e.g. `1700000000000-0`. */
  id: string;
  stream: S;
  message: MessageOf<S>;
  headers: TraceHeaders;
  /** How many times this entry has been delivered to the group (1 on the first read). */
  deliveries: number;
}

/** What a handler gets besides its message: never globals. */
export interface HandlerContext {
  /** Aborted when the consumer closes and the grace period is over. */
  signal: AbortSignal;
  log: Logger;
}

export type Handler<S extends StreamName> = (delivery: Delivery<S>, ctx: HandlerContext) => Promise<void>;

/**
 * Handles a whole read at once. Throwing fails the whole batch; returning `failed` ids fails
 * only those (they stay pending and are retried, then dead-lettered after maxDeliveries).
 */
export type BatchHandler<S extends StreamName> = (deliveries: Delivery<S>[], ctx: HandlerContext) => Promise<void | { failed?: string[] }>;

export type ConsumeOptions<S extends StreamName> = {
  group: string;
  /** Unique per live process; a restarted process may reuse its name to pick up its own pending entries. */
  consumer: string;
  /** Where a new group starts: `0` reads what is already in the stream, `$` only what comes next. */
  startId?: '0' | '$';
  /**
   * A cheap check on the raw `data` field before anything is decoded: entries it rejects are
   * acked without being parsed, validated or handled. For consumers that need a few of many
   * messages (the planner reads a handful of series from the metrics stream).
   */
  filter?: (data: string) => boolean;
  /** Metrics only, with `bus.partitions` > 1: read this partition's stream instead of the metrics stream. */
  partition?: number;
  /** Told how long each read's batch took to handle, in seconds (for the batch-duration histogram). */
  onBatch?: (seconds: number) => void;
} & Partial<Omit<BusConfig, 'maxLen' | 'batchSize' | 'linger'>> &
  ({ handler: Handler<S>; batchHandler?: never } | { batchHandler: BatchHandler<S>; handler?: never });

export interface PublishOptions {
  /** Trace context per message; by default the active context is injected into every message. */
  headers?: TraceHeaders | TraceHeaders[];
  /**
   * Without it, one invalid message refuses the whole call. With it, an invalid message is
   * reported here and left out, the others are published, and the ids returned are theirs.
   */
  onInvalid?: (index: number, issues: Issue[]) => void;
  /**
   * Publish only while holding this lease (a `Lease`): refused with `AWO_LEASE_LOST`, and nothing
   * more added, when its holder's own clock says it lapsed (`held()`), or when the stream's slot
   * has seen a newer take of it (the epoch check and the append are one script, `fenced-xadd-2`,
   * in the stream's slot, so it works on Redis Cluster; each entry also carries the token in a
   * `lease` field). Sent at once, not batched with other publishes. Monitors fence a source's
   * samples by its lease; analyzers fence a metrics partition's insights by the partition's lease.
   */
  fence?: LeaseFence;
}

export interface ConsumerStats {
  delivered: number;
  acked: number;
  failed: number;
  deadLettered: number;
  claimed: number;
  filtered: number;
  inFlight: number;
}

export interface Consumer {
  readonly stats: ConsumerStats;
  /** Resolves when the consumer has stopped reading and flushed its acks. Idempotent. */
  close(): Promise<void>;
}

/** The transport every agent is handed: publish, consume, close. */
export interface Bus {
  publish<S extends StreamName>(stream: S, messages: MessageInput<S> | MessageInput<S>[], options?: PublishOptions): Promise<string[]>;
  consume<S extends StreamName>(stream: S, options: ConsumeOptions<S>): Promise<Consumer>;
  /** Closes every consumer, flushes pending publishes, then the connections. Idempotent. */
  close(): Promise<void>;
}

export interface BusDeps {
  log: Logger;
  config: BusConfig;
  prefix: string;
}
