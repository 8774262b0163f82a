import { z } from 'zod';
import { parseDuration } from '../duration.js';

/** A duration such as `30s`, `5m` or a number of milliseconds; parsed into milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, input: value });
    return z.NEVER;
  }
});

export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'expected a name of letters, digits, "_", ".", ":" or "-" (at most 100)');

export const port = z.number().int().min(0).max(65_535);

export const healthSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  /** 0 picks a free port; the chosen one is logged. */
  port: port.default(0),
});
