import { describe, expect, it } from 'vitest';
import { parseConfig, type Config, type Plan } from '@awo/shared';
import { actionId, actionKey, appliedField, reconcile } from './reconcile.js';
import type { AppliedEntry } from './types.js';

const config = parseConfig({
  workflow: {
    steps: {
      work: { queue: 'work', params: { concurrency: 2, batch: 10 }, apply: { concurrency: 'scale-work' } },
      route: { params: { target: 'a' }, apply: { target: 'switch' } },
    },
  },
  executor: {
    pools: { work: { queue: 'work', processor: 'sleep' } },
    actions: { 'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' }, switch: { kind: 'redis-set', key: 'route:{{step}}' } },
  },
});

function plan(version: number, work: Record<string, number>, target = 'a'): Plan {
  return { version, steps: { work: { queue: 'work', after: [], params: work }, route: { after: [], params: { target } } } };
}

const none = new Map<string, AppliedEntry>();

describe('reconcile', () => {
  it('turns a changed parameter with an apply entry into one action with a stable id', () => {
    const actions = reconcile(plan(12, { concurrency: 5, batch: 10 }), none, config, 1000);
    expect(actions).toEqual([
      { v: 1, id: 'v12.work.concurrency', key: 'work.concurrency', version: 12, action: 'scale-work', kind: 'scale-bullmq-workers', step: 'work', param: 'concurrency', value: 5, from: 2, at: 1000 },
    ]);
    expect(reconcile(plan(12, { concurrency: 5, batch: 10 }), none, config, 2000)[0]?.id).toBe('v12.work.concurrency');
  });

  it('gives nothing when nothing changed, and nothing for the config plan (version 0)', () => {
    expect(reconcile(plan(3, { concurrency: 2, batch: 10 }), none, config)).toEqual([]);
    expect(reconcile(plan(0, { concurrency: 9, batch: 10 }), none, config)).toEqual([]);
  });

  it('gives nothing for a parameter without an apply entry', () => {
    expect(reconcile(plan(4, { concurrency: 2, batch: 50 }), none, config)).toEqual([]);
  });

  it('gives nothing when the applied state already holds the value, and compares against it when it differs', () => {
    const applied = new Map([[appliedField('work', 'concurrency'), { value: 5, version: 7 }]]);
    expect(reconcile(plan(8, { concurrency: 5, batch: 10 }), applied, config)).toEqual([]);
    const back = reconcile(plan(9, { concurrency: 2, batch: 10 }), applied, config);
    expect(back).toMatchObject([{ id: 'v9.work.concurrency', value: 2, from: 5 }]);
  });

  it('takes the kind from the config and orders actions by step, then parameter', () => {
    const actions = reconcile(plan(5, { concurrency: 3, batch: 10 }, 'b'), none, config);
    expect(actions.map((a) => [a.id, a.kind])).toEqual([
      ['v5.route.target', 'redis-set'],
      ['v5.work.concurrency', 'scale-bullmq-workers'],
    ]);
  });

  it('skips an apply entry whose action is missing from the config, and steps only the plan knows', () => {
    const broken = { ...config, executor: { ...config.executor, actions: {} } } as Config;
    expect(reconcile(plan(6, { concurrency: 3, batch: 10 }), none, broken)).toEqual([]);
    const extra: Plan = { version: 6, steps: { ...plan(6, { concurrency: 2, batch: 10 }).steps, constructor: { after: [], params: { apply: 1, call: 2 } } } };
    expect(reconcile(extra, none, config)).toEqual([]);
  });
});

describe('action ids', () => {
  it('are safe BullMQ job ids: never an integer, never a colon, and distinct for distinct names', () => {
    expect(actionKey('ingest:eu', 'max.rate')).toBe('ingest~3Aeu.max~2Erate');
    expect(actionId(3, 'a.b', 'c')).not.toBe(actionId(3, 'a', 'b.c'));
    expect(actionId(3, 'a~3A', 'b')).not.toBe(actionId(3, 'a:', 'b'));
    const long = actionId(1, 's'.repeat(100), 'ü'.repeat(64));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^v1\.h-[0-9a-f]{40}$/);
    for (const id of [actionId(1, 'x:y', 'p'), long]) expect(id).not.toContain(':');
  });

  it('carry the plan epoch, so version 1 of a new lineage never reuses an old id', () => {
    expect(actionId(1, 'work', 'concurrency', '3f9a0c1d2b4e')).toBe('e3f9a0c1d2b4e.v1.work.concurrency');
    expect(actionId(1, 'work', 'concurrency', '3f9a0c1d2b4e')).not.toBe(actionId(1, 'work', 'concurrency', '0123456789ab'));
    const [action] = reconcile({ ...plan(1, { concurrency: 5, batch: 10 }), epoch: '3f9a0c1d2b4e' }, none, config);
    expect(action).toMatchObject({ id: 'e3f9a0c1d2b4e.v1.work.concurrency', epoch: '3f9a0c1d2b4e', version: 1 });
  });
});
