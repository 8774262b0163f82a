import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AwoError, ERROR_CODES, type ErrorCode } from './errors.js';

describe('errors', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(AWO_[A-Z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1], m[2]]);
    const codes = Object.entries(ERROR_CODES).map(([code, c]) => [code, c.retryable ? 'yes' : 'no']);
    expect(documented.sort()).toEqual(codes.sort());
  });

  it('keeps code, retryability and cause', () => {
    const cause = new Error('socket closed');
    const err = new AwoError('AWO_REDIS_UNAVAILABLE' satisfies ErrorCode, 'no answer', { cause });
    expect(err.code).toBe('AWO_REDIS_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(Error);
  });
});
