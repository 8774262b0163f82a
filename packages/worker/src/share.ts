/**
 * How a step's desired concurrency is split over its ready members: members sorted by id, each
 * gets `floor(total / n)`, and the first `total mod n` get one more. Every member computes the
 * same split from the same member list, so the shares sum to the total without talking to
 * each other. Pure.
 */
export function splitShares(total: number, members: readonly string[]): Map<string, number> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`expected a non-negative integer total, got ${total}`);
  const sorted = [...new Set(members)].sort(compareIds);
  const out = new Map<string, number>();
  const n = sorted.length;
  if (n === 0) return out;
  const base = Math.floor(total / n);
  const extra = total % n;
  sorted.forEach((id, i) => out.set(id, base + (i < extra ? 1 : 0)));
  return out;
}

/** One member's share of `total` (0 when it is not among `members`). */
export function shareOf(total: number, members: readonly string[], id: string): number {
  return splitShares(total, members).get(id) ?? 0;
}

/** Code-unit order, the same on every machine and locale (not `localeCompare`). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
