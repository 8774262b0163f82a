import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const cache = new Map<string, string>();

/** The text of a Lua script kept beside this file (read once). */
function source(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Runs a script by name; its key count is in the name (`plan-commit-3` takes 3 keys). */
export function runScript(redis: Redis, name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  const numKeys = Number(name.split('-').pop());
  if (numKeys !== keys.length) throw new Error(`script ${name} takes ${numKeys} keys, got ${keys.length}`);
  const command = `awo_${name.replace(/-/g, '_')}`;
  const client = redis as Redis & Record<string, (...a: (string | number)[]) => Promise<unknown>>;
  if (typeof client[command] !== 'function') redis.defineCommand(command, { numberOfKeys: numKeys, lua: source(name) });
  return (client[command] as (...a: (string | number)[]) => Promise<unknown>)(...keys, ...args);
}
