import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { applyChanges, decode, GROUPS, parseConfig, PlanStore, Runtime, signRevision, type DeadLetter, type Plan, type PlanRevision, type StreamName } from '@awo/shared';
import { deletePrefix, quietLogger, REDIS_URL, sampleMessages, testPrefix, waitFor } from '@awo/testkit';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from './agents.js';

/**
 * Hostile writers: thousands of malformed entries written straight (XADD) to every stream awo
 * reads, while the four agents run in this process. Each must end in the dead-letter stream
 * with its reason; the agents must stay up, memory bounded, and no action may run.
 */

const KEY = 'fuzz-signing-key-0123456789abcdef';
const TOTAL = Number(process.env.AWO_TEST_FUZZ_TOTAL ?? 3000);
const MB = 1024 * 1024;
/**
 * heapUsed may grow by at most this much over the run (after a full GC). Measured: 2.0 MB at 2k
 * malformed entries, 1.9 at 3k, 1.7 at 10k, 1.6 at 30k: flat, nothing kept per entry.
 */
const HEAP_BOUND_GC = 8 * MB;
const HEAP_BOUND_NO_GC = 160 * MB;
/** Waits scale with the input, so a long measuring run (AWO_TEST_FUZZ_TOTAL=30000) has time to finish. */
const SCALE = Math.max(1, TOTAL / 3000);

/** The streams awo reads and the group that must dead-letter what is bad in each. */
const READ: { stream: StreamName; group: string }[] = [
  { stream: 'metrics', group: GROUPS.analyzer },
  { stream: 'insights', group: GROUPS.planner },
  // The executor's group is its own (one per process, `executor.<member>`): set once it started.
  { stream: 'revisions', group: '' },
  { stream: 'results', group: GROUPS.plannerResults },
];

interface Case {
  kind: string;
  fields: (string | Buffer)[];
  /** A path the dead letter's `issues` must name, when the case breaks one field. */
  path?: string;
  /** Text the dead letter's reason must contain. */
  reason?: RegExp;
}

const json = (o: unknown) => JSON.stringify(o);
const dataOf = (o: unknown): string[] => ['data', json(o)];

/** JSON of an object nested `depth` deep, built as text (JSON.stringify would overflow the stack). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
}

/** Fields that take a number, a string or a boolean (a plan parameter's value). */
const ANY_SCALAR = new Set(['value', 'from', 'to']);

/** A wrong-typed stand-in for a field's value: never of a type the schema takes there. */
function wrongType(key: string, v: unknown, i: number): unknown {
  const others = ['12', 'NaN', 'Infinity', '-Infinity', 12, true, null, [v], { v }].filter((x) => typeof x !== typeof v && !(ANY_SCALAR.has(key) && ['number', 'string', 'boolean'].includes(typeof x)));
  return others[i % others.length];
}

/** The i-th malformed entry for a stream: cycles through every kind, huge ones only now and then. */
function malformed(stream: StreamName, i: number): Case {
  const sample = sampleMessages()[stream] as Record<string, unknown>;
  const keys = Object.keys(sample);
  const key = keys[i % keys.length] as string;
  const time = 'ts' in sample ? 'ts' : 'at';
  if (i % 250 === 7) return { kind: 'huge-string', fields: dataOf({ ...sample, [keys[1] as string]: 'x'.repeat(MB) }), path: keys[1] as string };
  if (i % 250 === 9) return { kind: 'huge-array', fields: dataOf({ ...sample, v: 1, [key]: Array.from({ length: 100_000 }, (_, j) => j) }), path: key };
  if (i % 250 === 11) return { kind: 'huge-traceparent', fields: ['data', json({ ...sample, v: 0 }), 'traceparent', `00-${'f'.repeat(MB)}`], path: 'v' };
  if (i % 250 === 13) return { kind: 'many-fields', fields: Array.from({ length: 5000 }, (_, j) => [`f${j}`, 'x']).flat(), reason: /no "data" field/ };
  const kinds: (() => Case)[] = [
    () => ({ kind: 'wrong-type', fields: dataOf({ ...sample, [key]: wrongType(key, sample[key], i) }), path: key }),
    () => ({ kind: 'nan-string', fields: dataOf({ ...sample, [time]: ['NaN', 'Infinity', '-Infinity'][i % 3] }), path: time }),
    () => ({ kind: 'nan-literal', fields: ['data', json(sample).replace(/"v":1/, '"v":NaN')], reason: /not JSON/ }),
    () => ({ kind: 'overflow-infinity', fields: ['data', json(sample).replace(new RegExp(`"${time}":\\d+`), `"${time}":1e400`)], path: time }),
    () => ({ kind: 'unknown-field', fields: dataOf({ ...sample, [`extra_${i}`]: { evil: true } }), reason: new RegExp(`Unrecognized key: "extra_${i}"`) }),
    () => ({ kind: 'broken-json', fields: ['data', json(sample).slice(0, 1 + (i % 40))], reason: /not JSON/ }),
    () => ({ kind: 'not-utf8', fields: ['data', Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d])], reason: /not JSON/ }),
    () => ({ kind: 'missing-data', fields: ['payload', json(sample)], reason: /no "data" field/ }),
    () => ({ kind: 'bad-traceparent', fields: ['data', json({ ...sample, v: 1, [key]: undefined, zzz: 1 }), 'traceparent', 'ff-zz-not-a-trace', 'tracestate', '\u0000'.repeat(64)], reason: /^schema of / }),
    () => ({ kind: 'old-schema', fields: dataOf({ ...sample, v: [0, 2, '1', -1][i % 4] }), path: 'v' }),
    () => ({ kind: 'deep-object', fields: ['data', json({ ...sample, [key]: '<deep>' }).replace('"<deep>"', nested(5000))], path: key }),
    () => ({ kind: 'deep-json', fields: ['data', '['.repeat(100_000)], reason: /not JSON/ }),
    () => ({ kind: 'not-an-object', fields: ['data', [json(null), json([sample]), '42', '"text"', ''][i % 5] as string] }),
    () => ({ kind: 'proto-pollution', fields: ['data', json(sample).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},')] }),
    () => ({ kind: 'missing-field', fields: dataOf({ ...sample, v: 1, [keys.find((k) => k !== 'v') as string]: undefined }), path: keys.find((k) => k !== 'v') as string }),
  ];
  return (kinds[i % kinds.length] as () => Case)();
}

/** Revisions a hostile writer may write that are valid by schema: they must never lead to an action. */
function hostileRevision(plan: Plan, n: number): PlanRevision {
  const changes = [
    { op: 'set' as const, step: 'work', param: 'mode', from: null, to: 100 + n },
    { op: 'add-step' as const, step: 'evil', after: [] },
  ];
  const version = plan.version + 1;
  const next = applyChanges(plan, changes.slice(0, 1), version);
  return { v: 1, version, parentVersion: plan.version, plan: { ...next, steps: { ...next.steps, evil: { after: [], params: { rm: 'rf', shell: '$(id)' } } } }, changes, goal: 'evil', reason: 'hostile', insightIds: [], at: Date.now(), leader: 'intruder' };
}

/** What is wrong with a case's dead letter: the code, a path in `issues` for a broken field, the reason's text. */
function check(c: Omit<Case, 'fields'>, d: DeadLetter): string[] {
  const out: string[] = [];
  const what = `${d.stream} ${c.kind} ${d.id}`;
  if (!/^AWO_MESSAGE_(DECODE|INVALID)$/.test(d.code)) out.push(`${what}: code ${d.code}`);
  // The issue is at the field itself, or inside it (`labels.a`, `metricIds[0]`).
  const at = (p: string) => p === c.path || p.startsWith(`${c.path}.`) || p.startsWith(`${c.path}[`);
  if (c.path && !d.issues.some((x) => at(x.path))) out.push(`${what}: no issue at ${c.path} in ${d.reason.slice(0, 300)}`);
  if (c.reason && !c.reason.test(d.reason)) out.push(`${what}: reason ${d.reason.slice(0, 300)} does not match ${String(c.reason)}`);
  if (d.reason.length > 4096) out.push(`${what}: reason of ${d.reason.length} chars`);
  return out;
}

/** A full GC: `global.gc` when node runs with --expose-gc, else the V8 flag set at run time. */
function gcFunction(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

async function groupState(redis: Runtime['redis'], key: string, group: string): Promise<{ lag: number; pending: number } | undefined> {
  const rows = (await redis.xinfo('GROUPS', key)) as unknown[][];
  for (const row of rows) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < row.length; i += 2) o[String(row[i])] = row[i + 1];
    if (o.name === group) return { lag: Number(o.lag ?? NaN), pending: Number(o.pending) };
  }
  return undefined;
}

/** What was written to each stream: entry id → its case, without the (large) fields. */
type Written = Map<StreamName, Map<string, Omit<Case, 'fields'>>>;

/**
 * Writes TOTAL malformed entries, round-robin over the streams, in pipelines of 100. Its own
 * function, so that no frame of the test keeps a batch (and its megabyte fields) alive while
 * the heap is measured.
 */
async function writeMalformed(redis: Runtime['redis'], keys: Runtime['keys']): Promise<Written> {
  const written: Written = new Map();
  for (let i = 0; i < TOTAL; i += 100) {
    const p = redis.pipeline();
    const batch: [StreamName, Case][] = [];
    for (let j = i; j < Math.min(TOTAL, i + 100); j++) {
      const { stream } = READ[j % READ.length] as (typeof READ)[number];
      const c = malformed(stream, Math.floor(j / READ.length));
      batch.push([stream, c]);
      p.xadd(keys.stream(stream), '*', ...c.fields);
    }
    const replies = (await p.exec()) ?? [];
    batch.forEach(([stream, c], k) => {
      const [err, id] = replies[k] ?? [new Error('no reply'), null];
      if (err) throw err;
      const m = written.get(stream) ?? new Map<string, Omit<Case, 'fields'>>();
      m.set(id as string, { kind: c.kind, path: c.path, reason: c.reason });
      written.set(stream, m);
    });
  }
  return written;
}

/**
 * Ids of the entries of a stream that pass their schema, read a page at a time: reading the
 * whole stream at once kept every malformed entry (megabytes of them) alive in the test's frame
 * while the heap was measured, which looked like a leak of about 4 KB per entry.
 */
async function validEntries(redis: Runtime['redis'], key: string, stream: StreamName): Promise<string[]> {
  const valid: string[] = [];
  for (let start = '-'; ; ) {
    const page = (await redis.xrange(key, start, '+', 'COUNT', 200)) as [string, string[]][];
    for (const [id, fields] of page) if (decode(stream, fields).ok) valid.push(id);
    if (page.length < 200) return valid;
    start = `(${(page.at(-1) as [string, string[]])[0]}`;
  }
}

describe('fuzz: malformed and hostile entries on every stream awo reads', () => {
  it(`dead-letters each of ${TOTAL} malformed entries with its reason, keeps running, stays bounded and acts on none`, async () => {
    const prefix = testPrefix();
    const config = parseConfig(
      {
        prefix,
        redis: { url: REDIS_URL },
        bus: { block: 200, ackInterval: 5, claimInterval: 200, claimMinIdle: 1000 },
        telemetry: { spanStore: { enabled: false } },
        signing: { required: true },
        workflow: { steps: { work: { params: { concurrency: 1, mode: 0 }, apply: { concurrency: 'ledger', mode: 'ledger' } } } },
        analyzer: { forecast: [{ series: 'fuzz.*', horizon: '2s', step: '100ms' }] },
        planner: {
          lease: '3s',
          evaluateInterval: '200ms',
          goals: [{ kind: 'autoscale', name: 'fuzz', step: 'work', metric: 'fuzz.wait', target: 1000, arrivalSeries: 'fuzz.arrival', completionSeries: 'fuzz.done', activeSeries: 'fuzz.active', backlogSeries: 'fuzz.waiting', min: 1, max: 4, staleAfter: '1s', fallback: 'hold' }],
        },
        executor: { actions: { ledger: { kind: 'redis-set', key: 'ledger.{{step}}.{{param}}' } } },
      },
      { AWO_SIGNING_KEY: KEY },
    );
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const redis = runtime.redis;
    const agents = buildAgents(runtime, AGENT_NAMES);
    const executor = agents.find((a): a is ExecutorAgent => a instanceof ExecutorAgent) as ExecutorAgent;
    const gc = gcFunction();
    const started = Date.now();
    try {
      await startAgents(agents);
      for (const r of READ) if (r.stream === 'revisions') r.group = executor.ownership.group;
      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;

      const written = await writeMalformed(redis, runtime.keys);
      // Hostile but valid by schema: unsigned revisions straight on the stream, and through the
      // plan store (the hash the executor acts on), one unsigned and one signed with another key.
      const store = new PlanStore(redis, runtime.keys, config);
      // The commits come first, so every one of the 52 deliveries finds an untrusted plan.
      await store.commit(hostileRevision(await store.current(), 1000));
      await store.commit(signRevision(hostileRevision(await store.current(), 1001), 'not-the-key-0123456789abcdef'));
      for (let n = 0; n < 50; n++) await redis.xadd(runtime.keys.stream('revisions'), '*', 'data', json(hostileRevision(await store.current(), n)), 'traceparent', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`);

      // Every malformed entry is dead-lettered by the group that reads it, with its reason (checked
      // as it arrives, so the test itself holds no dead letters), and every group is done.
      const dead = new Set<string>();
      const deadPerStream = new Map<string, number>();
      const problems: string[] = [];
      let seen = '-';
      const dlKey = runtime.keys.stream('deadletter');
      const total = [...written.values()].reduce((n, m) => n + m.size, 0);
      const caseOf = new Map(READ.map(({ stream, group }) => [`${runtime.keys.stream(stream)}|${group}`, written.get(stream)]));
      let missing: string[] = [];
      await waitFor(
        async () => {
          const entries = (await redis.xrange(dlKey, seen === '-' ? '-' : `(${seen}`, '+', 'COUNT', 2000)) as [string, string[]][];
          for (const [id, fields] of entries) {
            seen = id;
            const d = decode('deadletter', fields);
            if (!d.ok) continue;
            const m = d.message;
            deadPerStream.set(m.stream, (deadPerStream.get(m.stream) ?? 0) + 1);
            const c = caseOf.get(`${m.stream}|${m.group}`)?.get(m.id);
            if (!c) continue;
            dead.add(`${m.stream}|${m.group}|${m.id}`);
            problems.push(...check(c, m));
          }
          missing = READ.flatMap(({ stream, group }) => [...(written.get(stream) ?? [])].filter(([id]) => !dead.has(`${runtime.keys.stream(stream)}|${group}|${id}`)).map(([id, c]) => `${stream}/${c.kind}/${id}`));
          return missing.length === 0;
        },
        `${total} dead letters`,
        20_000 * SCALE,
        100,
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; missing ${missing.length}: ${missing.slice(0, 20).join(', ')}`);
      });
      await waitFor(
        async () => {
          for (const { stream, group } of READ) {
            const s = await groupState(redis, runtime.keys.stream(stream), group);
            if (!s || s.lag !== 0 || s.pending !== 0) return false;
          }
          return executor.metrics().executor_revisions_untrusted_total === 52;
        },
        'every group caught up and every hostile revision refused',
        30_000 * SCALE,
        50,
      );
      const elapsedMs = Date.now() - started;
      expect(problems.slice(0, 20)).toEqual([]);
      for (const { stream } of READ) expect(deadPerStream.get(runtime.keys.stream(stream)) ?? 0, stream).toBeGreaterThanOrEqual(written.get(stream)?.size ?? Infinity);
      const byKind = new Map<string, number>();
      for (const m of written.values()) for (const c of m.values()) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      for (const { stream } of READ) expect(written.get(stream)?.size).toBe(TOTAL / READ.length);

      // The agents are up, and nothing acted: no ledger key, no result, no job.
      for (const a of agents) expect(a.status(), a.name).toMatchObject({ state: 'running', ready: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await redis.keys(`${prefix}:ledger*`)).toEqual([]);
      expect(await validEntries(redis, runtime.keys.stream('results'), 'results')).toEqual([]);
      expect(executor.metrics()).toMatchObject({ executor_actions_enqueued_total: 0, executor_actions_run_total: 0 });
      expect(await redis.xlen(runtime.keys.stream('actions'))).toBe(0);

      const figuresBefore = { written: total, deadLetters: Object.fromEntries([...deadPerStream].map(([k, n]) => [k.slice(prefix.length + 8), n])), hostileRevisions: 52, untrusted: executor.metrics().executor_revisions_untrusted_total, elapsedMs, byKind: Object.fromEntries(byKind) };
      // What the test itself holds goes before the heap is measured again.
      written.clear();
      dead.clear();
      caseOf.clear();
      gc?.();
      const heapDelta = process.memoryUsage().heapUsed - heapBefore;
      const figures = { ...figuresBefore, heapDeltaMB: Math.round((heapDelta / MB) * 10) / 10, gc: gc !== undefined };
      console.log(`fuzz figures: ${json(figures)}`);
      expect(heapDelta).toBeLessThan(gc ? HEAP_BOUND_GC : HEAP_BOUND_NO_GC);
    } finally {
      await stopAgents(agents, 20_000);
      await deletePrefix(redis, prefix);
      await runtime.close();
    }
  }, 90_000 * SCALE);
});
