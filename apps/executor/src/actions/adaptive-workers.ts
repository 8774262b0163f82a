import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import { AwoError, inSpan, type Keys, type RedisClient } from '@awo/shared';
import { readMembers, refusedJoins } from '@awo/worker';
import { AWO_ATTR } from '../semconv.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

/** How often the members are read while waiting. */
const POLL_MS = 100;

/** The live members' summed concurrency and their count (what the world runs now). */
export async function membersConcurrency(redis: RedisClient, keys: Keys, step: string): Promise<{ total: number; members: number; ready: number; invalid: number; oldestVersion: number | undefined }> {
  const m = await readMembers(redis, keys, step);
  const ready = m.members.filter((x) => x.info.ready);
  return { total: m.members.reduce((sum, x) => sum + x.info.concurrency, 0), members: m.members.length, ready: ready.length, invalid: m.invalid, oldestVersion: ready.length > 0 ? Math.min(...ready.map((x) => x.info.version)) : undefined };
}

/**
 * `adaptive-workers`: the step's `@awo/worker` members read the signed plan themselves and set
 * their own concurrency; this action only confirms it. It waits (bounded by `timeout`) until the
 * live members' summed concurrency equals the value, so the applied record means the world runs
 * it; otherwise it fails with what the members run (AWO_TIMEOUT, retried by the runner).
 */
export const adaptiveWorkersHandler: ActionHandler<ActionConfigOf<'adaptive-workers'>> = (action, config, ctx) => {
  const step = config.step;
  return inSpan(ctx.tracer, `adaptive-workers ${step}`, { kind: SpanKind.INTERNAL, attributes: { [AWO_ATTR.STEP]: step } }, async () => {
    const want = action.value;
    if (typeof want !== 'number' || !Number.isInteger(want) || want < 0) {
      throw new AwoError('AWO_ACTION_NOT_ALLOWED', `adaptive-workers ${step}: expected a non-negative integer concurrency, got ${JSON.stringify(want)}`);
    }
    const started = Date.now();
    let seen = await membersConcurrency(ctx.redis, ctx.keys, step);
    while (seen.total !== want) {
      // Every ready member already follows a newer plan: this value is gone (the runner's retry finds it superseded).
      if (seen.oldestVersion !== undefined && seen.oldestVersion > action.version) {
        throw new AwoError('AWO_PLAN_CONFLICT', `adaptive-workers ${step}: the members already follow plan v${seen.oldestVersion}, newer than this action's v${action.version}`);
      }
      if (Date.now() - started >= config.timeout) {
        const refused = await refusedJoins(ctx.redis, ctx.keys, step).catch(() => 0);
        const why = seen.members === 0 ? 'no live member: is any @awo/worker process running for this step?' : seen.ready === 0 ? 'no member is ready yet (warm-up)' : 'members still converging, or one cannot read a trusted plan';
        throw new AwoError('AWO_TIMEOUT', `adaptive-workers ${step}: after ${config.timeout} ms the ${seen.members} live members (${seen.ready} ready) run ${seen.total} in total, the plan wants ${want}: ${why}${refused > 0 ? `; ${refused} joins were refused at the member bound` : ''}`, { details: { step, want, observed: seen.total, members: seen.members, ready: seen.ready, refused } });
      }
      await sleep(POLL_MS, undefined, { signal: ctx.signal });
      seen = await membersConcurrency(ctx.redis, ctx.keys, step);
    }
    return { output: `${step}: ${seen.members} members run ${seen.total} in total, as plan v${action.version} wants (${Date.now() - started} ms)` };
  });
};

/**
 * What the members of an `adaptive-workers` action's step run now, in total; undefined (not
 * known this instant) while the ready members follow different plan versions, since they are
 * then moving to a new plan on their own and a sum taken half way is no drift.
 */
export async function observeAdaptiveWorkers(config: ActionConfigOf<'adaptive-workers'>, redis: RedisClient, keys: Keys): Promise<number | undefined> {
  const m = await readMembers(redis, keys, config.step);
  const versions = new Set(m.members.filter((x) => x.info.ready).map((x) => x.info.version));
  if (versions.size > 1) return undefined;
  return m.members.reduce((sum, x) => sum + x.info.concurrency, 0);
}
