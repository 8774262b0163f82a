import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AwoError, ConfigError, type Issue } from '../errors.js';
import { applyEnv } from './env.js';
import { readKeyFileSync } from '../plan/keys.js';
import { MAKE_A_KEY } from './refine.js';
import { configSchema, type Config } from './schema.js';

/** Turns zod issues into `path: what was expected` lines, e.g. `planner.goals[0].max: expected number`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): Issue[] {
  return issues.map((issue) => ({ path: formatPath(issue.path) || '(root)', message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** Freezes a value and everything in it. */
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
  const merged = structuredClone(base) as Record<string, unknown>;
  const refused = applyEnv(merged, env, configSchema);
  if (refused.length > 0) throw new ConfigError(`${source}: environment overrides refused:\n${refused.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, refused);
  const keyIssue = resolveSigningKey(merged, env) ?? resolveApiTokens(merged, env);
  if (keyIssue) throw new ConfigError(`${source} is invalid:\n  - ${keyIssue.path}: ${keyIssue.message}`, [keyIssue]);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    throw new ConfigError(`${source} is invalid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return deepFreeze(result.data);
}

/**
 * Puts the signing key into `signing.key` from the file `signing.keyFile` (its first line; a
 * second line becomes `signing.previousKey`) or the variable `signing.keyEnv` (default
 * AWO_SIGNING_KEY, with `signing.previousKeyEnv` for the previous key). A key written in the
 * file itself is refused: secrets do not belong in config files.
 */
function resolveSigningKey(doc: Record<string, unknown>, env: Record<string, string | undefined>): Issue | undefined {
  const signing = (typeof doc.signing === 'object' && doc.signing !== null ? doc.signing : {}) as Record<string, unknown>;
  for (const field of ['key', 'previousKey']) {
    if (field in signing) return { path: `signing.${field}`, message: 'expected no key in the file: give it by environment variable (signing.keyEnv) or file (signing.keyFile)' };
  }
  const keyEnv = typeof signing.keyEnv === 'string' ? signing.keyEnv : 'AWO_SIGNING_KEY';
  const previousEnv = typeof signing.previousKeyEnv === 'string' ? signing.previousKeyEnv : 'AWO_SIGNING_KEY_PREVIOUS';
  let keys: (string | undefined)[];
  if (typeof signing.keyFile === 'string') {
    try {
      keys = readKeyFileSync(signing.keyFile);
    } catch (err) {
      return { path: 'signing.keyFile', message: `expected a readable key file (${MAKE_A_KEY}): ${(err as Error).message}` };
    }
    if (keys.length === 0) return { path: 'signing.keyFile', message: `expected a key in ${signing.keyFile}: ${MAKE_A_KEY}` };
    if (keys.length > 2) return { path: 'signing.keyFile', message: `expected at most two keys (the signing key and the previous one), found ${keys.length}` };
  } else {
    keys = [env[keyEnv] || undefined, env[previousEnv] || undefined];
  }
  const [key, previousKey] = keys;
  if (key) doc.signing = { ...signing, key, ...(previousKey ? { previousKey } : {}) };
  else if (previousKey) return { path: 'signing', message: `expected ${keyEnv} beside ${previousEnv}: the previous key only verifies, it does not sign` };
  else if (signing.required === true) return { path: 'signing', message: `expected a signing key (required is true): ${MAKE_A_KEY}` };
  return undefined;
}

/**
 * Puts each API token's value into `api.tokens[i].token` from its `tokenEnv`, and adds the
 * operator token `env` from AWO_API_TOKEN. A token written in the file is refused, like keys.
 */
function resolveApiTokens(doc: Record<string, unknown>, env: Record<string, string | undefined>): Issue | undefined {
  const api = (typeof doc.api === 'object' && doc.api !== null ? doc.api : {}) as Record<string, unknown>;
  const tokens = Array.isArray(api.tokens) ? (api.tokens as unknown[]) : api.tokens === undefined ? [] : undefined;
  if (!tokens) return undefined; // the schema says what is wrong with it
  const out: unknown[] = [];
  for (const [i, t] of tokens.entries()) {
    if (typeof t !== 'object' || t === null) {
      out.push(t);
      continue;
    }
    const entry = t as Record<string, unknown>;
    if ('token' in entry) return { path: `api.tokens[${i}].token`, message: 'expected no token in the file: give it by environment variable (tokenEnv)' };
    const value = typeof entry.tokenEnv === 'string' ? env[entry.tokenEnv] : undefined;
    if (typeof entry.tokenEnv === 'string' && !value) return { path: `api.tokens[${i}].tokenEnv`, message: `expected the environment variable ${entry.tokenEnv} to hold the token` };
    out.push(value ? { ...entry, token: value } : entry);
  }
  if (env.AWO_API_TOKEN) out.push({ name: 'env', role: 'operator', tokenEnv: 'AWO_API_TOKEN', token: env.AWO_API_TOKEN });
  if (out.length > 0 || 'tokens' in api) doc.api = { ...api, tokens: out };
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
