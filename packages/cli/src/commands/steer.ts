import { userInfo } from 'node:os';
import { configSlices, describeChange, parseDuration, Steering, type Override, type Rollback, type SteeringProposal } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

const STEER_OPTIONS = {
  until: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  wait: { type: 'string' },
} as const;

/** Who asks: `--by`, else `cli:<user>`. */
function whoAsks(by: string | undefined): string {
  if (by !== undefined) return by;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** How long to wait for the leading planner to settle a request (`--wait`, default 10s; 0: do not wait). */
function waitOf(value: string | undefined): number {
  if (value === undefined) return 10_000;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`--wait: ${(err as Error).message}`);
  }
}

/** A pin value from the command line: a number or a boolean when it reads as one, else the string. */
export function parseValue(text: string): number | string | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

function describeOverride(o: Override): string {
  const until = o.until !== undefined ? ` until ${new Date(o.until).toISOString()}` : '';
  const where = o.status === 'active' ? ` (revision v${o.version})` : o.endedVersion !== undefined ? ` (released by v${o.endedVersion})` : '';
  return `override ${o.id} ${o.status}: ${o.step}.${o.param} = ${String(o.value)}${until}${where}${o.by ? ` by ${o.by}` : ''}${o.reason ? `: ${o.reason}` : ''}${o.error ? ` [${o.error}]` : ''}`;
}

function describeRollback(r: Rollback): string {
  return `rollback ${r.id} ${r.status}: to v${r.toVersion}${r.version !== undefined ? ` as revision v${r.version}` : ''}${r.by ? ` by ${r.by}` : ''}${r.error ? ` [${r.error}]` : ''}`;
}

function describeProposal(p: SteeringProposal, now = Date.now()): string {
  const left = p.status === 'open' ? `, expires in ${Math.max(0, Math.round((p.expiresAt - now) / 1000))}s` : '';
  const applied = p.version !== undefined ? ` as revision v${p.version}` : '';
  const decided = p.decidedBy ? ` by ${p.decidedBy}` : '';
  return `${p.id}  ${p.status}${applied}${decided}${left}  goal ${p.goal} on v${p.baseVersion}: ${p.changes.map(describeChange).join(', ')}\n    why: ${p.reason}${p.note ? `\n    note: ${p.note}` : ''}`;
}

/** `awo plan pin|unpin|rollback`: asks the leading planner; prints the record once it settled (or as it stands after --wait). */
export async function planSteerCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, STEER_OPTIONS);
  const [sub, ...args] = positionals;
  const by = whoAsks(values.by);
  const wait = waitOf(values.wait);
  return withStoreRuntime(values.config, io, async (runtime) => {
    const steering = new Steering(runtime.redis, runtime.keys, configSlices(runtime.config).planner);
    let record: Override | Rollback;
    if (sub === 'pin') {
      const [step, param, value] = args;
      if (step === undefined || param === undefined || value === undefined || args.length > 3) throw new UsageError('usage: awo plan pin <step> <param> <value> [--until <time|duration>] [--reason <text>]');
      const asked = await steering.pin({ step, param, value: parseValue(value), ...(values.until !== undefined ? { until: values.until } : {}), ...(values.reason !== undefined ? { reason: values.reason } : {}) }, by);
      record = wait > 0 ? await steering.settle('override', asked.id, wait) : asked;
    } else if (sub === 'unpin') {
      const [id] = args;
      if (id === undefined || args.length > 1) throw new UsageError('usage: awo plan unpin <id>');
      const asked = await steering.unpin(id, by);
      record = wait > 0 ? await steering.settle('override', asked.id, wait) : asked;
    } else {
      const version = Number(args[0]);
      if (args.length !== 1 || !Number.isInteger(version) || version < 0) throw new UsageError('usage: awo plan rollback <version> [--reason <text>]');
      const asked = await steering.rollback({ toVersion: version, ...(values.reason !== undefined ? { reason: values.reason } : {}) }, by);
      record = wait > 0 ? await steering.settle('rollback', asked.id, wait) : asked;
    }
    if (values.json) io.out(JSON.stringify(record));
    else io.out('toVersion' in record ? describeRollback(record) : describeOverride(record));
    const pending = record.status === 'pending' || record.status === 'removing';
    if (pending && wait > 0) io.err(`no leading planner settled it within ${wait / 1000}s: it stays asked for (is a planner running on this Redis and prefix?)`);
    return record.status === 'refused' ? 1 : 0;
  });
}

/** `awo plan overrides`: the overrides kept, newest first. */
export async function overridesList(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  return withStoreRuntime(values.config, io, async (runtime) => {
    const list = await new Steering(runtime.redis, runtime.keys, configSlices(runtime.config).planner).overrides();
    if (values.json) io.out(JSON.stringify(list));
    else if (list.length === 0) io.out('no overrides');
    else for (const o of list) io.out(describeOverride(o));
    return 0;
  });
}

/** `awo proposals list|approve <id>|reject <id>`. */
export async function proposalsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, STEER_OPTIONS);
  const [sub, id, ...rest] = positionals;
  const usage = 'usage: awo proposals list [--json] | approve <id> | reject <id> [--reason <text>]';
  if (sub !== 'list' && sub !== 'approve' && sub !== 'reject') throw new UsageError(usage);
  if ((sub === 'list' && id !== undefined) || (sub !== 'list' && id === undefined) || rest.length > 0) throw new UsageError(usage);
  return withStoreRuntime(values.config, io, async (runtime) => {
    const steering = new Steering(runtime.redis, runtime.keys, configSlices(runtime.config).planner);
    if (sub === 'list') {
      const list = await steering.proposals();
      if (values.json) io.out(JSON.stringify(list));
      else if (list.length === 0) io.out('no proposals');
      else for (const p of list) io.out(describeProposal(p));
      return 0;
    }
    const body = values.reason !== undefined ? { reason: values.reason } : {};
    const by = whoAsks(values.by);
    let p = sub === 'approve' ? await steering.approve(id as string, by, body) : await steering.reject(id as string, by, body);
    const wait = waitOf(values.wait);
    if (sub === 'approve' && wait > 0) p = await steering.settle('proposal', p.id, wait);
    if (values.json) io.out(JSON.stringify(p));
    else io.out(describeProposal(p));
    if (p.status === 'approved' && wait > 0) io.err(`no leading planner applied it within ${wait / 1000}s: it stays approved`);
    return p.status === 'superseded' ? 1 : 0;
  });
}
