import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fillPath, GROUPS, keys, NAMES, QUEUES, STREAMS } from './streams.js';

describe('the name table', () => {
  it('derives each name in the hash tag of its family', () => {
    const k = keys('awo');
    expect(STREAMS.map((s) => k.stream(s))).toEqual(['{awo}:stream:metrics', '{awo}:stream:insights', '{awo}:stream:revisions', '{awo}:stream:actions', '{awo}:stream:results', '{awo}:stream:deadletter']);
    expect([k.plan, k.lease, k.applied, k.spans, k.queuePrefix('actions'), k.workflowCounts]).toEqual(['{awo}:plan', '{awo}:plan:lease', '{awo}:plan:applied', '{awo}:spans', '{awo:bull:actions}', '{awo:wf}:counts']);
    expect([k.tap('a'), k.sink('b'), k.workflowOnce('out:b', 'r1'), k.workflowJoin('r1', 'c'), k.actionKey('route:x'), k.benchRaw]).toEqual(['{awo:wf}:tap:a', '{awo:wf}:sink:b', '{awo:wf}:once:out:b:r1', '{awo:wf}:join:r1:c', 'awo:route:x', '{awo}:raw']);
    expect([k.metricsPartition(3), k.partitionLease(3), k.fence(k.metricsPartition(3)), k.fence(k.stream('insights'))]).toEqual(['{awo:p3}:stream:metrics', '{awo:p3}:metrics:lease', '{awo:p3}:fence', '{awo}:fence']);
    expect([k.workerMembers('parse'), k.deadletterReplayed('1-0', k.metricsPartition(2))]).toEqual(['{awo:worker:parse}:members', '{awo:p2}:deadletter:replayed:1-0']);
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
});
