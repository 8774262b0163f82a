import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keySlot, SLOTS } from '../slot.js';
import { fillPath, GROUPS, keys, NAMES, partitionPart, QUEUES, STREAMS } from './streams.js';

describe('the name table', () => {
  it('derives each name in the hash tag of its family', () => {
    const k = keys('awo');
    expect(STREAMS.map((s) => k.stream(s))).toEqual(['{awo}:stream:metrics', '{awo}:stream:insights', '{awo}:stream:revisions', '{awo}:stream:actions', '{awo}:stream:results', '{awo}:stream:deadletter']);
    expect([k.plan, k.lease, k.applied, k.spans, k.queuePrefix('actions'), k.workflowCounts]).toEqual(['{awo}:plan', '{awo}:plan:lease', '{awo}:plan:applied', '{awo}:spans', '{awo:bull:actions}', '{awo:wf}:counts']);
    expect([k.tap('a'), k.sink('b'), k.workflowOnce('out:b', 'r1'), k.workflowJoin('r1', 'c'), k.actionKey('route:x'), k.benchRaw]).toEqual(['{awo:wf}:tap:a', '{awo:wf}:sink:b', '{awo:wf}:once:out:b:r1', '{awo:wf}:join:r1:c', 'awo:route:x', '{awo}:raw']);
    const p3 = `{awo:p${partitionPart(3, 8, 'awo')}}`;
    expect([k.metricsPartition(3, 8), k.partitionLease(3, 8), k.fence(k.metricsPartition(3, 8)), k.fence(k.stream('insights'))]).toEqual([`${p3}:stream:metrics`, `${p3}:metrics:lease`, `${p3}:fence`, '{awo}:fence']);
    expect([k.workerMembers('parse'), k.deadletterReplayed('1-0', k.metricsPartition(3, 8))]).toEqual(['{awo:worker:parse}:members', `${p3}:deadletter:replayed:1-0`]);
    const { executor, ...groups } = GROUPS;
    expect(groups).toEqual({ analyzer: 'analyzer', planner: 'planner', plannerResults: 'planner-results', demoStatus: 'demo-status', bench: 'bench' });
    expect(executor('executor-7-ab12')).toBe('executor.executor-7-ab12');
    expect([QUEUES.actions, QUEUES.step('parse'), QUEUES.demo]).toEqual(['actions', 'wf.parse', 'work']);
  });

  it('gives every entry its kind, what it holds, who reads it and its bounds; no two names collide', () => {
    const seen = new Set<string>();
    for (const [id, e] of Object.entries(NAMES)) {
      expect(e.holds.length, id).toBeGreaterThan(0);
      expect(e.consumers.length, id).toBeGreaterThan(0);
      expect(e.bounds.length, id).toBeGreaterThan(0);
      if (e.kind === 'stream') expect(e.producers.length, id).toBeGreaterThan(0);
      const where = `${e.kind === 'group' ? 'group' : e.kind === 'queue' ? 'queue' : 'key'}:${e.path}`;
      expect(seen.has(where), `${id} repeats ${where}`).toBe(false);
      seen.add(where);
    }
  });

  it('is described entry by entry in docs/architecture.md', () => {
    const doc = readFileSync(new URL('../../../../docs/architecture.md', import.meta.url), 'utf8');
    for (const [id, e] of Object.entries(NAMES)) expect(doc.includes(`\`${e.path}\``) || doc.includes(` \`${e.path}\`,`), `${id} (${e.path}) is missing from docs/architecture.md`).toBe(true);
  });

  it('fills a family name with exactly its parts', () => {
    expect(fillPath('wf:join:<record>:<step>', ['r', 's'])).toBe('wf:join:r:s');
    expect(() => fillPath('wf:join:<record>:<step>', ['r'])).toThrow(/needs 2 parts/);
    expect(() => fillPath('plan', ['x'])).toThrow(/takes 0 parts/);
  });

  it('spreads the partitions evenly over the slots: partition n of P in the n-th of P equal parts', () => {
    for (const prefix of ['awo', 'shop-eu', 'test-4a043417']) {
      for (const P of [2, 3, 6, 8, 64]) {
        const k = keys(prefix);
        const slots = Array.from({ length: P }, (_, n) => keySlot(k.metricsPartition(n, P)));
        slots.forEach((slot, n) => {
          expect(slot).toBeGreaterThanOrEqual(Math.floor((n * SLOTS) / P));
          expect(slot).toBeLessThan(Math.floor(((n + 1) * SLOTS) / P));
        });
        // The lease and the fence share the partition's slot.
        expect(keySlot(k.partitionLease(1, P))).toBe(slots[1]);
        expect(keySlot(k.fence(k.metricsPartition(1, P)))).toBe(slots[1]);
      }
    }
    // Three masters with the usual equal slot ranges get 3, 3 and 2 of 8 partitions (4, 2, 2 before).
    const perMaster = [0, 0, 0];
    for (let n = 0; n < 8; n++) perMaster[Math.floor((keySlot(keys('awo').metricsPartition(n, 8)) * 3) / SLOTS)]!++;
    expect(perMaster.sort()).toEqual([2, 3, 3]);
    expect(() => keys('awo').metricsPartition(8, 8)).toThrow(/not one of 0..7/);
  });
});
