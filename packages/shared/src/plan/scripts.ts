import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';

const cache = new Map<string, string>();
const HERE = new URL('./lua/', import.meta.url);

/** The text of a Lua script in `dir` (read once). */
function source(name: string, dir: URL): string {
  const url = new URL(`${name}.lua`, dir).href;
  let text = cache.get(url);
  if (text === undefined) {
    text = readFileSync(new URL(url), 'utf8');
    cache.set(url, text);
  }
  return text;
}

/**
 * Runs a Lua script by name from `dir` (default: the shared scripts); its key count is in the
 * name (`plan-commit-4` takes 4 keys).
 */
export function runScript(redis: RedisClient, name: string, keys: string[], args: (string | number)[], dir: URL = HERE): Promise<unknown> {
  const numKeys = Number(name.split('-').pop());
  if (numKeys !== keys.length) throw new Error(`script ${name} takes ${numKeys} keys, got ${keys.length}`);
  const command = `awo_${name.replace(/-/g, '_')}`;
  const client = redis as RedisClient & Record<string, (...a: (string | number)[]) => Promise<unknown>>;
  if (typeof client[command] !== 'function') redis.defineCommand(command, { numberOfKeys: numKeys, lua: source(name, dir) });
  return (client[command] as (...a: (string | number)[]) => Promise<unknown>)(...keys, ...args);
}
