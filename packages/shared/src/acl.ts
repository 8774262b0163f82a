/**
 * Least-privilege Redis ACL rules, one user per agent, generated from the name table (`NAMES`)
 * so they cannot drift from the keys the code uses. `aclRules(agent, prefix)` gives the
 * arguments of `ACL SETUSER <user> …` after the user name (Redis ≥ 7.0: `%R~`/`%W~` key
 * permissions and `(…)` selectors).
 *
 * Each grant becomes one selector: its key patterns and the only commands allowed on them. A
 * command is allowed when one selector allows the command and every key it names; a Lua
 * script's keys must all sit in one selector, and every call inside the script is checked again,
 * so a script can do no more than its user could do by hand. `EVAL`/`EVALSHA` need read and
 * write permission on the keys they are given (Redis cannot know what the script does with them).
 */
import type { Config } from './config/schema.js';
import { fenceKeyOf, fillPath, keyOf, keys, NAMES, type FenceOwner, type NameId } from './contracts/streams.js';

/** The users: the four agents, and `reader` for the CLI's read-only commands (`plan`, `trace`, `explain`). */
export const ACL_AGENTS = ['monitor', 'analyzer', 'planner', 'executor', 'reader'] as const;
export type AclAgent = (typeof ACL_AGENTS)[number];

/**
 * What a grant allows on its keys: `read` (`%R~`, read commands only), `append` (`%W~`: XADD to a
 * stream, without reading it), `consume` (a consumer group's reads and acks: Redis counts
 * XREADGROUP as a write, so `~`, but with no command that adds, edits or deletes entries),
 * `own` (`~`: the writer of the key, with exactly the commands it uses).
 */
export type Access = 'read' | 'append' | 'consume' | 'own';

export interface Grant {
  access: Access;
  /** Names of the table (a queue: all of its BullMQ keys; a `<x>` part: any; `fence`, `leaseEpoch`: beside the grant's streams, leases). */
  names: readonly NameId[];
  /** Raw key patterns, already under their prefix (from the config: action keys, source keys). */
  patterns?: readonly string[];
  /** With `fence` among the names: whose fence (each owner has its own in every slot, so no agent can raise another's). */
  fenceOwner?: FenceOwner;
  commands: readonly string[];
  why: string;
}

/**
 * Every connection: authenticate, name itself (ioredis and BullMQ do), ping; INFO for ioredis's
 * ready check and BullMQ's version check; on Redis Cluster, CLUSTER SLOTS and CLUSTER INFO, with
 * which ioredis's Cluster client reads the slot map and checks the cluster is up (topology only),
 * and READONLY, which it sends on its connections to replicas.
 */
export const CONNECTION_COMMANDS = ['auth', 'hello', 'ping', 'quit', 'client|setname', 'client|getname', 'info', 'cluster|slots', 'cluster|info', 'readonly'] as const;
const APPEND = ['xadd'] as const;
const CONSUME = ['xgroup|create', 'xreadgroup', 'xack', 'xautoclaim', 'xpending'] as const;
const SCRIPTS = ['evalsha', 'eval'] as const;
/**
 * What BullMQ 5 runs on a queue's own keys: every command its Lua scripts call (read from its
 * `commands/*.lua`), what its classes call directly (MULTI, BZPOPMIN on the marker, XREAD on the
 * events stream) and EVALSHA/EVAL for the scripts themselves.
 */
export const BULLMQ_COMMANDS = [
  ...SCRIPTS, 'multi', 'exec', 'bzpopmin', 'xread',
  'del', 'exists', 'get', 'hdel', 'hexists', 'hget', 'hgetall', 'hincrby', 'hlen', 'hmget', 'hmset', 'hset', 'incr',
  'lindex', 'llen', 'lpop', 'lpos', 'lpush', 'lrange', 'lrem', 'lset', 'ltrim', 'persist', 'pexpire', 'pttl', 'rename',
  'rpop', 'rpoplpush', 'rpush', 'sadd', 'scard', 'set', 'sismember', 'smembers', 'srem', 'type', 'xadd', 'xtrim', 'xrange', 'xrevrange',
  'zadd', 'zcard', 'zcount', 'zpopmin', 'zrange', 'zrangebyscore', 'zrem', 'zremrangebyrank', 'zremrangebyscore', 'zrevrange', 'zrevrangebyscore', 'zscore',
] as const;

const STREAM_READ = ['xrange', 'xrevrange', 'xlen'] as const;
const PLAN_READ = ['hget', 'hmget', ...STREAM_READ] as const;

/** Every agent exports its spans to the span stream; every agent with a bus consumer dead-letters. */
const SPANS: Grant = { access: 'append', names: ['spans'], commands: APPEND, why: 'recent spans for `awo trace`' };
const DEADLETTER: Grant = { access: 'append', names: ['deadletterStream'], commands: APPEND, why: 'entries its consumers refuse' };
/** Every agent's process listens to control messages (hot reload; the planner's steer wake-ups). */
const CONTROL: Grant = { access: 'read', names: ['controlStream'], commands: ['xread', 'xrevrange'], why: 'control messages: `reload` (hot reload), `steer` (the planner)' };

/** What each user may do, by name of the table. */
export const GRANTS: Record<AclAgent, readonly Grant[]> = {
  monitor: [
    {
      access: 'own', names: ['metricsStream', 'metricsPartition', 'fence'], fenceOwner: 'monitor', commands: [...SCRIPTS, 'hget', 'hset', 'xadd'],
      why: 'the metrics it samples (to partition fnv1a(series) mod P with `bus.partitions` > 1), added by the fenced-xadd script under its source lease\'s epoch, with the fence of each of their slots (raised by fence-raise on a take): one selector, a script\'s keys must share one',
    },
    { access: 'own', names: ['monitorLease', 'leaseEpoch'], commands: [...SCRIPTS, 'get', 'set', 'pexpire', 'time', 'pttl', 'del'], why: 'a lease per source it samples and its epoch (lease-acquire, renew, release scripts), kept apart from the metrics so that it cannot delete the stream' },
    { access: 'own', names: ['monitorMembers'], commands: [...SCRIPTS, 'time', 'zremrangebyscore', 'zscore', 'zrange', 'zcard', 'zadd', 'pexpire', 'zrem'], why: 'its heartbeat among the live monitors (members-beat script), whose count sets its share of the sources' },
    { access: 'read', names: ['tap'], commands: STREAM_READ, why: 'the `records` source reads what enters a tapped step' },
    { access: 'read', names: ['bull', 'benchRaw'], commands: ['multi', 'exec', 'time', 'get', 'hmget', 'llen', 'lindex', 'zcard', 'xinfo|groups', ...STREAM_READ], why: 'the `bullmq` source reads awo\'s queues (`{<prefix>:bull:<queue>}`), the `redis-stream` source the benchmark\'s raw stream' },
    SPANS,
    CONTROL,
  ],
  analyzer: [
    { access: 'consume', names: ['metricsStream'], commands: CONSUME, why: 'group `analyzer`' },
    { access: 'append', names: ['insightsStream'], commands: APPEND, why: 'its forecasts, anomalies and findings' },
    { access: 'consume', names: ['metricsPartition'], commands: [...CONSUME, 'xinfo|groups', 'xclaim', 'xrange'], why: 'group `analyzer` on the partitions it owns (`bus.partitions` > 1); a takeover reads the partition back and claims what the earlier owner left pending' },
    { access: 'own', names: ['partitionLease', 'leaseEpoch'], commands: [...SCRIPTS, 'get', 'set', 'pexpire', 'time', 'del'], why: 'partition leases and their epochs (lease-acquire, renew, release scripts)' },
    {
      access: 'own', names: ['insightsStream', 'fence'], fenceOwner: 'analyzer', commands: [...SCRIPTS, 'hget', 'hset', 'xadd'],
      why: 'insights published under a partition lease\'s epoch (fenced-xadd script), with the fence of their slot (raised by fence-raise on a take): one selector, a script\'s keys must share one',
    },
    { access: 'own', names: ['analyzerMembers'], commands: [...SCRIPTS, 'time', 'zremrangebyscore', 'zscore', 'zrange', 'zcard', 'zadd', 'pexpire', 'zrem'], why: 'its heartbeat among the live analyzers (members-beat script)' },
    DEADLETTER,
    SPANS,
    CONTROL,
  ],
  planner: [
    { access: 'consume', names: ['metricsStream', 'metricsPartition', 'insightsStream', 'resultsStream'], commands: CONSUME, why: 'groups `planner` (every metrics partition) and `planner-results`' },
    {
      access: 'own', names: ['plan', 'planRevisionIndex', 'revisionsStream', 'lease'],
      commands: [...SCRIPTS, 'get', 'del', 'hget', 'hmget', 'hset', 'hdel', 'xadd', ...STREAM_READ, 'exists', 'wait'],
      why: 'the plan-commit script writes the plan, the revisions stream and its index at once, fenced by the lease (one selector: a script\'s keys must share one); on Redis Cluster a commit then waits for the plan master\'s replicas (EXISTS on the plan routes WAIT there)',
    },
    { access: 'own', names: ['lease', 'leaseEpoch'], commands: [...SCRIPTS, 'get', 'set', 'pexpire', 'time', 'del'], why: 'the leadership lease and its epoch (lease-acquire, renew, release scripts)' },
    {
      access: 'own', names: ['overrides', 'proposals', 'rollbacks'],
      commands: [...SCRIPTS, 'hget', 'hgetall', 'hset', 'hdel', 'hincrby', 'hlen', 'hexists', 'hsetnx'],
      why: 'the leader moves operators\' overrides, rollbacks and proposals through their states (compare-and-set scripts) and writes its goals\' proposals',
    },
    { access: 'append', names: ['steeringStream'], commands: APPEND, why: 'steering events (state changes) for the API\'s event stream' },
    DEADLETTER,
    SPANS,
    CONTROL,
  ],
  executor: [
    { access: 'consume', names: ['revisionsStream'], commands: [...CONSUME, 'xinfo|groups', 'xgroup|destroy'], why: 'its group `executor.<member>`; it destroys the groups of executors that are gone (it cannot add, edit or delete a revision)' },
    { access: 'own', names: ['executorMember', 'poolLease', 'leaseEpoch'], commands: [...SCRIPTS, 'get', 'set', 'pexpire', 'time', 'del', 'pttl', 'exists'], why: 'its liveness lease and the leases of the managed pools it owns, with their epochs (lease scripts); EXISTS: is another member alive' },
    { access: 'read', names: ['plan', 'planRevisionIndex', 'revisionsStream'], commands: PLAN_READ, why: 'the plan reader checks the plan against its signed revisions' },
    { access: 'append', names: ['actionsStream', 'resultsStream', 'tap'], commands: APPEND, why: 'the audit copy of actions, their results, and tapped records' },
    { access: 'own', names: ['applied'], commands: [...SCRIPTS, 'hget', 'hgetall', 'hset'], why: 'what the last actuation applied' },
    { access: 'read', names: ['workerMembers', 'workerInfo', 'workerRefused'], commands: ['time', 'zrangebyscore', 'hmget', 'get'], why: '`adaptive-workers` actions read what the step\'s `@awo/worker` members run' },
    { access: 'own', names: ['bull'], commands: BULLMQ_COMMANDS, why: 'the BullMQ queues it runs: actions, workflow steps, managed pools' },
    { access: 'own', names: ['workflowCounts', 'workflowOnce', 'workflowJoin', 'sink', 'runs', 'run', 'stepStats'], commands: [...SCRIPTS, 'set', 'del', 'exists', 'hset', 'hincrby', 'hlen', 'hgetall', 'pexpire', 'xadd', 'hexists', 'hsetnx', 'zadd', 'zcard', 'zrange', 'zrangebyscore', 'zrem'], why: 'the workflow runner\'s once-marks, joins, counters, sinks and records of runs (wf-once, wf-join and wf-run scripts)' },
    DEADLETTER,
    SPANS,
    CONTROL,
  ],
  reader: [
    { access: 'read', names: ['plan', 'planRevisionIndex', 'revisionsStream', 'spans', 'metricsStream', 'metricsPartition', 'insightsStream', 'resultsStream'], commands: PLAN_READ, why: '`awo plan`, `awo trace`, `awo explain`' },
  ],
};

/** A key pattern that matches `text` literally (glob characters escaped). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A path as a key pattern: its `<x>` parts match anything, the rest literally. */
function globPath(path: string): string {
  return path.split(/<[^>]+>/).map(globEscape).join('*');
}

/**
 * The key pattern of a name under `prefix`, in its hash tag as `keyOf` builds the keys: `<x>`
 * parts match anything; a queue matches all of its BullMQ keys (`{<prefix>:bull:<queue>}:<queue>:*`),
 * `bull` those of every awo queue. `fence` and `leaseEpoch` lie beside other names: a grant
 * names them with those (`grantPatterns`).
 */
export function namePattern(id: NameId, prefix: string): string {
  const entry = NAMES[id];
  const p = globEscape(prefix);
  switch (entry.kind) {
    case 'queue': {
      const queue = globPath(entry.path);
      return `${keyOf(p, NAMES.bull.path.split(/<[^>]+>/).map(globEscape).join(queue))}:${queue}:*`;
    }
    case 'group':
      throw new Error(`"${id}" is a consumer group, not a key`);
    default:
      if (id === 'fence' || id === 'leaseEpoch') throw new Error(`"${id}" lies beside other names: name it in a grant with them`);
      if (id === 'actionKey') throw new Error('action keys come from the config (configGrants)');
      return id === 'bull' ? `${keyOf(p, globPath(entry.path))}:*` : keyOf(p, globPath(entry.path));
  }
}

/**
 * A grant's key patterns: its names', then the names that lie beside them (a script takes them
 * together, so they share the selector): `leaseEpoch`, the epoch key beside each of the grant's
 * keys (its leases, as `Lease` names it); `fence`, the fence of its `fenceOwner` in each slot the
 * grant's streams are in (as `keys.fence(stream, owner)`); then its raw patterns.
 */
export function grantPatterns(grant: Grant, prefix: string): string[] {
  const own = grant.names.filter((n) => n !== 'fence' && n !== 'leaseEpoch');
  const beside = (id: NameId, kind: string, at: (pattern: string) => string) => (grant.names.includes(id) ? own.filter((n) => NAMES[n].kind === kind).map((n) => at(namePattern(n, prefix))) : []);
  return [
    ...new Set([
      ...own.map((n) => namePattern(n, prefix)),
      ...beside('leaseEpoch', 'key', (lease) => fillPath(NAMES.leaseEpoch.path, [lease])),
      ...beside('fence', 'stream', (stream) => {
        if (!grant.fenceOwner) throw new Error(`a grant naming "fence" needs its fenceOwner (${grant.why})`);
        return fenceKeyOf(stream, grant.fenceOwner);
      }),
      ...(grant.patterns ?? []),
    ]),
  ];
}

const MODE: Record<Access, string> = { read: '%R~', append: '%W~', consume: '~', own: '~' };

/**
 * The keys a config adds to a user: the executor's `redis-set` action keys (templated parts
 * match anything) and managed pools under another queue prefix; the monitor's `bullmq` and
 * `redis-stream` sources (keys of the user's own queues and streams, outside awo's names). A
 * queue under awo's own prefix for it (`keys.queuePrefix(queue)`) is already in `bull`.
 */
export function configGrants(agent: AclAgent, config: Config): Grant[] {
  const queueKeys = (queuePrefix: string, queue: string) => `${globEscape(queuePrefix)}:${globEscape(queue)}:*`;
  const awos = (queuePrefix: string, queue: string) => queuePrefix === keys(config.prefix).queuePrefix(queue);
  if (agent === 'executor') {
    const actionKeys = Object.values(config.executor.actions).flatMap((a) => (a.kind === 'redis-set' ? [`${globEscape(config.prefix)}:${a.key.split(/\{\{(?:step|param)\}\}/).map(globEscape).join('*')}`] : []));
    // A pool without a `queuePrefix` is under awo's.
    const pools = Object.values(config.executor.pools).flatMap((p) => (p.queuePrefix !== undefined && !awos(p.queuePrefix, p.queue) ? [queueKeys(p.queuePrefix, p.queue)] : []));
    return [
      ...(actionKeys.length > 0 ? [{ access: 'own' as const, names: [], patterns: actionKeys, commands: ['set'], why: 'the keys its `redis-set` actions write' }] : []),
      ...(pools.length > 0 ? [{ access: 'own' as const, names: [], patterns: pools, commands: BULLMQ_COMMANDS, why: 'managed pools under their own queue prefix' }] : []),
    ];
  }
  if (agent === 'monitor') {
    const patterns = config.monitor.sources.flatMap((s) => {
      // A source without a `queuePrefix` reads BullMQ's default, `bull`: the user's.
      if (s.kind === 'bullmq') return awos(s.queuePrefix ?? 'bull', s.queue) ? [] : [queueKeys(s.queuePrefix ?? 'bull', s.queue)];
      if (s.kind === 'redis-stream') return [globEscape(s.stream)];
      return [];
    });
    const read = GRANTS.monitor.find((g) => g.names.includes('bull'));
    return patterns.length > 0 && read ? [{ ...read, names: [], patterns, why: 'the queues and streams its sources read' }] : [];
  }
  return [];
}

/** One grant as a selector: `(<mode><pattern>… +<command>…)`. */
export function selector(grant: Grant, prefix: string): string {
  return `(${[...grantPatterns(grant, prefix).map((p) => `${MODE[grant.access]}${p}`), ...grant.commands.map((c) => `+${c}`)].join(' ')})`;
}

/**
 * The `ACL SETUSER <user>` arguments for one agent: starting from nothing (`reset`), no channels,
 * the connection commands, then one selector per grant (and per grant a config adds). The
 * password is not part of them: add `>password` (or `#<sha256>`).
 */
export function aclRules(agent: AclAgent, prefix = 'awo', config?: Config): string[] {
  const grants = [...GRANTS[agent], ...(config ? configGrants(agent, config) : [])];
  return ['reset', 'on', 'resetchannels', '-@all', ...CONNECTION_COMMANDS.map((c) => `+${c}`), ...grants.map((g) => selector(g, prefix))];
}
