import { describe, expect, it } from 'vitest';
import type { Plan } from '../contracts/messages.js';
import { desiredPins, keepPins, samePins, samePlan, whyNotApplicable } from './rules.js';
import type { Override } from './schemas.js';
import { resolveUntil } from './steering.js';

const o = (seq: number, value: number, extra: Partial<Override> = {}): Override => ({ id: seq.toString(16).padStart(16, '0'), seq, step: 'work', param: 'concurrency', value, at: 1000 + seq, status: 'pending', ...extra });

const plan: Plan = { epoch: 'abcdef012345', version: 3, steps: { work: { after: [], params: { concurrency: 4, mode: 'fast' } }, store: { after: ['work'], params: {} } } };

describe('desiredPins', () => {
  it('gives each step parameter to its newest live override; older ones are superseded, past ones expired', () => {
    const got = desiredPins([o(1, 3), o(3, 7), o(2, 5, { status: 'active' }), o(4, 9, { until: 500 }), o(5, 1, { status: 'removing' }), o(6, 2, { param: 'batch' })], 1000);
    expect(Object.values(got.pins).map((p) => [p.param, p.value])).toEqual([['concurrency', 7], ['batch', 2]]);
    expect(got.superseded.map((x) => x.seq).sort()).toEqual([1, 2]);
    expect(got.expired.map((x) => x.seq)).toEqual([4]);
  });

  it('is the same whatever order the records come in', () => {
    const records = [o(1, 3), o(2, 5), o(3, 7)];
    expect(desiredPins([...records].reverse(), 0).pins).toEqual(desiredPins(records, 0).pins);
  });

  it('compares pin sets by content, not key order', () => {
    expect(samePins({ a: { step: 's', param: 'p', value: 1, at: 2 } }, { a: { at: 2, value: 1, param: 'p', step: 's' } })).toBe(true);
    expect(samePins({ a: { step: 's', param: 'p', value: 1, at: 2 } }, { a: { step: 's', param: 'p', value: 2, at: 2 } })).toBe(false);
  });
});

describe('keepPins and whyNotApplicable', () => {
  const pinned: Plan = { ...plan, pins: { '00000000000000aa': { step: 'work', param: 'concurrency', value: 4, at: 1 } } };
  it('holds back a goal\'s change to a pinned parameter and keeps the rest, saying why', () => {
    const { changes, held } = keepPins(pinned, [{ op: 'set', step: 'work', param: 'concurrency', from: 4, to: 8 }, { op: 'set', step: 'work', param: 'mode', from: 'fast', to: 'slow' }]);
    expect(changes).toEqual([{ op: 'set', step: 'work', param: 'mode', from: 'fast', to: 'slow' }]);
    expect(held).toEqual(['work.concurrency 4 → 8 held back: work.concurrency is pinned to 4 by override 00000000000000aa']);
  });

  it('tells why changes from an older plan no longer apply', () => {
    expect(whyNotApplicable(plan, [{ op: 'set', step: 'work', param: 'concurrency', from: 4, to: 8 }])).toBeUndefined();
    expect(whyNotApplicable(plan, [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 8 }])).toMatch(/is 4 now, not 2/);
    expect(whyNotApplicable(pinned, [{ op: 'set', step: 'work', param: 'concurrency', from: 4, to: 8 }])).toMatch(/pinned by override/);
    expect(whyNotApplicable(plan, [{ op: 'add-step', step: 'store', after: [] }])).toMatch(/already exists/);
    expect(whyNotApplicable(plan, [{ op: 'remove-step', step: 'ghost' }])).toMatch(/no longer in the plan/);
    expect(whyNotApplicable(plan, [{ op: 'link', step: 'store', from: ['x'], to: [] }])).toMatch(/no longer after x/);
  });

  it('matches the base plan by version and lineage (version 0 has none)', () => {
    expect(samePlan(plan, 3, 'abcdef012345')).toBe(true);
    expect(samePlan(plan, 3, '111111111111')).toBe(false);
    expect(samePlan({ ...plan, version: 0, epoch: 'ffffffffffff' }, 0, 'abcdef012345')).toBe(true);
  });
});

describe('resolveUntil', () => {
  it('reads durations from now, ISO times and epoch ms; refuses the past and nonsense, naming until', () => {
    expect(resolveUntil('30m', 1000)).toBe(1000 + 30 * 60_000);
    expect(resolveUntil('1h30m', 0)).toBe(90 * 60_000);
    expect(resolveUntil('2030-01-01T00:00:00Z', 0)).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(resolveUntil(5000, 1000)).toBe(5000);
    expect(resolveUntil(undefined, 0)).toBeUndefined();
    expect(() => resolveUntil(500, 1000)).toThrow(/^until: .* not in the future/);
    expect(() => resolveUntil('soon', 0)).toThrow(/^until: "soon" is neither/);
    expect(() => resolveUntil('5 parsecs', 0)).toThrow(/^until:/);
  });
});
