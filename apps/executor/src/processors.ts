import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job } from 'bullmq';
import { AwoError, errorMessage } from '@awo/shared';

/** A pool's job function: the default export of a `processor` module, or one the caller names (`ExecutorOptions.processors`). */
export type PoolProcessor = (job: Job, signal: AbortSignal) => Promise<unknown>;

/** Imports a processor module (path relative to the working directory, or a file: URL). */
export async function loadProcessor(path: string): Promise<PoolProcessor> {
  const url = path.startsWith('file:') ? path : pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new AwoError('AWO_CONFIG_INVALID', `pool processor ${path} could not be loaded: ${errorMessage(err)}`, { cause: err });
  }
  if (typeof mod.default !== 'function') throw new AwoError('AWO_CONFIG_INVALID', `pool processor ${path}: expected a default export that is a function`);
  return mod.default as PoolProcessor;
}

/**
 * The processor of pool `pool`: the caller's processor of that name, else the module at that
 * path. Neither is refused with `AWO_CONFIG_INVALID`, naming `executor.pools.<pool>.processor`.
 */
export async function resolveProcessor(pool: string, processor: string, named: Readonly<Record<string, PoolProcessor>> = {}): Promise<PoolProcessor> {
  if (Object.hasOwn(named, processor)) return named[processor] as PoolProcessor;
  try {
    return await loadProcessor(processor);
  } catch (err) {
    const known = Object.keys(named);
    throw new AwoError('AWO_CONFIG_INVALID', `executor.pools.${pool}.processor: "${processor}" is neither a processor given to the executor (${known.length > 0 ? known.join(', ') : 'none given'}) nor a loadable module: ${errorMessage(err)}`, { cause: err });
  }
}
