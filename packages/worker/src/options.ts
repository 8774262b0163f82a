import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import { z } from 'zod';
import { AwoError, formatIssues, type Config, type Logger, type Metrics } from '@awo/shared';

/** A member id: what the split sorts by, so it must be stable and comparable (no spaces, bounded). */
const memberId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'expected 1-128 letters, digits, "_", ".", ":", "@" or "-"');

/** The scalar options of a member, validated once (durations in ms). */
const settingsShape = {
    /** The workflow step this process works for: `workflow.steps.<step>` of the awo config. */
    step: z.string().min(1),
    /** The plan parameter that holds the step's desired total concurrency. */
    param: z.string().min(1).default('concurrency'),
    /** This member's id (default `<host>-<pid>-<random>`); members are sorted by it for the split. */
    id: memberId.optional(),
    /** A member whose heartbeat is older than this is gone, and its share goes to the others. */
    ttl: z.number().int().min(200).max(600_000).default(5000),
    /** How often the member beats (and re-reads the members). At most ttl / 2. */
    heartbeat: z.number().int().min(50).max(300_000).default(1000),
    /** How often the plan is re-read without a notice (heals a lost NATS notice). */
    recheck: z.number().int().min(50).max(3_600_000).default(5000),
    /** A new member takes no share until this long after it started (its warm-up). */
    warmup: z.number().int().min(0).max(3_600_000).default(0),
    /** Most live members a step takes; a joining member past it is refused and counted (never a live one evicted). */
    maxMembers: z.number().int().min(1).max(10_000).default(100),
    /** How often processing time, jobs/s, concurrency and members go to the metrics stream (0: never). */
    report: z.number().int().min(0).max(3_600_000).default(1000),
    /** Jobs in flight tracked for spans and timings (an adapted worker's events); past it a job is counted, not tracked. */
    maxTracked: z.number().int().min(1).max(1_000_000).default(10_000),
};

export const memberSettingsSchema = z
  .strictObject(settingsShape)
  .superRefine((s, ctx) => {
    if (s.heartbeat * 2 > s.ttl) ctx.addIssue({ code: 'custom', path: ['heartbeat'], message: `expected at most ttl / 2 (${Math.floor(s.ttl / 2)} ms), so one lost beat does not drop a live member`, input: s.heartbeat });
  });

export type MemberSettingsInput = z.input<typeof memberSettingsSchema>;
export type MemberSettings = z.infer<typeof memberSettingsSchema> & { id: string };

/** What a member needs besides its settings: the awo config and, optionally, its telemetry. */
export interface MemberDeps {
  /** The awo config (`loadConfig`): its prefix, Redis, workflow, signing keys and NATS. */
  config: Config;
  /** NATS servers for plan and member notices (default `config.nats.servers`); `false`: none, the re-check alone. */
  nats?: string | string[] | false;
  log?: Logger;
  tracer?: Tracer;
  /** A process metrics registry to declare `awo_worker_*` on (its `/metrics`). */
  metrics?: Metrics;
}

export type AdaptOptions = MemberSettingsInput & MemberDeps;

/** Validates the settings, naming the bad field; fills in the member id. */
export function parseSettings(input: MemberSettingsInput, config: Config): MemberSettings {
  // Only the settings are validated here; the rest of the options (config, processor …) are the caller's.
  const picked = Object.fromEntries(Object.keys(settingsShape).flatMap((k) => (Object.hasOwn(input, k) ? [[k, (input as Record<string, unknown>)[k]]] : [])));
  const r = memberSettingsSchema.safeParse(picked);
  if (!r.success) {
    const issues = formatIssues(r.error.issues);
    throw new AwoError('AWO_CONFIG_INVALID', `invalid @awo/worker options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { details: { issues } });
  }
  const s = r.data;
  if (!Object.hasOwn(config.workflow.steps, s.step)) {
    throw new AwoError('AWO_CONFIG_INVALID', `invalid @awo/worker options: step: expected a step of workflow.steps, got "${s.step}"`);
  }
  return { ...s, id: s.id ?? defaultId() };
}

function defaultId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 80) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The NATS servers a member uses, if any. */
export function natsServers(deps: MemberDeps): string | string[] | undefined {
  if (deps.nats === false) return undefined;
  return deps.nats ?? deps.config.nats?.servers;
}
