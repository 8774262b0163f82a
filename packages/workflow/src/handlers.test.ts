import { describe, expect, it } from 'vitest';
import type { QualitySpec } from '@awo/shared';
import { loadHandler } from './handlers.js';

const schema: QualitySpec = { fields: { id: { type: 'string', required: true }, amount: { type: 'number', required: true, min: 0, max: 100 } }, key: 'id' };
const ctx = (params = {}) => ({ step: 's', params, schema });

describe('built-in record handlers', () => {
  it('validate lets through any object with its key, bad values included', async () => {
    const h = await loadHandler('validate');
    expect(await h({ id: 'a', amount: null }, ctx())).toEqual({ ok: true, record: { id: 'a', amount: null } });
    expect(await h({ amount: 1 }, ctx())).toEqual({ ok: false, reason: 'id is missing' });
    expect(await h([1], ctx())).toEqual({ ok: false, reason: 'not a JSON object' });
  });

  it('strict-validation refuses nulls, wrong types and values out of range, saying which', async () => {
    const h = await loadHandler('strict-validation');
    expect(await h({ id: 'a', amount: 5 }, ctx())).toMatchObject({ ok: true });
    expect(await h({ id: 'a', amount: null }, ctx())).toEqual({ ok: false, reason: 'amount is missing' });
    expect(await h({ id: 'a', amount: 500 }, ctx())).toEqual({ ok: false, reason: 'amount is out of range' });
    expect(await h({ id: 'a', amount: 'x' }, ctx())).toEqual({ ok: false, reason: 'amount is not a finite number' });
  });

  it('enrich sets the fields its parameters name', async () => {
    const h = await loadHandler('enrich');
    expect(await h({ id: 'a' }, ctx({ 'field.region': 'eu', concurrency: 4 }))).toEqual({ ok: true, record: { id: 'a', region: 'eu' } });
  });

  it('refuses a module that cannot be loaded, with its path', async () => {
    await expect(loadHandler('/nonexistent/handler.js')).rejects.toThrow(/handler \/nonexistent\/handler\.js could not be loaded/);
  });
});
