/**
 * Every name awo uses in Redis, in one table: streams, BullMQ queues, key families and consumer
 * groups, each with what it holds, who writes it, who reads it (and through which group), and
 * what bounds it. Code derives every name from this table (`keys(prefix)`, `GROUPS`, `QUEUES`);
 * no other module builds a key name. Keys live under a prefix (config `prefix`, default `awo`),
 * in a Redis Cluster hash tag (`keyOf`): `{<prefix>}:<path>` for the control plane (plan, leases,
 * the streams but the metrics partitions), `{<prefix>:<tag>}:<rest>` for a path written
 * `{<tag>}:<rest>` (a metrics partition `{p3}`, the workflow's keys `{wf}`, a step's workers
 * `{worker:<step>}`), so every multi-key script, transaction and pipeline stays in one slot
 * while partitions, queues and steps spread over the slots. Each BullMQ queue has its own tag,
 * its prefix `{<prefix>:bull:<queue>}` (BullMQ adds `:<queue>:<suffix>`). `redis-set` action
 * keys stay `<prefix>:<key>`, as the config names them.
 *
 * A name's `path` is what follows `<prefix>:`; `<x>` parts are filled in order by the code
 * that names one member of the family.
 */

import { keySlot, SLOTS } from '../slot.js';

/** What a named thing is. */
export type NameKind = 'stream' | 'queue' | 'key' | 'group';

export interface NameEntry {
  kind: NameKind;
  /** Streams and keys: the name after `<prefix>:`. Queues: the queue name (under `queuePrefix(queue)`). Groups: the group name. */
  path: string;
  /** What it holds (for a key: its Redis type). */
  holds: string;
  /** Who writes it. */
  producers: readonly string[];
  /** Streams: the consumer groups that read it. */
  groups?: readonly string[];
  /** Who reads it. */
  consumers: readonly string[];
  /** What keeps it from growing without end. */
  bounds: string;
}

export const NAMES = {
  // Streams (Redis Streams, read through consumer groups; entries carry trace headers).
  metricsStream: { kind: 'stream', path: 'stream:metrics', holds: '`Metric` messages (series, value, unit, ts, labels)', producers: ['monitor'], groups: ['analyzer', 'planner'], consumers: ['analyzer', 'planner (the series its goals name)', '`awo explain`'], bounds: 'XADD MAXLEN ~ bus.maxLen' },
  insightsStream: { kind: 'stream', path: 'stream:insights', holds: '`Insight` messages (forecasts, anomalies, data-quality findings)', producers: ['analyzer'], groups: ['planner', 'demo-status', 'bench'], consumers: ['planner', '`awo demo` status line', 'bench pipeline', '`awo explain`'], bounds: 'XADD MAXLEN ~ bus.maxLen' },
  revisionsStream: { kind: 'stream', path: 'stream:revisions', holds: '`PlanRevision` messages: the audit history of the plan', producers: ['planner (plan-commit Lua, with the plan hash)'], groups: ['executor'], consumers: ['executor', 'plan reader (old versions, through planRevisionIndex)', '`awo plan`', '`awo explain`'], bounds: 'XADD MAXLEN ~ bus.maxLen (in the commit script)' },
  actionsStream: { kind: 'stream', path: 'stream:actions', holds: '`Action` messages: the actions the executor enqueued (an audit copy of the action jobs)', producers: ['executor'], consumers: ['operators (no group reads it)'], bounds: 'XADD MAXLEN ~ bus.maxLen' },
  resultsStream: { kind: 'stream', path: 'stream:results', holds: '`ActionResult` messages', producers: ['executor (action runner)'], groups: ['planner-results', 'bench'], consumers: ['planner', 'bench pipeline', '`awo trace --last-action`'], bounds: 'XADD MAXLEN ~ bus.maxLen' },
  deadletterStream: { kind: 'stream', path: 'stream:deadletter', holds: '`DeadLetter` messages: entries that failed their schema or their handler, with the reason', producers: ['every bus consumer'], consumers: ['operators'], bounds: 'XADD MAXLEN ~ bus.maxLen' },
  tap: { kind: 'stream', path: '{wf}:tap:<step>', holds: 'records entering a tapped workflow step (field `r`: the record JSON)', producers: ['workflow runner'], consumers: ['monitor `records` source (XREVRANGE, no group)'], bounds: 'XADD MAXLEN ~ 10000' },
  sink: { kind: 'stream', path: '{wf}:sink:<step>', holds: 'records a workflow `sink` step wrote (`sink:rejected`: refused records), each once', producers: ['workflow runner (wf-once Lua)'], consumers: ['users', 'demo and bench checks'], bounds: 'XADD MAXLEN ~ workflow.sinkMaxLen' },
  spans: { kind: 'stream', path: 'spans', holds: 'recent finished spans (for `awo trace` without a collector)', producers: ['every agent (RedisSpanExporter)'], consumers: ['`awo trace`'], bounds: 'XADD MAXLEN ~ telemetry.spanStore.maxLen' },
  steeringStream: { kind: 'stream', path: 'stream:steering', holds: 'field `e`: a `SteeringEvent` (JSON): an override or proposal or rollback created or changing state', producers: ['`Steering` (API, CLI)', 'planner (leader)'], consumers: ['API events (XREAD, no group)', 'tests'], bounds: 'XADD MAXLEN ~ planner.steering.eventsMaxLen' },
  controlStream: { kind: 'stream', path: 'stream:control', holds: 'field `c`: a `ControlMessage` (JSON): `reload` (re-read the config file) or `steer` (the leader should look at the steering records now)', producers: ['`Steering` (API, CLI)'], consumers: ['every agent (its process\'s hot reload; the planner\'s steer wake-ups: XREAD from `$`, no group)'], bounds: 'XADD MAXLEN ~ 1000' },
  // BullMQ queues (each under its own `queuePrefix(queue)`).
  actionsQueue: { kind: 'queue', path: 'actions', holds: 'action jobs (`actionJobSchema`), job id = action id', producers: ['executor (reconcile)'], consumers: ['executor (action runner)'], bounds: 'completed jobs kept 1 day / 10000; failed kept' },
  stepQueue: { kind: 'queue', path: 'wf.<step>', holds: 'workflow record jobs (`recordJobSchema`) of a step without its own `queue`, job id = (record, step)', producers: ['workflow runner', 'any producer adding records to an entry step'], consumers: ['workflow runner'], bounds: 'completed jobs kept workflow.dedupeWindow; failed kept' },
  demoQueue: { kind: 'queue', path: 'work', holds: 'the demo and test load (jobs a managed pool works off)', producers: ['`awo demo` load generator', 'traced-loop test'], consumers: ['executor managed pool `work`', 'monitor `bullmq` source'], bounds: 'the pool removes completed jobs' },
  // Keys.
  bull: { kind: 'key', path: '{bull:<queue>}', holds: 'the prefix of BullMQ\'s keys for each queue above (`{<prefix>:bull:<queue>}:<queue>:…`: a hash tag per queue)', producers: ['BullMQ (queues and workers awo opens)'], consumers: ['BullMQ', 'monitor `bullmq` source'], bounds: 'per queue, as above' },
  plan: { kind: 'key', path: 'plan', holds: 'hash: the current plan (epoch, version, plan JSON, revision JSON)', producers: ['planner (plan-commit Lua, compare-and-set on (epoch, version), fenced by the lease)'], consumers: ['executor (plan reader)', 'planner', 'CLI'], bounds: 'one per prefix' },
  planRevisionIndex: { kind: 'key', path: 'plan:revisions', holds: 'hash: plan version → its revisions-stream entry id (field `_min`: the oldest version indexed)', producers: ['planner (plan-commit Lua)'], consumers: ['plan store (`revision(version)`: HGET then XRANGE id id)'], bounds: 'entries whose stream ids were trimmed are removed on commit; emptied when a new lineage starts' },
  lease: { kind: 'key', path: 'plan:lease', holds: 'string: the planner leader\'s token (PX expiry)', producers: ['planner (lease Lua)'], consumers: ['planner', 'plan-commit Lua (fencing)'], bounds: 'one per prefix, expires' },
  applied: { kind: 'key', path: 'plan:applied', holds: 'hash: `step\\u0000param` → JSON {value, epoch, version}: the value the last actuation applied', producers: ['executor (action runner)'], consumers: ['executor (reconcile, skip checks)'], bounds: 'one field per step parameter the config applies' },
  overrides: { kind: 'key', path: 'plan:overrides', holds: 'hash: override id → `Override` JSON (field `_seq`: the request counter that orders them)', producers: ['`Steering` (pin, unpin: steer Lua)', 'planner leader (state changes, compare-and-set)'], consumers: ['planner leader', 'API, CLI'], bounds: 'planner.steering.maxOverrides records (create refused past it); finished ones dropped after planner.steering.keepFinished' },
  proposals: { kind: 'key', path: 'plan:proposals', holds: 'hash: proposal id → `SteeringProposal` JSON (field `_seq`)', producers: ['planner leader (propose-mode goals)', '`Steering` (approve, reject)'], consumers: ['planner leader', 'API, CLI'], bounds: 'planner.steering.maxProposals records (a new one refused and counted past it); finished ones dropped after planner.steering.keepFinished' },
  rollbacks: { kind: 'key', path: 'plan:rollbacks', holds: 'hash: rollback id → `Rollback` JSON (field `_seq`)', producers: ['`Steering` (rollback)', 'planner leader (state changes)'], consumers: ['planner leader', 'API, CLI'], bounds: 'planner.steering.maxRollbacks records; finished ones dropped after planner.steering.keepFinished' },
  workflowCounts: { kind: 'key', path: '{wf}:counts', holds: 'hash: workflow record counters `in`, `out:<step>`, `rejected`, `failed`', producers: ['workflow runner (wf-once Lua)'], consumers: ['users', 'demo and bench checks'], bounds: 'one field per counter' },
  workflowOnce: { kind: 'key', path: '{wf}:once:<counter>:<record>', holds: 'string: the mark that a record was counted once for a counter', producers: ['workflow runner (wf-once Lua)'], consumers: ['wf-once Lua'], bounds: 'PX workflow.dedupeWindow' },
  workflowJoin: { kind: 'key', path: '{wf}:join:<record>:<step>', holds: 'hash: upstream step → its output, until every upstream step of a join arrived', producers: ['workflow runner (wf-join Lua)'], consumers: ['wf-join Lua'], bounds: 'PX workflow.dedupeWindow (refreshed on each arrival)' },
  runs: { kind: 'key', path: '{wf}:runs', holds: 'sorted set: record id → when its run began (epoch ms): the index of the runs kept', producers: ['workflow runner (wf-run Lua)'], consumers: ['`awo runs`', 'the API (`/api/v1/runs`)'], bounds: 'workflow.runs.maxCount and maxAge: the wf-run Lua trims the oldest on every write (counted in wf:steps `_trimmed`)' },
  run: { kind: 'key', path: '{wf}:run:<record>', holds: 'hash: one record\'s run: `_run` (id, plan version, entered, route) and `<step>#<attempt>` → one attempt (queued, start, end, outcome, worker ms)', producers: ['workflow runner (wf-run Lua)'], consumers: ['`awo runs`', 'the API (`/api/v1/runs/{id}`)'], bounds: 'PX workflow.runs.maxAge; deleted when trimmed from wf:runs; at most 64 attempts a run' },
  stepStats: { kind: 'key', path: '{wf}:steps', holds: 'hash: per step `<step>:<field>`: attempts, outcomes, latency and worker milliseconds, latency buckets', producers: ['workflow runner (wf-run Lua)'], consumers: ['`awo runs`', 'the API (`/api/v1/runs`)'], bounds: 'a fixed set of fields per configured step' },
  deadletterReplayed: { kind: 'key', path: 'deadletter:replayed:<id>', holds: 'string: the stream id a dead letter was replayed as (the API re-adds the entry to the stream it came from, once); in the slot of that stream (`<its tag>:deadletter:replayed:<id>`)', producers: ['the API (dl-replay Lua)'], consumers: ['the API (`/api/v1/dead-letters`)'], bounds: 'PX 7 days' },
  actionKey: { kind: 'key', path: '<key>', holds: 'whatever a `redis-set` action writes (its config `key`, templated)', producers: ['executor (redis-set actions)'], consumers: ['users'], bounds: 'the keys the config names' },
  benchRaw: { kind: 'stream', path: 'raw', holds: 'the pipeline benchmark\'s raw input stream', producers: ['bench pipeline'], consumers: ['monitor `redis-stream` source'], bounds: 'the benchmark deletes its prefix' },
  workerMembers: { kind: 'key', path: '{worker:<step>}:members', holds: 'sorted set: the `@awo/worker` members of a step, scored by the Redis time (ms) their heartbeat expires', producers: ['@awo/worker (member-beat Lua; ZREM on close)'], consumers: ['@awo/worker (share of the plan\'s concurrency)', 'executor (`adaptive-workers` actions, observe)'], bounds: 'at most the member\'s `maxMembers` (a joining member past it is refused and counted); expired members removed on every beat' },
  workerInfo: { kind: 'key', path: '{worker:<step>}:info', holds: 'hash: member id → JSON {ready, concurrency, version, epoch, host, pid, at}: what each member runs now', producers: ['@awo/worker (member-beat Lua)'], consumers: ['@awo/worker', 'executor (`adaptive-workers`)'], bounds: 'one field per live member (removed with it)' },
  workerRefused: { kind: 'key', path: '{worker:<step>}:refused', holds: 'string: how many joins were refused because the step had `maxMembers` live members', producers: ['@awo/worker (member-beat Lua)'], consumers: ['operators', 'executor (`adaptive-workers` errors)'], bounds: 'one counter per step' },
  executorMember: { kind: 'key', path: 'executor:member:<member>', holds: 'string: an executor process\'s liveness lease (PX expiry), named like its revisions group', producers: ['executor (lease Lua)'], consumers: ['executor (destroys the revisions groups of members whose key expired)'], bounds: 'one per live executor, expires after executor.poolLease' },
  poolLease: { kind: 'key', path: 'executor:pool:<pool>', holds: 'string: the token of the executor that owns a managed pool (PX expiry)', producers: ['executor (lease Lua)'], consumers: ['executor'], bounds: 'one per `executor.pools` name, expires after executor.poolLease' },
  poolActionsQueue: { kind: 'queue', path: 'actions.pool.<pool>', holds: 'action jobs of a `scale-bullmq-workers` action (`actionJobSchema`), job id = action id: only the pool\'s owner works it', producers: ['executor (reconcile)'], consumers: ['executor that holds the poolLease'], bounds: 'completed jobs kept 1 day / 10000; failed kept' },
  monitorLease: { kind: 'key', path: 'monitor:lease:<source>', holds: 'string: the token of the monitor that samples the source (`<kind>:<name>`), PX monitor.lease', producers: ['monitor (lease Lua)'], consumers: ['monitor (its epoch fences the source\'s samples: fence, fenced-xadd Lua)'], bounds: 'one per configured source, expires' },
  monitorMembers: { kind: 'key', path: 'monitor:members', holds: 'sorted set: live monitor ids, scored by the Redis time (ms) their heartbeat expires', producers: ['monitor (members-beat Lua; ZREM on close)'], consumers: ['monitor (its share of the sources: ceil(sources / live monitors))'], bounds: 'expired members removed on every beat; at most 1024 members (a joining monitor past it is refused and counted)' },
  metricsPartition: { kind: 'stream', path: '{p<n>}:stream:metrics', holds: 'with `bus.partitions` P > 1: the `Metric` messages of the series with fnv1a(series) mod P = n (the metrics stream is then unused); in its own slot `{<prefix>:p<n>}`, with its lease and fence, where `<n>` is n or `n.<k>` (`partitionPart`: the tag that puts partition n in the n-th of P equal parts of the slots, so the partitions spread evenly over a cluster\'s masters)', producers: ['monitor', '@awo/worker (reports)', 'any bus publisher of metrics (routed by `partitionOf`)'], groups: ['analyzer', 'planner'], consumers: ['analyzer (the owner of the partition lease)', 'planner (every partition)', '`awo explain`'], bounds: 'XADD MAXLEN ~ bus.maxLen each' },
  partitionLease: { kind: 'key', path: '{p<n>}:metrics:lease', holds: 'string: the token of the analyzer that owns metrics partition n (PX analyzer.leaseTtl)', producers: ['analyzer (lease Lua)'], consumers: ['analyzer (its epoch fences the insights of the partition\'s series: fence, fenced-xadd Lua)'], bounds: 'one per partition, expires' },
  analyzerMembers: { kind: 'key', path: 'analyzer:members', holds: 'sorted set: the live analyzers (instance), scored by the Redis time (ms) their heartbeat expires', producers: ['analyzer (members-beat Lua; ZREM on close)'], consumers: ['analyzer (its share of the partitions: ceil(P / live))'], bounds: 'expired members removed on every beat; at most 1024 members (a joining analyzer past it is refused and counted, and holds no partition)' },
  fence: { kind: 'key', path: 'fence', holds: 'hash: lease key → the highest lease epoch that published into this slot; one per slot family (`{<prefix>}:fence`, `{<prefix>:p<n>}:fence`): a publish under an older epoch is refused (fenced-xadd Lua), so a holder that lost its lease cannot publish once the new holder has raised the fence', producers: ['monitor (fence-raise Lua when it takes a source lease; fenced-xadd Lua)', 'analyzer (the same, for a partition lease)'], consumers: ['fenced-xadd Lua'], bounds: 'one field per lease that publishes into the slot (configured sources, partitions)' },
  leaseEpoch: { kind: 'key', path: '<lease>:epoch', holds: 'string: the epoch of the last take of a lease (max(last + 1, Redis time ms)): the fencing token of its holder', producers: ['every agent that takes a lease (lease-acquire Lua: monitor, analyzer, planner, executor)'], consumers: ['lease-acquire Lua'], bounds: 'one per lease' },
  // Consumer groups.
  analyzerGroup: { kind: 'group', path: 'analyzer', holds: 'the analyzers\' position on the metrics stream', producers: [], consumers: ['analyzer'], bounds: 'pending entries acked after publishing; XAUTOCLAIM after bus.claimMinIdle' },
  plannerGroup: { kind: 'group', path: 'planner', holds: 'the planners\' position on the metrics and insights streams', producers: [], consumers: ['planner'], bounds: 'as above' },
  executorGroup: { kind: 'group', path: 'executor.<member>', holds: 'one executor process\'s position on the revisions stream (a group per process, so every executor sees every revision; created from `$`)', producers: [], consumers: ['executor'], bounds: 'one per live executor: a group whose executorMember key expired (or the old shared group `executor`) is destroyed by any executor at its start and every executor.resync' },
  plannerResultsGroup: { kind: 'group', path: 'planner-results', holds: 'the planners\' position on the results stream', producers: [], consumers: ['planner'], bounds: 'as above' },
  demoStatusGroup: { kind: 'group', path: 'demo-status', holds: '`awo demo`\'s position on the insights stream (from `$`)', producers: [], consumers: ['`awo demo`'], bounds: 'the demo deletes its prefix' },
  benchGroup: { kind: 'group', path: 'bench', holds: 'the benchmarks\' position on the streams they watch', producers: [], consumers: ['bench'], bounds: 'the benchmark deletes its prefix' },
} as const satisfies Record<string, NameEntry>;

export type NameId = keyof typeof NAMES;

/** `path` with its `<x>` parts replaced by `parts`, in order. */
export function fillPath(path: string, parts: readonly string[]): string {
  let i = 0;
  const out = path.replace(/<[^>]+>/g, () => {
    const part = parts[i++];
    if (part === undefined) throw new Error(`name "${path}" needs ${path.match(/<[^>]+>/g)?.length} parts, got ${parts.length}`);
    return part;
  });
  if (i !== parts.length) throw new Error(`name "${path}" takes ${i} parts, got ${parts.length}`);
  return out;
}

const streamPath = <P extends string>(path: P) => path.slice('stream:'.length) as P extends `stream:${infer S}` ? S : never;
const STREAM_ENTRIES = [NAMES.metricsStream, NAMES.insightsStream, NAMES.revisionsStream, NAMES.actionsStream, NAMES.resultsStream, NAMES.deadletterStream] as const;

/** The streams of the message bus (each carries one schema of `CATALOG`). */
export const STREAMS = [
  streamPath(NAMES.metricsStream.path),
  streamPath(NAMES.insightsStream.path),
  streamPath(NAMES.revisionsStream.path),
  streamPath(NAMES.actionsStream.path),
  streamPath(NAMES.resultsStream.path),
  streamPath(NAMES.deadletterStream.path),
] as const;
export type StreamName = (typeof STREAMS)[number];
const STREAM_BY_NAME = Object.fromEntries(STREAM_ENTRIES.map((e) => [streamPath(e.path), e])) as unknown as Record<StreamName, NameEntry>;

/** Consumer groups of the agents. */
export const GROUPS = {
  analyzer: NAMES.analyzerGroup.path,
  planner: NAMES.plannerGroup.path,
  /** One executor process's group on the revisions stream. */
  executor: (member: string): string => fillPath(NAMES.executorGroup.path, [member]),
  plannerResults: NAMES.plannerResultsGroup.path,
  demoStatus: NAMES.demoStatusGroup.path,
  bench: NAMES.benchGroup.path,
} as const;

/** BullMQ queues awo owns (each under `Keys.queuePrefix(queue)`). */
export const QUEUES = {
  actions: NAMES.actionsQueue.path,
  /** The queue of a workflow step that names no `queue` of its own. */
  step: (step: string): string => fillPath(NAMES.stepQueue.path, [step]),
  demo: NAMES.demoQueue.path,
  /** The actions of a managed pool, worked only by the executor that owns the pool. */
  pool: (pool: string): string => fillPath(NAMES.poolActionsQueue.path, [pool]),
} as const;

/** The field of a tap stream entry (`Keys.tap`) that holds the record's JSON. */
export const TAP_RECORD_FIELD = 'r';

export interface Keys {
  prefix: string;
  stream(name: StreamName): string;
  /** The current plan (JSON), written only by compare-and-set on its version. */
  plan: string;
  /** Plan version → revisions-stream entry id (a hash, written by the commit script). */
  planRevisionIndex: string;
  /** The planner leadership lease. */
  lease: string;
  /** Operators' overrides (hash: id → JSON). */
  overrides: string;
  /** Proposals of propose-mode goals (hash: id → JSON). */
  proposals: string;
  /** Operators' rollback requests (hash: id → JSON). */
  rollbacks: string;
  /** Steering events (a capped stream, field `e`). */
  steering: string;
  /** Control messages every process listens to (a capped stream, field `c`). */
  control: string;
  /** Applied parameters (hash): field "step\u0000param" → JSON {value, epoch, version}: the value the last actuation applied. */
  applied: string;
  /** Recent spans kept for `awo trace` without a collector. */
  spans: string;
  /** The BullMQ prefix of a queue awo owns (action jobs, managed pools, workflow steps): a hash tag per queue. */
  queuePrefix(queue: string): string;
  /** Records entering a workflow step, tapped for the `records` source (a capped stream). */
  tap(step: string): string;
  /** What a workflow `sink` step wrote (a capped stream of records, each once). */
  sink(step: string): string;
  /** Workflow record counters (a hash: `in`, `out:<step>`, `rejected`, `failed`). */
  workflowCounts: string;
  /** The once-mark of a record for a workflow counter. */
  workflowOnce(counter: string, record: string): string;
  /** The outputs gathered for a record at a join step. */
  workflowJoin(record: string, step: string): string;
  /** Index of the kept runs of records (a sorted set by start time). */
  runs: string;
  /** One record's run: its steps, attempts and outcomes (a hash). */
  run(record: string): string;
  /** Per-step aggregates of the runs (a hash). */
  stepStats: string;
  /** The mark that a dead letter was replayed into `stream` (a string: the new stream id), in that stream's slot. */
  deadletterReplayed(id: string, stream: string): string;
  /** The fence of the slot `key` is in (hash: lease key → highest epoch published). */
  fence(key: string): string;

  /** The pipeline benchmark's raw input stream. */
  benchRaw: string;
  /** A key a `redis-set` action names in the config, under the prefix. */
  actionKey(key: string): string;
  /** The `@awo/worker` members of a step (sorted set: member id → heartbeat expiry, Redis time ms). */
  workerMembers(step: string): string;
  /** The lease of one monitor source (`<kind>:<name>`). */
  monitorLease(source: string): string;
  monitorMembers: string;
  /** What each live member of a step runs (hash: member id → JSON). */
  workerInfo(step: string): string;
  /** Joins refused at a step's member bound (a counter). */
  workerRefused(step: string): string;
  /** Metrics partition n of P (`bus.partitions` > 1), in the slot `partitionTag` spreads it to. */
  metricsPartition(n: number, partitions: number): string;
  /** The lease of metrics partition n of P (the owning analyzer's token), beside the partition. */
  partitionLease(n: number, partitions: number): string;
  /** The live analyzers (sorted set: instance → heartbeat expiry, Redis time ms). */
  analyzerMembers: string;
  /** An executor process's liveness lease (its revisions group is named after it). */
  executorMember(member: string): string;
  /** The lease of the executor that owns a managed pool. */
  poolLease(pool: string): string;
}

/** The streams that carry the metrics: the metrics stream when `partitions` is 1, else each partition's. */
export function metricsStreams(k: Keys, partitions: number): string[] {
  return partitions <= 1 ? [k.stream('metrics')] : Array.from({ length: partitions }, (_, n) => k.metricsPartition(n, partitions));
}

/** The NATS subject of plan change notices (a hint to re-read the plan; never trusted as the plan). */
export function planSubject(prefix: string): string {
  return `${prefix}.plan`;
}

/** The NATS subject where the members of a step say that they joined, became ready or left (a hint to re-read the members). */
export function membersSubject(prefix: string, step: string): string {
  return `${prefix}.members.${step}`;
}

/**
 * A name's key under `prefix`, in its hash tag: `{<prefix>}:<path>`, or `{<prefix>:<tag>}:<rest>`
 * for a path `{<tag>}:<rest>`. Redis Cluster hashes only what is inside the first braces.
 */
export function keyOf(prefix: string, path: string): string {
  const tagged = /^\{([^}]*)\}(.*)$/.exec(path);
  return tagged ? `{${prefix}:${tagged[1]}}${tagged[2]}` : `{${prefix}}:${path}`;
}

/** The hash tag of a key (`{…}`), or the whole key in braces when it has none: a key built on it shares the key's slot. */
export function slotTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open, close + 1) : `{${key}}`;
}

/** A key in the same Redis Cluster slot as `key`: its tag, then `:<path>`. */
export function inSlotOf(key: string, path: string): string {
  return `${slotTag(key)}:${path}`;
}

const partParts = new Map<string, string>();

/**
 * The `<n>` part of metrics partition n of P: `n`, or `n.<k>` with the smallest k that puts the
 * tag `{<prefix>:p<n>[.<k>]}` in the n-th of P equal parts of the 16384 slots. Tags that differ
 * in one character fall on few slots (CRC16 is linear: 8 partitions gave masters 4, 2 and 2), so
 * without this a cluster's masters would carry the partitions unevenly. Deterministic: every
 * process with the same P names the same keys (a new P means new partition streams anyway).
 */
export function partitionPart(n: number, partitions: number, prefix = ''): string {
  if (!Number.isInteger(n) || n < 0 || n >= partitions) throw new Error(`partition ${n} is not one of 0..${partitions - 1}`);
  const id = `${prefix}\u0000${n}\u0000${partitions}`;
  const known = partParts.get(id);
  if (known !== undefined) return known;
  const from = Math.floor((n * SLOTS) / partitions);
  const to = Math.floor(((n + 1) * SLOTS) / partitions);
  let part = String(n);
  for (let k = 1; k < 1_000_000; k++) {
    const slot = keySlot(`{${prefix}:p${part}}`);
    if (slot >= from && slot < to) break;
    part = `${n}.${k}`;
  }
  if (partParts.size < 65_536) partParts.set(id, part);
  return part;
}

export function keys(prefix = 'awo'): Keys {
  const name = (entry: NameEntry, ...parts: string[]) => keyOf(prefix, fillPath(entry.path, parts));
  return {
    prefix,
    stream: (s) => name(STREAM_BY_NAME[s]),
    plan: name(NAMES.plan),
    planRevisionIndex: name(NAMES.planRevisionIndex),
    lease: name(NAMES.lease),
    applied: name(NAMES.applied),
    overrides: name(NAMES.overrides),
    proposals: name(NAMES.proposals),
    rollbacks: name(NAMES.rollbacks),
    steering: name(NAMES.steeringStream),
    control: name(NAMES.controlStream),
    spans: name(NAMES.spans),
    queuePrefix: (queue) => name(NAMES.bull, queue),
    tap: (step) => name(NAMES.tap, step),
    sink: (step) => name(NAMES.sink, step),
    workflowCounts: name(NAMES.workflowCounts),
    workflowOnce: (counter, record) => name(NAMES.workflowOnce, counter, record),
    workflowJoin: (record, step) => name(NAMES.workflowJoin, record, step),
    runs: name(NAMES.runs),
    run: (record) => name(NAMES.run, record),
    stepStats: name(NAMES.stepStats),
    deadletterReplayed: (id, stream) => inSlotOf(stream, fillPath(NAMES.deadletterReplayed.path, [id])),
    fence: (key) => inSlotOf(key, NAMES.fence.path),
    benchRaw: name(NAMES.benchRaw),
    actionKey: (key) => `${prefix}:${fillPath(NAMES.actionKey.path, [key])}`,
    workerMembers: (step) => name(NAMES.workerMembers, step),
    workerInfo: (step) => name(NAMES.workerInfo, step),
    workerRefused: (step) => name(NAMES.workerRefused, step),
    executorMember: (member) => name(NAMES.executorMember, member),
    poolLease: (pool) => name(NAMES.poolLease, pool),
    monitorLease: (source) => name(NAMES.monitorLease, source),
    monitorMembers: name(NAMES.monitorMembers),
    metricsPartition: (n, partitions) => name(NAMES.metricsPartition, partitionPart(n, partitions, prefix)),
    partitionLease: (n, partitions) => name(NAMES.partitionLease, partitionPart(n, partitions, prefix)),
    analyzerMembers: name(NAMES.analyzerMembers),
  };
}
