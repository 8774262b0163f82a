import type { Issue } from '../errors.js';
import { deepFreeze } from '../config/load.js';
import { canonicalJson } from '../plan/sign.js';

/** What an agent did with a new slice of the config. */
export interface ReconfigureResult {
  /** Paths (e.g. `planner.goals`) now in effect. */
  applied: string[];
  /** Paths that cannot change while running (kept as they were), each with why: restart to change them. */
  refused: Issue[];
}

/** An agent that takes a new slice of the config while running (hot reload). */
export interface Reconfigurable {
  readonly name: string;
  reconfigure(slice: unknown): ReconfigureResult | Promise<ReconfigureResult>;
}

export function isReconfigurable(agent: object): agent is Reconfigurable {
  return typeof (agent as Partial<Reconfigurable>).reconfigure === 'function';
}

function plain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The paths where two configs differ: objects are walked key by key, anything else (numbers,
 * strings, arrays such as `planner.goals`) is compared whole, as canonical JSON.
 */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (plain(a) && plain(b)) {
    const out: string[] = [];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) out.push(...changedPaths(a[key], b[key], prefix ? `${prefix}.${key}` : key));
    return out;
  }
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [prefix || '(root)'];
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    if (!plain(at[part])) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = structuredClone(value);
}

function getPath(source: unknown, path: string): unknown {
  let at = source;
  for (const part of path.split('.')) at = plain(at) ? at[part] : undefined;
  return at;
}

/**
 * Splits a new slice into what may change live and what may not: a changed path is applied when
 * `live` says so (a prefix listed, or a function returning no reason), else it is refused and the
 * merged slice keeps the old value there. The merged slice is frozen, like a loaded config.
 */
export function mergeSlice<T extends object>(current: T, next: T, live: readonly string[], why = 'cannot change while running: restart the process to change it'): { merged: T; applied: string[]; refused: Issue[] } {
  const merged = structuredClone(next) as Record<string, unknown>;
  const applied: string[] = [];
  const refused: Issue[] = [];
  for (const path of changedPaths(current, next)) {
    if (live.some((p) => path === p || path.startsWith(`${p}.`))) applied.push(path);
    else {
      refused.push({ path, message: why });
      setPath(merged, path, getPath(current, path));
    }
  }
  return { merged: deepFreeze(merged as T), applied, refused };
}
