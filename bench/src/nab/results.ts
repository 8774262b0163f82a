/**
 * NAB result files: one CSV per data file and detector, at
 * `<detectorDir>/<category>/<detector>_<file>.csv` (NAB keeps them in `results/<detector>/`), with
 * columns `timestamp,value,anomaly_score,label,S(t)_<profile>…` (one `S(t)` column per profile, in
 * `profiles.json` order). `label` is 1 inside a window; `S(t)_<profile>` is the row's weighted value
 * (SCORING.md §3), probation rows included.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NabCorpus, NabSeries } from './corpus.js';
import { formatTimestamp, readNabCsv, requireColumn } from './csv.js';
import type { NamedProfile } from './labels.js';
import { rowValues } from './scorer.js';

/** Prefix of the per-profile sweep-value columns. */
export const SWEEP_COLUMN_PREFIX = 'S(t)_';

/** The content of one result file. */
export interface NabResultFile {
  /** Per row, epoch milliseconds (UTC). */
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly anomalyScores: ArrayLike<number>;
  /** Per row, 1 inside an anomaly window, else 0. */
  readonly labels: ArrayLike<number>;
  /** Per profile name, the `S(t)_<profile>` column. */
  readonly sweepScores: ReadonlyMap<string, ArrayLike<number>>;
}

/** Where NAB keeps a detector's result for a data file: `<detectorDir>/<category>/<detector>_<file>.csv`. */
export function resultFilePath(detectorDir: string, detectorName: string, relativePath: string): string {
  const parts = relativePath.split('/');
  const file = parts.pop();
  if (file === undefined || file === '') throw new Error(`bad relative path "${relativePath}"`);
  return path.join(detectorDir, ...parts, `${detectorName}_${file}`);
}

/** A float written the way NAB's pandas output writes it (`0.0`, `-0.11`); NaN is an empty field. */
function formatFloat(x: number): string {
  if (Number.isNaN(x)) return '';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  return String(x);
}

function formatPlain(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

/** Render a result file as CSV text. All columns must have the same length. */
export function formatResultCsv(data: NabResultFile): string {
  const n = data.timestamps.length;
  const sweep = [...data.sweepScores];
  for (const [name, col] of [
    ['value', data.values],
    ['anomaly_score', data.anomalyScores],
    ['label', data.labels],
    ...sweep.map(([p, c]) => [`${SWEEP_COLUMN_PREFIX}${p}`, c] as const),
  ] as const) {
    if (col.length !== n) throw new Error(`result column ${name} has ${col.length} rows, expected ${n}`);
  }
  const header = ['timestamp', 'value', 'anomaly_score', 'label', ...sweep.map(([p]) => `${SWEEP_COLUMN_PREFIX}${p}`)];
  const lines: string[] = [header.join(',')];
  for (let i = 0; i < n; i++) {
    let line =
      `${formatTimestamp(data.timestamps[i] ?? Number.NaN)},${formatPlain(data.values[i] ?? Number.NaN)},` +
      `${formatFloat(data.anomalyScores[i] ?? Number.NaN)},${String(data.labels[i] ?? 0)}`;
    for (const [, col] of sweep) line += `,${formatFloat(col[i] ?? Number.NaN)}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** Write one result file, creating its folder. */
export async function writeResultFile(file: string, data: NabResultFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, formatResultCsv(data), 'utf8');
}

/** Build the result-file content of one series from the detector's scores and the profiles. */
export function resultFileData(
  series: NabSeries,
  anomalyScores: ArrayLike<number>,
  profiles: Iterable<NamedProfile>,
): NabResultFile {
  const labels = new Uint8Array(series.prepared.rows);
  for (let i = 0; i < labels.length; i++) labels[i] = (series.prepared.windowOf[i] ?? -1) >= 0 ? 1 : 0;
  const sweepScores = new Map<string, Float64Array>();
  for (const p of profiles) sweepScores.set(p.name, rowValues(series.prepared, p));
  return { timestamps: series.timestamps, values: series.values, anomalyScores, labels, sweepScores };
}

/**
 * Write a detector's result files for every series of the corpus that has scores, into
 * `<detectorDir>/<category>/<detector>_<file>.csv`. Returns the paths written.
 */
export async function writeDetectorResults(
  detectorDir: string,
  detectorName: string,
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
): Promise<string[]> {
  const written: string[] = [];
  for (const series of corpus.series) {
    const s = scores.get(series.relativePath);
    if (s === undefined) continue;
    const file = resultFilePath(detectorDir, detectorName, series.relativePath);
    await writeResultFile(file, resultFileData(series, s, corpus.profiles.values()));
    written.push(file);
  }
  return written;
}

/** Read a result file back. `S(t)_*` columns are returned by profile name; missing ones are left out. */
export async function readResultFile(file: string): Promise<NabResultFile> {
  const table = await readNabCsv(file);
  const sweepScores = new Map<string, Float64Array>();
  for (const [name, col] of table.columns) {
    if (name.startsWith(SWEEP_COLUMN_PREFIX)) sweepScores.set(name.slice(SWEEP_COLUMN_PREFIX.length), col);
  }
  return {
    timestamps: table.timestamps,
    values: requireColumn(table, 'value'),
    anomalyScores: requireColumn(table, 'anomaly_score'),
    labels: table.columns.get('label') ?? new Float64Array(table.rows),
    sweepScores,
  };
}

/**
 * Read only the `anomaly_score` column of a detector's result files, keyed by relative data path
 * (the input `scoreCorpus` takes).
 */
export async function readDetectorScores(
  detectorDir: string,
  detectorName: string,
  relativePaths: readonly string[],
): Promise<Map<string, Float64Array>> {
  const entries = await Promise.all(
    relativePaths.map(async (rel) => {
      const table = await readNabCsv(resultFilePath(detectorDir, detectorName, rel), { columns: ['anomaly_score'] });
      return [rel, requireColumn(table, 'anomaly_score')] as const;
    }),
  );
  return new Map(entries);
}
