import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACL_AGENTS, aclRules, GRANTS, namePattern, type AclAgent } from './acl.js';
import { parseConfig } from './config/load.js';
import { fillPath, keys, NAMES, QUEUES, type NameId } from './contracts/streams.js';

/** The users a producer or consumer of the name table means ('' when none: operators, users, demos, benchmarks). */
function actors(text: string): AclAgent[] {
  const rules: [RegExp, AclAgent[]][] = [
    [/^(monitor|analyzer|planner|executor)\b/, []],
    [/^workflow runner|^BullMQ/, ['executor']],
    [/^every bus consumer/, ['analyzer', 'planner', 'executor']],
    [/^every agent/, ['monitor', 'analyzer', 'planner', 'executor']],
    [/^plan (reader|store)/, ['executor', 'planner', 'reader']],
    [/^CLI|^`awo (plan|trace|explain)/, ['reader']],
  ];
  for (const [re, who] of rules) if (re.test(text)) return who.length > 0 ? who : [text.split(/\W/)[0] as AclAgent];
  return [];
}

/** What a user's grants allow on a name: writing (append, own), reading by group (consume) or reading. A queue is covered by a grant on `bull`. */
function rights(agent: AclAgent, id: NameId): Set<string> {
  const covers = (names: readonly NameId[]) => names.includes(id) || (NAMES[id].kind === 'queue' && names.includes('bull'));
  return new Set(GRANTS[agent].filter((g) => covers(g.names)).map((g) => g.access));
}

const ENTRIES = Object.entries(NAMES).filter(([id, e]) => e.kind !== 'group' && id !== 'actionKey') as [NameId, (typeof NAMES)[NameId]][];

/** The selectors of a rule list: their key patterns (mode, glob) and commands. */
function selectors(rules: string[]): { patterns: { mode: string; glob: string }[]; commands: string[] }[] {
  return rules
    .filter((r) => r.startsWith('('))
    .map((r) => {
      const words = r.slice(1, -1).split(' ');
      return {
        patterns: words.flatMap((w) => /^(%[RW]+)?~/.exec(w) ? [{ mode: w.slice(0, w.indexOf('~') + 1), glob: w.slice(w.indexOf('~') + 1) }] : []),
        commands: words.filter((w) => w.startsWith('+')).map((w) => w.slice(1)),
      };
    });
}

/** Whether a Redis glob (`*`, `?`, `\\` before a literal; awo makes no `[…]`) matches `key`. */
function globMatch(glob: string, key: string): boolean {
  const literal = (c = '') => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    re += c === '\\' ? literal(glob[++i]) : c === '*' ? '.*' : c === '?' ? '.' : literal(c);
  }
  return new RegExp(`^${re}$`, 's').test(key);
}

describe('ACL rules', () => {
  it('let exactly the producers of the name table write each name, and its consumers read it', () => {
    for (const [id, e] of ENTRIES) {
      // A queue is written by its producers and by whoever runs BullMQ's queues and workers (its jobs move as they run).
      const writers = new Set([...e.producers, ...(e.kind === 'queue' ? NAMES.bull.producers : [])].flatMap(actors));
      // A queue is also read by whoever reads BullMQ's keys as a whole (the monitor's `bullmq` source).
      const readers = new Set([...e.consumers, ...(e.kind === 'queue' ? NAMES.bull.consumers : [])].flatMap(actors));
      for (const agent of ACL_AGENTS) {
        const r = rights(agent, id);
        const writes = r.has('append') || r.has('own');
        expect(writes, `${agent} writes ${id}: the table says ${JSON.stringify(e.producers)}`).toBe(writers.has(agent));
        if (r.has('consume') || r.has('read')) expect(readers.has(agent) || writers.has(agent), `${agent} reads ${id}: the table says ${JSON.stringify(e.consumers)}`).toBe(true);
        if (readers.has(agent)) expect(r.size, `${agent} reads ${id}`).toBeGreaterThan(0);
      }
    }
  });

  it('are one selector per grant, under the prefix, with no rights outside them', () => {
    const rules = aclRules('analyzer', 'p');
    expect(rules.slice(0, 4)).toEqual(['reset', 'on', 'resetchannels', '-@all']);
    expect(rules).toContain('(~{p}:stream:metrics +xgroup|create +xreadgroup +xack +xautoclaim +xpending)');
    expect(rules).toContain('(%W~{p}:stream:insights +xadd)');
    // Root: commands without keys only; no `~`/`&` outside the selectors.
    for (const r of rules.filter((x) => !x.startsWith('('))) expect(r).not.toMatch(/~|&|allkeys|allcommands|^\+@all$/);
    expect(aclRules('reader', 'p').join(' ')).not.toMatch(/[(\s]~/);
  });

  it('escape glob characters of the prefix and fill `<x>` parts with *, in the hash tags of the keys', () => {
    expect(namePattern('workflowJoin', 'a*b')).toBe('{a\\*b:wf}:join:*:*');
    expect(namePattern('metricsPartition', 'awo')).toBe('{awo:p*}:stream:metrics');
    expect(namePattern('actionsQueue', 'awo')).toBe('{awo:bull:actions}:actions:*');
    expect(namePattern('poolActionsQueue', 'awo')).toBe('{awo:bull:actions.pool.*}:actions.pool.*:*');
    expect(namePattern('bull', 'awo')).toBe('{awo:bull:*}:*');
    expect(() => namePattern('executorGroup', 'awo')).toThrow(/consumer group/);
    expect(() => namePattern('fence', 'awo')).toThrow(/beside/);
  });

  it('put the keys of each script in one selector that allows it, and awo\'s BullMQ keys in `bull`', () => {
    const k = keys('a*b');
    const epoch = (lease: string) => fillPath(NAMES.leaseEpoch.path, [lease]);
    const scripts: [AclAgent, string[]][] = [
      ['monitor', [k.monitorLease('bullmq:q'), epoch(k.monitorLease('bullmq:q'))]],
      ['monitor', [k.fence(k.stream('metrics')), k.stream('metrics')]],
      ['monitor', [k.fence(k.metricsPartition(3, 4)), k.metricsPartition(3, 4)]],
      ['monitor', [k.monitorMembers]],
      ['analyzer', [k.partitionLease(3, 4), epoch(k.partitionLease(3, 4))]],
      ['analyzer', [k.fence(k.stream('insights')), k.stream('insights')]],
      ['planner', [k.lease, epoch(k.lease)]],
      ['planner', [k.plan, k.stream('revisions'), k.lease, k.planRevisionIndex]],
      ['executor', [k.executorMember('e1'), epoch(k.executorMember('e1'))]],
      ['executor', [k.poolLease('work'), epoch(k.poolLease('work'))]],
      ['executor', [`${k.queuePrefix(QUEUES.actions)}:${QUEUES.actions}:wait`, `${k.queuePrefix(QUEUES.actions)}:${QUEUES.actions}:meta`]],
      ['executor', [`${k.queuePrefix(QUEUES.step('s'))}:${QUEUES.step('s')}:id`]],
      ['executor', [k.workflowCounts, k.workflowOnce('in', 'r1'), k.sink('out')]],
    ];
    for (const [agent, names] of scripts) {
      const one = selectors(aclRules(agent, 'a*b')).find((s) => s.commands.includes('evalsha') && names.every((n) => s.patterns.some((p) => p.mode === '~' && globMatch(p.glob, n))));
      expect(one, `${agent}: ${names.join(' ')}`).toBeDefined();
    }
    // Another prefix's keys, or the planner's lease and its epoch, match none of the monitor's or analyzer's patterns.
    for (const key of [keys('ab').monitorLease('x'), keys('ab').fence(keys('ab').metricsPartition(1, 4)), k.lease, epoch(k.lease)]) {
      for (const agent of ['monitor', 'analyzer'] as const) expect(selectors(aclRules(agent, 'a*b')).some((s) => s.patterns.some((p) => globMatch(p.glob, key))), `${agent}: ${key}`).toBe(false);
    }
  });

  it('add what a config names: the executor\'s redis-set keys, the monitor\'s source queues and streams', () => {
    const config = parseConfig({
      monitor: { sources: [{ kind: 'bullmq', name: 'q', queue: 'orders' }, { kind: 'bullmq', name: 'own', queue: 'work', queuePrefix: '{awo:bull:work}' }, { kind: 'redis-stream', name: 's', stream: 'events' }] },
      executor: { actions: { flag: { kind: 'redis-set', key: 'flags.{{step}}.{{param}}' } } },
    });
    expect(aclRules('executor', 'awo', config)).toContain('(~awo:flags.*.* +set)');
    const monitor = aclRules('monitor', 'awo', config).join(' ');
    expect(monitor).toContain('(%R~bull:orders:* %R~events +multi');
    expect(monitor).not.toContain('%R~{awo:bull:work}:work:*');
    expect(aclRules('planner', 'awo', config)).toEqual(aclRules('planner', 'awo'));
  });

  it('are in docs/security.md exactly as `awo acl <agent>` prints them for the default prefix', () => {
    const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    for (const agent of ACL_AGENTS) expect(doc, agent).toContain(`ACL SETUSER awo-${agent} ${aclRules(agent).join(' ')} >change-me`);
  });
});
