import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Flags every command understands. */
export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
}

/** A number flag, refused with a clear message when it is not one. */
export function numberFlag(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} expects a non-negative number, got "${value}"`);
  return n;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
