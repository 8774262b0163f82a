import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Plan, PlanRevision } from '../contracts/messages.js';

/** JSON with object keys sorted, so the same revision always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** HMAC-SHA256 over the revision without its `sig`. */
export function signRevision(revision: PlanRevision, key: string | Buffer): PlanRevision {
  const { sig: _sig, ...rest } = revision;
  return { ...rest, sig: createHmac('sha256', key).update(canonicalJson(rest)).digest('hex') };
}

/** The keys a revision may be signed with: the signing key, and during a rotation the previous one. */
export type VerifyKeys = string | readonly (string | undefined)[] | undefined;

/** The keys of a signing config, the signing key first. */
export function verifyKeys(signing: { key?: string | undefined; previousKey?: string | undefined }): string[] {
  return [signing.key, signing.previousKey].filter((k): k is string => typeof k === 'string' && k !== '');
}

function keyList(keys: VerifyKeys): string[] {
  return (typeof keys === 'string' ? [keys] : (keys ?? [])).filter((k): k is string => typeof k === 'string' && k !== '');
}

/** How many keys verify (0: signing is off and every plan is trusted). */
export function verifyKeyCount(keys: VerifyKeys): number {
  return keyList(keys).length;
}

/** True when the revision carries a signature made with one of these keys. */
export function verifyRevision(revision: PlanRevision, keys: VerifyKeys): boolean {
  if (!revision.sig || !/^[0-9a-f]{64}$/.test(revision.sig)) return false;
  const given = Buffer.from(revision.sig, 'hex');
  let ok = false;
  for (const key of keyList(keys)) {
    const expected = Buffer.from(signRevision(revision, key).sig as string, 'hex');
    // Every key is tried, so the time taken does not say which one matched.
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** The plan without its epoch, as canonical JSON: what version 0 must be. */
function stepsOf(plan: Plan): string {
  const { epoch: _epoch, ...rest } = plan;
  return canonicalJson(rest);
}

/**
 * Whether the executor may act on `plan`: with no key, yes; with a key, only when `revision`
 * carries a valid signature (of the signing key, or the previous one during a rotation) and is
 * the revision of exactly this plan. Version 0 has no revision: it is trusted only when it is
 * `baseline`, the plan the config itself gives, so a hash written by hand at version 0 moves
 * nothing.
 */
export function trustedPlan(plan: Plan, revision: PlanRevision | undefined, keys: VerifyKeys, baseline?: Plan): { ok: true } | { ok: false; reason: string } {
  if (keyList(keys).length === 0) return { ok: true };
  if (plan.version === 0) {
    if (revision) return { ok: false, reason: 'plan v0 carries a revision: version 0 is the config\'s own plan and has none' };
    if (baseline && stepsOf(plan) !== stepsOf(baseline)) return { ok: false, reason: 'the stored plan v0 differs from the plan the config gives' };
    return { ok: true };
  }
  if (!revision) return { ok: false, reason: `plan v${plan.version} has no stored revision to check` };
  if (!revision.sig) return { ok: false, reason: `revision v${revision.version} is not signed` };
  if (!verifyRevision(revision, keys)) return { ok: false, reason: `revision v${revision.version} has a signature that does not match (forged or signed with another key)` };
  if (canonicalJson(revision.plan) !== canonicalJson(plan)) return { ok: false, reason: `the stored plan v${plan.version} differs from its signed revision` };
  return { ok: true };
}
