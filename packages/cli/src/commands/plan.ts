import { describeChange, formatDuration, PlanStore } from '@awo/shared';
import { numberFlag, parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

/** `awo plan show` and `awo plan history`: the current plan, and its revisions with reasons. */
export async function planCommand(argv: string[], io: Io): Promise<number> {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first === 'pin' || first === 'unpin' || first === 'rollback') return (await import('./steer.js')).planSteerCommand(argv, io);
  if (first === 'overrides') return (await import('./steer.js')).overridesList(argv, io);
  const { values, positionals } = parse(argv, { limit: { type: 'string' } });
  const sub = positionals[0];
  if (sub !== 'show' && sub !== 'history') throw new UsageError('usage: awo plan show|history|overrides [--config <file>] [--limit <n>] [--json] | pin|unpin|rollback …');
  return withStoreRuntime(values.config, io, async (runtime) => {
    const config = runtime.config;
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    if (sub === 'show') {
      const plan = await store.current();
      if (values.json) io.out(JSON.stringify(plan));
      else {
        io.out(`plan version ${plan.version}${plan.version === 0 ? ' (as configured; never revised)' : ''}`);
        for (const [name, step] of Object.entries(plan.steps)) {
          const params = Object.entries(step.params).map(([k, v]) => `${k}=${v}`).join(' ');
          io.out(`  ${name}${step.queue ? ` [queue ${step.queue}]` : ''}${step.after.length ? ` after ${step.after.join(', ')}` : ''}: ${params || '(no params)'}`);
        }
        for (const [id, pin] of Object.entries(plan.pins ?? {})) {
          io.out(`  pinned: ${pin.step}.${pin.param} = ${String(pin.value)} (override ${id}${pin.by ? ` by ${pin.by}` : ''}${pin.until !== undefined ? ` until ${new Date(pin.until).toISOString()}` : ''})`);
        }
      }
      return 0;
    }
    const limit = numberFlag(values.limit, 'limit', 20) as number;
    const history = await store.history(limit);
    if (values.json) {
      io.out(JSON.stringify(history.map((h) => ({ id: h.id, ...h.revision }))));
      return 0;
    }
    if (history.length === 0) io.out('no revisions yet');
    const now = Date.now();
    for (const { revision: r } of history) {
      const changes = r.changes.map(describeChange).join(', ') || `(no parameter change${Object.keys(r.plan.pins ?? {}).length ? '; pins' : ''})`;
      io.out(`v${r.version} (from v${r.parentVersion}) ${new Date(r.at).toISOString()} (${formatDuration(now - r.at)} ago) goal ${r.goal}: ${changes}`);
      io.out(`    why: ${r.reason}`);
      if (r.trace) io.out(`    trace: ${r.trace.traceId}  insights: ${r.insightIds.join(', ') || '-'}`);
    }
    return 0;
  });
}
