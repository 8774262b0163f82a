import { DeadLetters } from '@awo/api';
import { numberFlag, parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

const USAGE = 'usage: awo dead-letters list [--limit <n>] [--stream <key>] [--json] | awo dead-letters replay <id> [--json]';

/** `awo dead-letters list|replay`: what failed its schema, clock or handler, and putting one back on its stream. */
export async function deadLettersCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { limit: { type: 'string' }, stream: { type: 'string' } });
  const [sub, id] = positionals;
  if (sub !== 'list' && sub !== 'replay') throw new UsageError(USAGE);
  if (sub === 'replay' && !(id && /^\d+-\d+$/.test(id))) throw new UsageError(`${USAGE}\n(<id> is the dead letter's stream id, e.g. 1763712345678-0, as listed)`);
  return withStoreRuntime(values.config, io, async (runtime) => {
    const deadLetters = new DeadLetters(runtime.redis, runtime.keys, runtime.config.bus.maxLen);
    if (sub === 'replay') {
      const r = await deadLetters.replay(id as string);
      io.out(values.json ? JSON.stringify(r) : `dead letter ${r.entryId} replayed to ${r.stream} as ${r.replayedAs}`);
      return 0;
    }
    const limit = numberFlag(values.limit, 'limit', 20) as number;
    const { items } = await deadLetters.list({ limit: Math.max(1, limit), scanLimit: runtime.config.api.scanLimit, ...(values.stream ? { stream: values.stream } : {}) });
    if (values.json) {
      io.out(JSON.stringify(items));
      return 0;
    }
    if (items.length === 0) io.out('no dead letters');
    for (const { entryId, deadLetter: d, replayedAs } of items) {
      io.out(`${entryId}  ${new Date(d.at).toISOString()}  from ${d.stream}${d.group ? ` (group ${d.group})` : ''}  ${d.code}${replayedAs ? `  replayed as ${replayedAs}` : ''}`);
      io.out(`    ${d.reason.slice(0, 300)}`);
      for (const i of d.issues.slice(0, 5)) io.out(`    ${i.path}: ${i.message}`);
    }
    return 0;
  });
}
