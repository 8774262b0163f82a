import type { z } from 'zod';
import type { Issue } from '../errors.js';

/** Environment variables with a fixed meaning; `AWO__a__b=value` sets any field `a.b`. */
const NAMED_ENV: Record<string, string[]> = {
  AWO_PREFIX: ['prefix'],
  AWO_REDIS_URL: ['redis', 'url'],
  AWO_REDIS_CLUSTER: ['redis', 'cluster'],
  AWO_REDIS_USERNAME: ['redis', 'username'],
  AWO_REDIS_PASSWORD: ['redis', 'password'],
  AWO_LOG_LEVEL: ['log', 'level'],
};

/**
 * What decides what the world may be made to do is set in the config file only, never by an
 * `AWO__…` override: signing (except turning `required` on), the actions, which action a step's
 * parameter maps to, and every module path that runs code (handlers, variants, processors).
 * An override of these is refused with its variable's name.
 */
function protectedReason(path: readonly string[], value: unknown): string | undefined {
  const [top, second, , fourth] = path;
  if (top === 'signing') {
    if (second === 'required' && path.length === 2 && value === true) return undefined;
    return 'signing is set in the config file (an override may only turn signing.required on)';
  }
  if (top === 'executor' && second === 'actions') return 'actions are set in the config file only';
  if (top === 'executor' && second === 'pools' && fourth === 'processor') return 'a pool processor (code that runs) is set in the config file only';
  if (top === 'workflow' && (second === 'steps' || second === 'extraSteps') && ['handler', 'variants', 'apply'].includes(fourth ?? '')) {
    return `a step's ${fourth} is set in the config file only`;
  }
  return undefined;
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema of the field at `path`, unwrapping optional, default, nullable and transforms. */
function fieldSchema(schema: z.ZodType | undefined, path: readonly string[]): z.ZodType | undefined {
  let node = schema;
  for (let i = 0; node !== undefined; ) {
    const def = defOf(node);
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else if (i === path.length) return node;
    else if (def.type === 'object') node = def.shape?.[path[i++] as string];
    else if (def.type === 'record' || def.type === 'array') {
      node = def.type === 'record' ? def.valueType : def.element;
      i++;
    } else return undefined;
  }
  return undefined;
}

/** Whether the field takes only text: its value is then the variable's text as it is, never parsed. */
function takesText(schema: z.ZodType | undefined): boolean {
  if (!schema) return false;
  const def = defOf(schema);
  if (def.type === 'string') return true;
  if (def.type === 'union') return (def.options ?? []).every((o) => takesText(fieldSchema(o, [])));
  return false;
}

/** Env values are strings; for a field that is not text, numbers, booleans and JSON arrays/objects are parsed. */
function envValue(raw: string, field: z.ZodType | undefined): unknown {
  if (takesText(field)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * Applies AWO_* environment overrides on top of a parsed document (mutates it). Returns the
 * overrides it refused, each with the variable's name as its path.
 */
export function applyEnv(doc: Record<string, unknown>, env: Record<string, string | undefined>, schema?: z.ZodType): Issue[] {
  const refused: Issue[] = [];
  for (const [key, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const path = NAMED_ENV[key] ?? (key.startsWith('AWO__') ? key.slice(5).split('__').filter(Boolean) : undefined);
    if (!path || path.length === 0) continue;
    const value = envValue(raw, fieldSchema(schema, path));
    const reason = protectedReason(path, value);
    if (reason) refused.push({ path: key, message: `expected no environment override here: ${reason}` });
    else setPath(doc, path, value);
  }
  return refused;
}
