import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';

describe('monitor.lease', () => {
  it('defaults to 10 s and takes a duration', () => {
    expect(parseConfig({}).monitor.lease).toBe(10_000);
    expect(parseConfig({ monitor: { lease: '3s' } }).monitor.lease).toBe(3000);
  });

  it('refuses a lease under 300 ms, over 10 min, or not a duration, naming the field', () => {
    for (const lease of ['100ms', '1h', 'soon']) {
      let issues: { path: string; message: string }[] = [];
      try {
        parseConfig({ monitor: { lease } });
      } catch (err) {
        issues = (err as ConfigError).issues;
      }
      expect(issues.map((i) => i.path)).toEqual(['monitor.lease']);
    }
  });
});
