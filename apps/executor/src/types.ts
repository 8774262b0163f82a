import type { RedisClient } from '@awo/shared';
import type { Tracer } from '@opentelemetry/api';
import type { Action, ActionConfig, Keys, Logger, ParamValue } from '@awo/shared';
import type { ManagedPool } from './pool.js';

/** What an action handler gets besides its action and config: never globals. */
export interface ActionContext {
  /** Aborted when the job is cancelled or the executor's close grace period is over. */
  signal: AbortSignal;
  log: Logger;
  tracer: Tracer;
  /** The shared command connection. */
  redis: RedisClient;
  keys: Keys;
  /** The worker pools this executor manages, by `executor.pools` name. */
  pools: Map<string, ManagedPool>;
}

/** What a handler reports on success; `output` is cut to 4 KiB in the result. */
export interface ActionOutcome {
  output?: string;
}

export type ActionKind = ActionConfig['kind'];

/** The config of one action kind, e.g. `ActionConfigOf<'http'>`. */
export type ActionConfigOf<K extends ActionKind> = Extract<ActionConfig, { kind: K }>;

/** A handler for one action kind. It acts only on what its config names. */
export type ActionHandler<C extends ActionConfig> = (action: Action, config: C, ctx: ActionContext) => Promise<ActionOutcome>;

/** The value of a parameter as last applied, and the plan (epoch, version) that applied it. */
export interface AppliedEntry {
  value: ParamValue;
  version: number;
  /** Absent for entries written before plans had epochs. */
  epoch?: string;
}

/** Applied state by `appliedField(step, param)`. */
export type AppliedState = ReadonlyMap<string, AppliedEntry>;
