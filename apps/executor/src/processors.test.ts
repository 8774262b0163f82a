import { describe, expect, it } from 'vitest';
import type { PoolProcessor } from './processors.js';
import { resolveProcessor } from './processors.js';

describe('resolveProcessor', () => {
  it('gives the caller’s processor of that name', async () => {
    const named: PoolProcessor = async () => 'done';
    expect(await resolveProcessor('work', 'sleep', { sleep: named })).toBe(named);
  });

  it('refuses a name that is neither given nor a loadable module, naming the field', async () => {
    await expect(resolveProcessor('work', 'sleep')).rejects.toMatchObject({ code: 'AWO_CONFIG_INVALID', message: expect.stringContaining('executor.pools.work.processor') });
  });
});
