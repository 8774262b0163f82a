import { ROOT_CONTEXT, SpanKind, type Span } from '@opentelemetry/api';
import { UnrecoverableError, type Job } from 'bullmq';
import {
  ATTR,
  AwoError,
  epochOf,
  errorMessage,
  extractContext,
  inSpan,
  isAwoError,
  MESSAGING_SYSTEM_BULLMQ,
  paramOf,
  parseJob,
  QUEUES,
  spanName,
  type Action,
  type ActionConfig,
  type ActionResult,
  type AgentDeps,
  type ExecutorConfig,
  type PlanReader,
} from '@awo/shared';
import { observe, runAction } from './actions/index.js';
import { readAppliedEntry, recordApplied } from './applied.js';
import type { ManagedPool } from './pool.js';
import { appliedField, own } from './reconcile.js';
import { AWO_ATTR } from './semconv.js';
import { truncate } from './template.js';
import type { ActionContext, ActionOutcome } from './types.js';
import { KeyedMutex } from './util.js';

/** The BullMQ queue that carries action jobs (under `keys.queuePrefix(ACTIONS_QUEUE)`). */
export const ACTIONS_QUEUE = QUEUES.actions;

/** An action job's data (its schema lives in the shared job catalog). */
export { actionJobSchema, type ActionJob } from '@awo/shared';

/** What a job returns to BullMQ (its `returnvalue`). */
export interface JobOutcome {
  outcome: 'applied' | 'skipped';
  output?: string;
}

/** Turns an error into one BullMQ never retries, keeping the code in the message and the cause. */
export function unrecoverable(err: unknown): UnrecoverableError {
  if (err instanceof UnrecoverableError) return err;
  const wrapped = new UnrecoverableError(isAwoError(err) ? `${err.code}: ${err.message}` : errorMessage(err));
  wrapped.cause = err;
  return wrapped;
}

function describe(err: unknown): string {
  return isAwoError(err) ? `${err.code}: ${err.message}` : errorMessage(err);
}

/**
 * Runs action jobs: validates the job, checks the action against the config (name, kind, and the
 * step's `apply` entry), skips what is already applied or superseded, runs the handler, records
 * the applied value, and publishes an `ActionResult`. One action per step parameter at a time.
 */
export class ActionRunner {
  readonly counters = { run: 0, succeeded: 0, failed: 0, retried: 0, refused: 0, skipped: 0 };
  readonly #mutex = new KeyedMutex();
  /** A signal that never aborts, for a job BullMQ handed no signal. */
  readonly #never = new AbortController();

  constructor(
    private readonly deps: AgentDeps<ExecutorConfig>,
    private readonly pools: Map<string, ManagedPool>,
    private readonly plans: PlanReader,
    /** Told of every result published (for the action-latency histogram). */
    private readonly published: (action: Action, at: number) => void = () => undefined,
  ) {}

  /** The BullMQ processor body; `signal` is BullMQ's (aborted by `worker.cancelAllJobs`). */
  process(job: Job, signal?: AbortSignal): Promise<JobOutcome> {
    const parsed = parseJob('action', job.data, job.id);
    const parent = extractContext(parsed.ok ? parsed.data.trace : {}, ROOT_CONTEXT);
    const attributes = {
      [ATTR.MESSAGING_SYSTEM]: MESSAGING_SYSTEM_BULLMQ,
      // `actions`, or a pool's own `actions.pool.<pool>`; the span name stays `process actions`.
      [ATTR.MESSAGING_DESTINATION_NAME]: job.queueName ?? ACTIONS_QUEUE,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_MESSAGE_ID]: job.id ?? '',
    };
    return inSpan(
      this.deps.tracer,
      spanName('process', ACTIONS_QUEUE),
      { kind: SpanKind.CONSUMER, attributes },
      async (span) => {
        if (!parsed.ok) {
          this.counters.refused++;
          throw unrecoverable(parsed.error);
        }
        const action = parsed.data.action;
        span.setAttributes({ [AWO_ATTR.ACTION_ID]: action.id, [AWO_ATTR.ACTION_NAME]: action.action, [AWO_ATTR.ACTION_KIND]: action.kind, [AWO_ATTR.PLAN_VERSION]: action.version, [AWO_ATTR.STEP]: action.step, [AWO_ATTR.PARAM]: action.param });
        const config = this.#allowed(action, job.id);
        if (config instanceof AwoError) {
          this.counters.refused++;
          span.setAttribute(AWO_ATTR.OUTCOME, 'refused');
          this.deps.log.warn({ jobId: job.id, action: action.action, err: config.message }, 'action refused');
          await this.#publish(action, { ok: false, error: describe(config), attempts: job.attemptsMade + 1, durationMs: 0 });
          throw unrecoverable(config);
        }
        return this.#mutex.run(appliedField(action.step, action.param), () => this.#apply(job, action, config, span, signal));
      },
      parent,
    );
  }

  /** The config of an action, if the config allows it exactly as the job says; else the refusal. */
  #allowed(action: Action, jobId: string | undefined): ActionConfig | AwoError {
    const { actions } = this.deps.config.executor;
    if (action.id !== jobId) return new AwoError('AWO_ACTION_NOT_ALLOWED', `job ${jobId} carries action id ${action.id}; they must be the same`);
    const config = own(actions, action.action);
    if (!config) return new AwoError('AWO_ACTION_NOT_ALLOWED', `action "${action.action}" is not in executor.actions`);
    if (config.kind !== action.kind) return new AwoError('AWO_ACTION_NOT_ALLOWED', `action "${action.action}" is a ${config.kind} action in the config, not ${action.kind}`);
    const step = own(this.deps.config.workflow.steps, action.step);
    const named = step && own(step.apply, action.param);
    if (named !== action.action) return new AwoError('AWO_ACTION_NOT_ALLOWED', `workflow.steps.${action.step}.apply.${action.param} does not name action "${action.action}"`);
    return config;
  }

  async #apply(job: Job, action: Action, config: ActionConfig, span: Span, signal: AbortSignal | undefined): Promise<JobOutcome> {
    const started = performance.now();
    const attempts = job.attemptsMade + 1;
    const skip = await this.#skipReason(action, config);
    if (skip?.forged) {
      // Nothing but a trusted revision moves the world: refused for good, never recorded as applied.
      this.counters.refused++;
      span.setAttribute(AWO_ATTR.OUTCOME, 'refused');
      this.deps.log.warn({ jobId: job.id, action: action.action, version: action.version, err: skip.text }, 'action refused: no trusted revision vouches for it');
      await this.#publish(action, { ok: false, error: `AWO_ACTION_NOT_ALLOWED: ${skip.text}`, attempts, durationMs: 0 });
      throw unrecoverable(new AwoError('AWO_ACTION_NOT_ALLOWED', skip.text));
    }
    if (skip) {
      this.counters.skipped++;
      span.setAttribute(AWO_ATTR.OUTCOME, 'skipped');
      await this.#publish(action, skip.ok ? { ok: true, output: skip.text, attempts, durationMs: 0 } : { ok: false, error: skip.text, attempts, durationMs: 0 });
      return { outcome: 'skipped', output: skip.text };
    }
    this.counters.run++;
    const ctx: ActionContext = { signal: signal ?? this.#never.signal, log: this.deps.log.child({ actionId: action.id }), tracer: this.deps.tracer, redis: this.deps.redis, keys: this.deps.keys, pools: this.pools };
    let outcome: ActionOutcome;
    try {
      outcome = await runAction(action, config, ctx);
    } catch (err) {
      const retryable = !(err instanceof UnrecoverableError) && !(isAwoError(err) && !err.retryable);
      const final = !retryable || attempts >= (job.opts.attempts ?? 1);
      span.setAttribute(AWO_ATTR.OUTCOME, final ? 'failed' : 'retry');
      if (final) {
        this.counters.failed++;
        await this.#publish(action, { ok: false, error: describe(err), attempts, durationMs: performance.now() - started }).catch((e: unknown) => this.deps.log.error({ err: errorMessage(e) }, 'publishing a failure result failed'));
      } else this.counters.retried++;
      this.deps.log.warn({ jobId: job.id, attempts, final, err: describe(err) }, 'action failed');
      throw retryable ? err : unrecoverable(err);
    }
    // A failure from here on is retried by BullMQ; the retry finds the value applied and skips.
    await recordApplied(this.deps.redis, this.deps.keys.applied, action);
    this.counters.succeeded++;
    span.setAttribute(AWO_ATTR.OUTCOME, 'applied');
    await this.#publish(action, { ok: true, output: outcome.output, attempts, durationMs: performance.now() - started });
    return { outcome: 'applied', output: outcome.output };
  }

  /**
   * Why an action must not run, judged by values, not versions alone:
   * - the job must be what a trusted revision says: its (epoch, version) is a plan this executor
   *   verifies, no newer than the current one, and that plan sets the step's parameter to exactly
   *   the job's value (a forged job, or one naming version 999999, is refused and never recorded
   *   as applied, so later signed revisions still act);
   * - the plan is now of another epoch, or the current plan wants another value: superseded;
   * - the applied value (and the world, where this executor can read it back) already is the job's
   *   value: already applied. A newer version recorded with another value is no reason to skip,
   *   so a plan that went back (a failover, a rollback) is acted on.
   */
  async #skipReason(action: Action, config: ActionConfig): Promise<{ ok: boolean; text: string; forged?: true } | undefined> {
    const epoch = epochOf(action);
    const current = await this.plans.current();
    if (!current.trust.ok) return { ok: false, text: `the current plan is not trusted: ${current.trust.reason}`, forged: true };
    const plan = current.plan;
    if (epochOf(plan) !== epoch) return { ok: false, text: `superseded: the plan is now v${plan.version} of epoch ${epochOf(plan) || '(none)'}, not of this action's epoch ${epoch || '(none)'}` };
    if (action.version > plan.version) return { ok: false, text: `forged: the job names plan v${action.version}, but the plan is at v${plan.version}`, forged: true };
    const own = action.version === plan.version ? current : await this.plans.atVersion(action.version).catch((err: unknown) => ({ error: describe(err) }));
    if ('error' in own) return { ok: false, text: `cannot vouch for plan v${action.version}: ${own.error}`, forged: true };
    if (!own.trust.ok) return { ok: false, text: `plan v${action.version} is not trusted: ${own.trust.reason}`, forged: true };
    const signed = paramOf(own.plan, action.step, action.param);
    if (signed !== action.value) return { ok: false, text: `forged: plan v${action.version} sets ${action.step}.${action.param} to ${JSON.stringify(signed ?? null)}, not ${JSON.stringify(action.value)}`, forged: true };
    const wanted = paramOf(plan, action.step, action.param);
    if (wanted !== action.value) return { ok: false, text: `superseded: plan version ${plan.version} wants ${JSON.stringify(wanted ?? null)}` };
    const stored = await readAppliedEntry(this.deps.redis, this.deps.keys.applied, action.step, action.param);
    const observed = await observe(config, { pools: this.pools, redis: this.deps.redis, keys: this.deps.keys, log: this.deps.log }).catch(() => undefined);
    if (stored && epochOf(stored) === epoch && stored.value === action.value && (observed === undefined || observed === action.value)) {
      return { ok: true, text: `already applied at plan version ${stored.version}` };
    }
    return undefined;
  }

  async #publish(action: Action, r: { ok: boolean; error?: string; output?: string | undefined; attempts: number; durationMs: number }): Promise<void> {
    const result: ActionResult = {
      v: 1,
      id: action.id,
      ...(action.epoch !== undefined ? { epoch: action.epoch } : {}),
      version: action.version,
      action: action.action,
      step: action.step,
      param: action.param,
      value: action.value,
      ok: r.ok,
      ...(r.error ? { error: truncate(r.error, 2048) } : {}),
      ...(r.output ? { output: truncate(r.output, 4096) } : {}),
      attempts: r.attempts,
      durationMs: Math.max(0, r.durationMs),
      at: Date.now(),
    };
    await this.deps.bus.publish('results', result);
    this.published(action, result.at);
  }
}
