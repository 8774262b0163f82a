import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';

describe('executor.resync', () => {
  it('defaults to 30 s and takes a duration like the other fields', () => {
    expect(parseConfig({}).executor.resync).toBe(30_000);
    expect(parseConfig({ executor: { resync: '5s' } }).executor.resync).toBe(5000);
    expect(parseConfig({ executor: { resync: 250 } }).executor.resync).toBe(250);
  });

  it('refuses a resync shorter than 100 ms, or not a duration, naming the field', () => {
    for (const resync of ['50ms', 0, 'often']) {
      let issues: { path: string; message: string }[] = [];
      try {
        parseConfig({ executor: { resync } });
      } catch (err) {
        issues = (err as ConfigError).issues;
      }
      expect(issues.map((i) => i.path)).toEqual(['executor.resync']);
    }
  });
});
