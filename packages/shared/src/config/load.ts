import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AwoError, ConfigError, type Issue } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** Environment variables with a fixed meaning; `AWO__a__b=value` sets any field `a.b`. */
const NAMED_ENV: Record<string, string[]> = {
  AWO_PREFIX: ['prefix'],
  AWO_REDIS_URL: ['redis', 'url'],
  AWO_REDIS_USERNAME: ['redis', 'username'],
  AWO_REDIS_PASSWORD: ['redis', 'password'],
  AWO_LOG_LEVEL: ['log', 'level'],
};

/** Turns zod issues into `path: what was expected` lines, e.g. `planner.goals[0].max: expected number`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): Issue[] {
  return issues.map((issue) => ({ path: formatPath(issue.path) || '(root)', message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** Env values are strings; numbers, booleans and JSON arrays/objects are parsed. */
function envValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Applies AWO_* environment overrides on top of a parsed document (mutates and returns it). */
export function applyEnv(doc: Record<string, unknown>, env: Record<string, string | undefined>): Record<string, unknown> {
  for (const [key, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const named = NAMED_ENV[key];
    if (named) setPath(doc, named, named.includes('url') || named.includes('password') || named.includes('username') ? raw : envValue(raw));
    else if (key.startsWith('AWO__')) setPath(doc, key.slice(5).split('__').filter(Boolean), envValue(raw));
  }
  return doc;
}

/** Freezes a value and everything it holds (what is frozen already is left as it is). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates a document (already parsed YAML/JSON); throws ConfigError listing every bad field. */
export function parseConfig(doc: unknown, env: Record<string, string | undefined> = {}, source = 'config'): Config {
  const base = doc === null || doc === undefined ? {} : doc;
  if (typeof base !== 'object' || Array.isArray(base)) {
    throw new ConfigError(`${source}: expected a mapping at the top level`, [{ path: '(root)', message: 'expected a mapping' }]);
  }
  const merged = applyEnv(structuredClone(base) as Record<string, unknown>, env);
  const keyIssue = resolveSigningKey(merged, env);
  if (keyIssue) throw new ConfigError(`${source} is invalid:\n  - ${keyIssue.path}: ${keyIssue.message}`, [keyIssue]);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    throw new ConfigError(`${source} is invalid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return deepFreeze(result.data);
}

/**
 * Puts the signing key into `signing.key` from the variable `signing.keyEnv` (default
 * AWO_SIGNING_KEY) or the file `signing.keyFile`. A key written in the file itself is refused:
 * secrets do not belong in config files.
 */
function resolveSigningKey(doc: Record<string, unknown>, env: Record<string, string | undefined>): Issue | undefined {
  const signing = (typeof doc.signing === 'object' && doc.signing !== null ? doc.signing : {}) as Record<string, unknown>;
  if ('key' in signing) return { path: 'signing.key', message: 'expected no key in the file: give it by environment variable (signing.keyEnv) or file (signing.keyFile)' };
  let key: string | undefined;
  if (typeof signing.keyFile === 'string') {
    try {
      key = readFileSync(signing.keyFile, 'utf8').trim();
    } catch (err) {
      return { path: 'signing.keyFile', message: `expected a readable file: ${(err as Error).message}` };
    }
  } else {
    key = env[typeof signing.keyEnv === 'string' ? signing.keyEnv : 'AWO_SIGNING_KEY'];
  }
  if (key) doc.signing = { ...signing, key };
  else if (signing.required === true) return { path: 'signing', message: `expected a signing key (required is true): set ${typeof signing.keyEnv === 'string' ? signing.keyEnv : 'AWO_SIGNING_KEY'} or signing.keyFile` };
  return undefined;
}

/** Parses YAML text; syntax errors are reported with line and column. */
export function parseConfigText(text: string, env: Record<string, string | undefined> = {}, source = 'config'): Config {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)', message: e.message.split('\n')[0] ?? e.message }));
    throw new ConfigError(`${source} is not valid YAML:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return parseConfig(document.toJS(), env, source);
}

/** Loads the config from a YAML file plus environment overrides. */
export async function loadConfig(path: string, env: Record<string, string | undefined> = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AwoError('AWO_CONFIG_NOT_FOUND', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfigText(text, env, path);
}

/** The config path from `--config` or `AWO_CONFIG`, if any. */
export function configPath(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  return flag ?? env.AWO_CONFIG;
}
