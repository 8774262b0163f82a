import { quantile as sharedQuantile } from '@awo/shared';

/** Median of a list (the figure to quote on a noisy machine): the shared `median`. */
export { median } from '@awo/shared';

/** The q-quantile (0..1) by nearest rank (the shared `quantile`). */
export function quantile(values: readonly number[], q: number): number {
  return sharedQuantile(values, q, 'nearest-rank');
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Prints a table of rows (objects with the same keys). */
export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0] as object);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(width[i] as number)).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
