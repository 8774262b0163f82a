import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

describe('api config', () => {
  it('defaults to 127.0.0.1 and a free port, with no token', () => {
    expect(parseConfig({}).api).toMatchObject({ host: '127.0.0.1', port: 0, tokens: [], rateLimit: { max: 30, window: 60_000 } });
  });

  it('takes each token from its environment variable, and AWO_API_TOKEN as an operator token', () => {
    const config = parseConfig({ api: { port: 9470, tokens: [{ name: 'dash', role: 'viewer', tokenEnv: 'DASH_TOKEN' }] } }, { DASH_TOKEN: 'd'.repeat(20), AWO_API_TOKEN: 'o'.repeat(20) });
    expect(config.api.tokens).toEqual([
      { name: 'dash', role: 'viewer', tokenEnv: 'DASH_TOKEN', token: 'd'.repeat(20) },
      { name: 'env', role: 'operator', tokenEnv: 'AWO_API_TOKEN', token: 'o'.repeat(20) },
    ]);
    expect(parseConfig({}, { AWO_API_TOKEN: 'o'.repeat(20) }).api.tokens).toHaveLength(1);
  });

  it('refuses a token written in the file, a missing variable, a short token and an unknown role, naming the field', () => {
    expect(issuesOf(() => parseConfig({ api: { tokens: [{ name: 'x', role: 'viewer', tokenEnv: 'X', token: 'in-the-file-0123456789' }] } }))).toEqual([{ path: 'api.tokens[0].token', message: expect.stringContaining('environment variable') }]);
    expect(issuesOf(() => parseConfig({ api: { tokens: [{ name: 'x', role: 'viewer', tokenEnv: 'X' }] } }, {}))).toEqual([{ path: 'api.tokens[0].tokenEnv', message: 'expected the environment variable X to hold the token' }]);
    expect(issuesOf(() => parseConfig({}, { AWO_API_TOKEN: 'short' }))[0]?.path).toBe('api.tokens[0].token');
    expect(issuesOf(() => parseConfig({ api: { tokens: [{ name: 'x', role: 'admin', tokenEnv: 'X' }] } }, { X: 'x'.repeat(20) }))[0]?.path).toBe('api.tokens[0].role');
  });
});
