import { z } from 'zod';
import { changeSchema, paramValueSchema } from '../contracts/messages.js';

/**
 * The shapes of operators' steering: overrides (pins), rollbacks and proposals, as requested
 * (API and CLI bodies) and as kept in Redis (records, read back through these schemas: anything
 * else is skipped and counted). The API builds its OpenAPI document from the same schemas.
 */
const text = (max = 256) => z.string().min(1).max(max);
const ts = z.number().int().nonnegative();
const id = z.string().regex(/^[0-9a-f]{16}$/, 'expected an id of 16 hex digits');
const stepName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'expected a step name of letters, digits, "_", ".", ":" or "-" (at most 100)');
const paramName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'expected a parameter name of letters, digits, "_", ".", ":" or "-" (at most 64)');
const by = z.string().min(1).max(128);

export const steeringIdSchema = id;

/**
 * `POST /api/v1/plan/overrides`, `awo plan pin`: hold `step.param` at `value`. `until` is a time
 * (ISO 8601, or epoch ms as a number) or a duration from now (`30m`, `2h`); absent: until unpinned.
 */
export const overrideRequestSchema = z.strictObject({
  step: stepName,
  param: paramName,
  value: paramValueSchema,
  until: z.union([z.string().min(1).max(64), ts]).optional(),
  reason: z.string().max(512).optional(),
});

/**
 * An override's state: `pending` (asked for, not in the plan yet), `active` (pinned by revision
 * `version`), `removing` (unpin asked for), and the finished ones: `removed`, `expired` (its
 * `until` passed), `superseded` (a newer override of the same step parameter won), `refused`
 * (the planner could not apply it: `error` says why).
 */
export const overrideStatusSchema = z.enum(['pending', 'active', 'removing', 'removed', 'expired', 'superseded', 'refused']);

export const overrideSchema = z.strictObject({
  id,
  /** Request order (a counter in Redis): of two overrides of one step parameter, the higher wins. */
  seq: z.number().int().positive(),
  step: stepName,
  param: paramName,
  value: paramValueSchema,
  /** End of the pin (epoch ms); absent: until unpinned. */
  until: ts.optional(),
  reason: z.string().max(512).optional(),
  by: by.optional(),
  at: ts,
  status: overrideStatusSchema,
  /** The plan version whose revision pinned it. */
  version: z.number().int().positive().optional(),
  /** The plan version whose revision released it (removed, expired, superseded). */
  endedVersion: z.number().int().positive().optional(),
  endedAt: ts.optional(),
  endedBy: by.optional(),
  error: z.string().max(1024).optional(),
});

/** `POST /api/v1/plan/rollback`, `awo plan rollback`: a new revision whose steps equal `toVersion`'s. */
export const rollbackRequestSchema = z.strictObject({
  toVersion: z.number().int().nonnegative(),
  reason: z.string().max(512).optional(),
});

export const rollbackStatusSchema = z.enum(['pending', 'applied', 'refused']);

export const rollbackSchema = z.strictObject({
  id,
  seq: z.number().int().positive(),
  toVersion: z.number().int().nonnegative(),
  /** The plan version when it was asked for: a rollback applies on that version's lineage only. */
  fromVersion: z.number().int().nonnegative(),
  epoch: z.string().max(32).optional(),
  reason: z.string().max(512).optional(),
  by: by.optional(),
  at: ts,
  status: rollbackStatusSchema,
  /** The plan version of the revision that rolled back. */
  version: z.number().int().positive().optional(),
  error: z.string().max(1024).optional(),
});

/**
 * A proposal's state: `open` (waiting for an operator), `approved` (the leader will commit it),
 * `applied` (committed as revision `version`), `rejected`, `expired` (not decided within
 * `planner.steering.proposalTtl`), `superseded` (the plan moved where its changes start, or its
 * goal proposed something newer).
 */
export const proposalStatusSchema = z.enum(['open', 'approved', 'applied', 'rejected', 'expired', 'superseded']);

export const proposalSchema = z.strictObject({
  id,
  seq: z.number().int().positive(),
  goal: text(100),
  /** The plan version the changes were computed on. */
  baseVersion: z.number().int().nonnegative(),
  epoch: z.string().max(32).optional(),
  changes: z.array(changeSchema).min(1).max(256),
  reason: z.string().max(2048),
  insightIds: z.array(text(64)).max(256).default([]),
  at: ts,
  expiresAt: ts,
  status: proposalStatusSchema,
  decidedBy: by.optional(),
  decidedAt: ts.optional(),
  /** Why it was rejected (the operator's words) or superseded. */
  note: z.string().max(1024).optional(),
  version: z.number().int().positive().optional(),
});

/** `POST /api/v1/proposals/{id}/approve|reject`: an optional note. */
export const decisionRequestSchema = z.strictObject({ reason: z.string().max(512).optional() });

export const overrideListSchema = z.array(overrideSchema);
export const proposalListSchema = z.array(proposalSchema);
export const rollbackListSchema = z.array(rollbackSchema);

/** One entry of the steering events stream (`stream:steering`, field `e`). */
export const steeringEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ v: z.literal(1), type: z.literal('override'), at: ts, item: overrideSchema }),
  z.strictObject({ v: z.literal(1), type: z.literal('proposal'), at: ts, item: proposalSchema }),
  z.strictObject({ v: z.literal(1), type: z.literal('rollback'), at: ts, item: rollbackSchema }),
]);

/** A control message (`stream:control`, field `c`) every awo process listens to. */
export const controlMessageSchema = z.strictObject({
  v: z.literal(1),
  /** `reload`: re-read the config file; `steer`: the leading planner looks at the steering records now. */
  op: z.enum(['reload', 'steer']),
  by: by.optional(),
  at: ts,
});

/** `POST /api/v1/config/reload`'s answer: the control message's stream id. */
export const reloadResponseSchema = z.strictObject({ id: z.string(), at: ts });

export type OverrideRequest = z.input<typeof overrideRequestSchema>;
export type Override = z.infer<typeof overrideSchema>;
export type OverrideStatus = z.infer<typeof overrideStatusSchema>;
export type RollbackRequest = z.input<typeof rollbackRequestSchema>;
export type Rollback = z.infer<typeof rollbackSchema>;
export type SteeringProposal = z.infer<typeof proposalSchema>;
export type ProposalStatus = z.infer<typeof proposalStatusSchema>;
export type SteeringEvent = z.infer<typeof steeringEventSchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** Override states that still hold (or will hold) a pin. */
export const LIVE_OVERRIDE: ReadonlySet<OverrideStatus> = new Set(['pending', 'active']);
/** Finished states: the record only waits to age out. */
export const FINISHED_OVERRIDE: ReadonlySet<OverrideStatus> = new Set(['removed', 'expired', 'superseded', 'refused']);
export const FINISHED_PROPOSAL: ReadonlySet<ProposalStatus> = new Set(['applied', 'rejected', 'expired', 'superseded']);
