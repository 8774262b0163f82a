import { z } from 'zod';
import { epochOf, runScript, type Action, type RedisClient } from '@awo/shared';
import { appliedField } from './reconcile.js';
import type { AppliedEntry } from './types.js';

const LUA_DIR = new URL('./lua/', import.meta.url);

const entrySchema = z.object({ value: z.union([z.number(), z.string(), z.boolean()]), version: z.number().int().nonnegative(), epoch: z.string().optional() });

/** Parses a stored entry; anything else (a hand edit, an old format) counts as never applied. */
function parseEntry(json: string | null | undefined): AppliedEntry | undefined {
  if (!json) return undefined;
  try {
    const result = entrySchema.safeParse(JSON.parse(json));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** The whole applied state (hash at `keys.applied`): field `step\u0000param` → value, epoch and version. */
export async function readApplied(redis: RedisClient, key: string): Promise<Map<string, AppliedEntry>> {
  const raw = await redis.hgetall(key);
  const state = new Map<string, AppliedEntry>();
  for (const [field, json] of Object.entries(raw)) {
    const entry = parseEntry(json);
    if (entry) state.set(field, entry);
  }
  return state;
}

/** The applied value of one parameter, if any. */
export async function readAppliedEntry(redis: RedisClient, key: string, step: string, param: string): Promise<AppliedEntry | undefined> {
  return parseEntry(await redis.hget(key, appliedField(step, param)));
}

/**
 * Records the value an action applied (one Lua script, `lua/applied-record-1.lua`): the ledger
 * mirrors the last actuation, also when a plan went back to an older version's value; only the
 * same value from an older version of the same epoch is not written. True when written.
 */
export async function recordApplied(redis: RedisClient, key: string, action: Pick<Action, 'step' | 'param' | 'value' | 'version' | 'epoch'>): Promise<boolean> {
  const entry: AppliedEntry = { value: action.value, version: action.version, ...(action.epoch !== undefined ? { epoch: action.epoch } : {}) };
  const written = await runScript(redis, 'applied-record-1', [key], [appliedField(action.step, action.param), action.version, JSON.stringify(entry), epochOf(action)], LUA_DIR);
  return written === 1;
}
