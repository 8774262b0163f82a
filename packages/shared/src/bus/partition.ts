/**
 * Partitioned metrics: with `bus.partitions` P > 1 the metrics go to P partition streams, a
 * series always to the same one. Every publisher goes through the bus publisher, which routes
 * with {@link partitionOf}; the analyzer and the planner read the partitions back by index.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bits) of a string's UTF-16 code units: stable across processes, versions and machines. */
export function fnv1a(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** The partition of a series (its name: every label set of a name lands together): fnv1a(series) mod P. */
export function partitionOf(series: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be an integer ≥ 1, got ${partitions}`);
  return partitions === 1 ? 0 : fnv1a(series) % partitions;
}

/**
 * What one of `live` members aims to own of `items` things shared out by leases: ceil(items /
 * live), at least one member counted. An analyzer's metrics partitions, a monitor's sources.
 */
export function shareOf(items: number, live: number): number {
  if (!Number.isInteger(items) || items < 0) throw new RangeError(`expected a non-negative integer count, got ${items}`);
  return Math.ceil(items / Math.max(1, Math.floor(live)));
}
