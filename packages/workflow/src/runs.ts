import { z } from 'zod';
import { runScript, type Keys, type Plan, type WorkflowConfig, type RedisClient } from '@awo/shared';
import { entrySteps } from './route.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
/** Fields a run's hash keeps: its header fields and at most this many attempts. */
const MAX_RUN_FIELDS = 64;
/** Upper bounds (ms) of the per-step latency buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] as const;

/** What an attempt came to: the handler passed or refused the record, or the attempt threw (retried, unless `failed`). */
export const OUTCOMES = ['passed', 'refused', 'error'] as const;
export const RUN_STATUSES = ['running', 'completed', 'rejected', 'failed'] as const;

/** One attempt of a record at a step, as kept in its run. */
export const attemptSchema = z.strictObject({
  step: z.string().max(100),
  attempt: z.number().int().min(1),
  /** When the record was queued for this step (the job's timestamp), start and end of the attempt, epoch ms. */
  queuedAt: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  outcome: z.enum(OUTCOMES),
  error: z.string().max(1024).optional(),
  /** The attempt was the last (failed for good). */
  final: z.boolean().optional(),
  /** Steps the record went to next. */
  next: z.array(z.string().max(100)).max(64).optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** A run's header: the record, the plan version it runs on and that version's route. */
export const runHeaderSchema = z.strictObject({
  id: z.string().max(256),
  version: z.number().int().nonnegative(),
  entered: z.number().int().nonnegative(),
  /** The steps the record's plan version routes records through, in order (entry steps first). */
  route: z.array(z.string().max(100)).max(256),
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});

/** A record's journey: each step's attempts, start, end and outcome, with its route and plan version. */
export const runSchema = runHeaderSchema.extend({
  status: z.enum(RUN_STATUSES),
  steps: z.array(z.strictObject({ step: z.string(), attempts: z.array(attemptSchema) })),
  /** Attempts not kept because the run reached its bound of fields. */
  dropped: z.number().int().nonnegative(),
});
export type Run = z.infer<typeof runSchema>;

/** What each step costs, over the runs recorded: attempts, outcomes, latency and worker time. */
export const stepStatsSchema = z.strictObject({
  step: z.string(),
  attempts: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Records done at the step (passed or refused). */
  done: z.number().int().nonnegative(),
  /** Queued → done, per record done: mean and the bucket bound under which 50% and 95% fall. */
  latencyMs: z.strictObject({ mean: z.number().nonnegative(), p50: z.number().nonnegative().nullable(), p95: z.number().nonnegative().nullable() }),
  /** The handler's time summed over every attempt (what the step costs in workers). */
  workerSeconds: z.number().nonnegative(),
});
export type StepStats = z.infer<typeof stepStatsSchema>;

/** The route a plan version sends records along: its entry steps, then what follows them (breadth first). */
export function planRoute(plan: Plan, workflow: WorkflowConfig): string[] {
  const route = entrySteps(plan, workflow);
  for (let i = 0; i < route.length && route.length < 256; i++) {
    for (const [name, s] of Object.entries(plan.steps)) if (s.after.includes(route[i] as string) && !route.includes(name)) route.push(name);
  }
  return route;
}

function bucketOf(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
  return i < 0 ? LATENCY_BUCKETS_MS.length : i;
}

export interface RecordAttempt {
  header: z.input<typeof runHeaderSchema>;
  attempt: Attempt;
  /** The run's status after this attempt, when it changes. */
  status?: (typeof RUN_STATUSES)[number];
}

/**
 * Records of runs in Redis: a hash per record's run (`wf:run:<id>`), an index by start
 * (`wf:runs`) bounded by `workflow.runs.maxCount` and `maxAge`, and per-step aggregates
 * (`wf:steps`). Writes go through one script per attempt; reads validate what they find.
 */
export class RunLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: WorkflowConfig['runs'],
  ) {}

  /** Records one attempt; returns how many old runs this write trimmed. */
  async record({ header, attempt, status }: RecordAttempt): Promise<number> {
    const done = attempt.outcome !== 'error';
    const latency = done ? Math.max(0, attempt.end - attempt.queuedAt) : -1;
    const now = Date.now();
    const trimmed = (await runScript(this.redis, 'wf-run-3', [this.keys.run(header.id), this.keys.runs, this.keys.stepStats], [
      header.id,
      now,
      this.config.maxCount,
      this.config.maxAge,
      JSON.stringify(header),
      header.entered,
      `${attempt.step}#${attempt.attempt}`,
      JSON.stringify(attempt),
      attempt.step,
      attempt.outcome,
      latency,
      Math.max(0, attempt.end - attempt.start),
      bucketOf(latency),
      status ?? '',
      MAX_RUN_FIELDS,
    ], LUA_DIR)) as string[];
    if (trimmed.length > 0) await this.redis.del(...trimmed.map((id) => this.keys.run(id)));
    return trimmed.length;
  }

  /** Runs, newest first, `limit` at a time; `cursor` is the previous page's `nextCursor`. */
  async list(limit: number, cursor?: string): Promise<{ items: Run[]; nextCursor: string | null }> {
    const after = cursor ? parseCursor(cursor) : undefined;
    const max = after ? String(after.score) : '+inf';
    // Ties on the score are walked past by id, so a page ends where the next one begins.
    const flat = await this.redis.zrevrangebyscore(this.keys.runs, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1 + (after ? 1000 : 0));
    const entries: { id: string; score: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i] as string, score: Number(flat[i + 1]) });
    const start = after ? entries.findIndex((e) => e.score < after.score || (e.score === after.score && e.id < after.id)) : 0;
    const page = start < 0 ? [] : entries.slice(start, start + limit + 1);
    const more = page.length > limit;
    const ids = page.slice(0, limit);
    const runs = await Promise.all(ids.map((e) => this.get(e.id)));
    const last = ids.at(-1);
    return { items: runs.filter((r): r is Run => r !== undefined), nextCursor: more && last ? `${last.score}:${last.id}` : null };
  }

  /** One run, or undefined when it is not kept (never recorded, trimmed, expired, or unreadable). */
  async get(id: string): Promise<Run | undefined> {
    const hash = await this.redis.hgetall(this.keys.run(id));
    if (!hash._run) return undefined;
    const header = runHeaderSchema.safeParse(safeJson(hash._run));
    if (!header.success) return undefined;
    const byStep = new Map<string, Attempt[]>();
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('_')) continue;
      const a = attemptSchema.safeParse(safeJson(value));
      if (!a.success) continue;
      byStep.set(a.data.step, [...(byStep.get(a.data.step) ?? []), a.data]);
    }
    const steps = [...byStep].map(([step, attempts]) => ({ step, attempts: attempts.sort((x, y) => x.attempt - y.attempt) })).sort((a, b) => (a.attempts[0]?.start ?? 0) - (b.attempts[0]?.start ?? 0));
    const status = z.enum(RUN_STATUSES).safeParse(hash._status);
    return { ...header.data, status: status.success ? status.data : 'running', steps, dropped: Number(hash._dropped ?? 0) || 0 };
  }

  /** What each step costs, over every attempt recorded; and how many runs were trimmed by the bounds. */
  async stats(): Promise<{ steps: StepStats[]; trimmed: number }> {
    const hash = await this.redis.hgetall(this.keys.stepStats);
    const by = new Map<string, Map<string, number>>();
    for (const [field, value] of Object.entries(hash)) {
      const i = field.lastIndexOf(':');
      if (i <= 0) continue;
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) continue;
      const step = field.slice(0, i);
      if (!by.has(step)) by.set(step, new Map());
      by.get(step)?.set(field.slice(i + 1), n);
    }
    const steps = [...by].map(([step, f]) => {
      const get = (k: string) => f.get(k) ?? 0;
      const done = get('done');
      const buckets = [...LATENCY_BUCKETS_MS, Infinity].map((_, i) => get(`b${i}`));
      const quantile = (q: number): number | null => {
        if (done === 0) return null;
        let seen = 0;
        for (const [i, n] of buckets.entries()) {
          seen += n;
          if (seen >= q * done) return LATENCY_BUCKETS_MS[i] ?? LATENCY_BUCKETS_MS.at(-1) ?? null;
        }
        return null;
      };
      return stepStatsSchema.parse({ step, attempts: get('attempts'), passed: get('passed'), refused: get('refused'), errors: get('error'), done, latencyMs: { mean: done ? get('latencyMs') / done : 0, p50: quantile(0.5), p95: quantile(0.95) }, workerSeconds: get('workerMs') / 1000 });
    });
    return { steps: steps.sort((a, b) => (a.step < b.step ? -1 : 1)), trimmed: Number(hash._trimmed ?? 0) || 0 };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A list cursor: `<score>:<id>` of the last run of the previous page. */
export function parseCursor(cursor: string): { score: number; id: string } | undefined {
  const i = cursor.indexOf(':');
  const score = Number(cursor.slice(0, i));
  return i > 0 && Number.isFinite(score) ? { score, id: cursor.slice(i + 1) } : undefined;
}
