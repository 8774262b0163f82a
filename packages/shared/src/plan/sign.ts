import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PlanRevision } from '../contracts/messages.js';

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
