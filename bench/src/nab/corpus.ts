/**
 * Loading a whole NAB folder (data/, labels/combined_windows.json, config/profiles.json) into
 * memory: each labelled series with its timestamps, values, windows and prepared scoring state.
 * A benchmark feeds `values` to its detector and passes the scores to `scoreCorpus`.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readNabCsv, requireColumn } from './csv.js';
import { loadProfiles, loadWindows, nabPaths, type LabelledWindow, type NabPaths, type NamedProfile } from './labels.js';
import { prepareFile, type PreparedFile } from './scorer.js';

/** One series of the corpus. */
export interface NabSeries {
  /** Path relative to data/, with `/`: `<category>/<file>.csv` (the label-file key). */
  readonly relativePath: string;
  /** Per row, epoch milliseconds (UTC). */
  readonly timestamps: Float64Array;
  /** Per row, the `value` column. */
  readonly values: Float64Array;
  /** The file's labelled windows (possibly none). */
  readonly windows: readonly LabelledWindow[];
  /** Window alignment and per-row unweighted values (profile and detector independent). */
  readonly prepared: PreparedFile;
}

/** A loaded NAB folder. */
export interface NabCorpus {
  readonly paths: NabPaths;
  /** The labelled series, sorted by relative path. */
  readonly series: readonly NabSeries[];
  /** Cost profiles by name, in `profiles.json` order. */
  readonly profiles: ReadonlyMap<string, NamedProfile>;
  /** Number of labelled windows over all series. */
  readonly totalWindows: number;
  /** CSV files under data/ that have no entry in the label file (not part of the corpus). */
  readonly unlabelledFiles: readonly string[];
}

async function listCsv(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listCsv(path.join(dir, entry.name), rel)));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) out.push(rel);
  }
  return out;
}

/** Options of {@link loadNabCorpus}. */
export interface LoadNabCorpusOptions {
  /** Load only these relative paths (each must be in the label file). Default: every labelled file. */
  readonly files?: readonly string[];
}

/**
 * Load a NAB folder. The corpus is the set of files listed in `labels/combined_windows.json`
 * (each must exist under data/), or `options.files`.
 */
export async function loadNabCorpus(root: string, options: LoadNabCorpusOptions = {}): Promise<NabCorpus> {
  const paths = nabPaths(root);
  const dirStat = await stat(paths.dataDir).catch(() => undefined);
  if (dirStat === undefined || !dirStat.isDirectory()) throw new Error(`${root}: no data/ folder`);
  const [allWindows, profiles, csvFiles] = await Promise.all([
    loadWindows(paths.windowsFile),
    loadProfiles(paths.profilesFile),
    listCsv(paths.dataDir),
  ]);
  const wanted = options.files ?? [...allWindows.keys()];
  for (const f of wanted) if (!allWindows.has(f)) throw new Error(`${f}: not in ${paths.windowsFile}`);
  const onDisk = new Set(csvFiles);
  for (const f of wanted) if (!onDisk.has(f)) throw new Error(`${f}: listed in the labels but missing under ${paths.dataDir}`);
  const relPaths = [...new Set(wanted)].sort();
  const series = await Promise.all(
    relPaths.map(async (relativePath): Promise<NabSeries> => {
      const table = await readNabCsv(path.join(paths.dataDir, ...relativePath.split('/')), { columns: ['value'] });
      const windows = allWindows.get(relativePath) ?? [];
      return {
        relativePath,
        timestamps: table.timestamps,
        values: requireColumn(table, 'value'),
        windows,
        prepared: prepareFile(table.timestamps, windows, relativePath),
      };
    }),
  );
  return {
    paths,
    series,
    profiles,
    totalWindows: series.reduce((n, s) => n + s.windows.length, 0),
    unlabelledFiles: csvFiles.filter((f) => !allWindows.has(f)).sort(),
  };
}
