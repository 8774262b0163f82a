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

/** True when the revision carries a signature made with this key. */
export function verifyRevision(revision: PlanRevision, key: string | Buffer): boolean {
  if (!revision.sig) return false;
  const expected = signRevision(revision, key).sig as string;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(revision.sig, 'hex'));
}

/**
 * Whether the executor may act on `plan`: with no key, yes; with a key, only when `revision`
 * carries a valid signature and is the revision of exactly this plan.
 */
export function trustedPlan(plan: Plan, revision: PlanRevision | undefined, key: string | undefined): { ok: true } | { ok: false; reason: string } {
  if (!key) return { ok: true };
  if (plan.version === 0) return { ok: true };
  if (!revision) return { ok: false, reason: `plan v${plan.version} has no stored revision to check` };
  if (!revision.sig) return { ok: false, reason: `revision v${revision.version} is not signed` };
  if (!verifyRevision(revision, key)) return { ok: false, reason: `revision v${revision.version} has a signature that does not match (forged or signed with another key)` };
  if (canonicalJson(revision.plan) !== canonicalJson(plan)) return { ok: false, reason: `the stored plan v${plan.version} differs from its signed revision` };
  return { ok: true };
}
