import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';

describe('executor.pools', () => {
  it('names its processor: there is no default, and serviceTime is not a field', () => {
    let caught: unknown;
    try {
      parseConfig({ executor: { pools: { work: { queue: 'work', serviceTime: 100 } } } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => i.path).sort()).toEqual(['executor.pools.work', 'executor.pools.work.processor']);
  });
});
