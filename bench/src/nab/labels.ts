/**
 * Loading NAB's ground truth and cost profiles: `labels/combined_windows.json` (anomaly windows
 * per relative data-file path) and `config/profiles.json` (the weights of each profile).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTimestamp } from './csv.js';
import type { AnomalyWindow, CostProfile } from './scorer.js';

/** An anomaly window as read from the label file, with its original text. */
export interface LabelledWindow extends AnomalyWindow {
  readonly startText: string;
  readonly endText: string;
}

/** A named cost profile. */
export interface NamedProfile extends CostProfile {
  readonly name: string;
}

/** Standard locations inside a NAB folder. */
export interface NabPaths {
  readonly root: string;
  /** `data/`: `<category>/<file>.csv` series. */
  readonly dataDir: string;
  /** `labels/combined_windows.json`. */
  readonly windowsFile: string;
  /** `config/profiles.json`. */
  readonly profilesFile: string;
  /** `results/`: `<detector>/<category>/<detector>_<file>.csv` outputs. */
  readonly resultsDir: string;
}

/** The standard file locations of a NAB folder (`root` holds data/, labels/, config/, results/). */
export function nabPaths(root: string): NabPaths {
  return {
    root,
    dataDir: path.join(root, 'data'),
    windowsFile: path.join(root, 'labels', 'combined_windows.json'),
    profilesFile: path.join(root, 'config', 'profiles.json'),
    resultsDir: path.join(root, 'results'),
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Parse the text of `combined_windows.json`: `{ "<category>/<file>.csv": [[start, end], …] }`.
 * Checks that each window has start ≤ end and that a file's windows are in order and disjoint.
 * Keys keep the file's order.
 */
export function parseWindows(text: string, source = 'combined_windows.json'): Map<string, LabelledWindow[]> {
  const json: unknown = JSON.parse(text);
  if (!isRecord(json)) throw new Error(`${source}: expected an object keyed by relative file path`);
  const out = new Map<string, LabelledWindow[]>();
  for (const [file, list] of Object.entries(json)) {
    if (!Array.isArray(list)) throw new Error(`${source}: "${file}" is not a list of windows`);
    const windows: LabelledWindow[] = [];
    for (const [k, pair] of list.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new Error(`${source}: "${file}" window ${k} is not a [start, end] pair of strings`);
      }
      const [startText, endText] = pair as [string, string];
      const w: LabelledWindow = { start: parseTimestamp(startText), end: parseTimestamp(endText), startText, endText };
      if (w.end < w.start) throw new Error(`${source}: "${file}" window ${k} ends before it starts`);
      const prev = windows[windows.length - 1];
      if (prev !== undefined && w.start <= prev.end) {
        throw new Error(`${source}: "${file}" window ${k} is out of order or overlaps the previous one`);
      }
      windows.push(w);
    }
    out.set(file.split(path.sep).join('/'), windows);
  }
  return out;
}

/** Load `combined_windows.json` (see {@link parseWindows}). */
export async function loadWindows(file: string): Promise<Map<string, LabelledWindow[]>> {
  return parseWindows(await readFile(file, 'utf8'), file);
}

/**
 * Parse the text of `profiles.json`: `{ "<name>": { "CostMatrix": { tpWeight, fpWeight, fnWeight,
 * tnWeight } } }`. Returns the profiles by name, in file order.
 */
export function parseProfiles(text: string, source = 'profiles.json'): Map<string, NamedProfile> {
  const json: unknown = JSON.parse(text);
  if (!isRecord(json)) throw new Error(`${source}: expected an object keyed by profile name`);
  const out = new Map<string, NamedProfile>();
  for (const [name, entry] of Object.entries(json)) {
    const matrix = isRecord(entry) ? entry['CostMatrix'] : undefined;
    if (!isRecord(matrix)) throw new Error(`${source}: profile "${name}" has no CostMatrix`);
    const weight = (key: string, required: boolean): number | undefined => {
      const v = matrix[key];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${source}: profile "${name}" CostMatrix.${key} is not a number`);
      }
      return v;
    };
    const tnWeight = weight('tnWeight', false);
    out.set(name, {
      name,
      tpWeight: weight('tpWeight', true) ?? 0,
      fpWeight: weight('fpWeight', true) ?? 0,
      fnWeight: weight('fnWeight', true) ?? 0,
      ...(tnWeight === undefined ? {} : { tnWeight }),
    });
  }
  if (out.size === 0) throw new Error(`${source}: no profiles`);
  return out;
}

/** Load `config/profiles.json` (see {@link parseProfiles}). */
export async function loadProfiles(file: string): Promise<Map<string, NamedProfile>> {
  return parseProfiles(await readFile(file, 'utf8'), file);
}
