import { explainRevision, PlanStore } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

/** `awo explain <planVersion>`: why the plan changed, in words: goal, insights, metrics, traces. */
export async function explainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const version = Number(positionals[0]);
  if (!Number.isInteger(version) || version < 1) throw new UsageError('usage: awo explain <planVersion> [--config <file>] [--json]');
  return withStoreRuntime(values.config, io, async (runtime) => {
    const stored = await new PlanStore(runtime.redis, runtime.keys, runtime.config).revision(version);
    if (!stored) {
      io.err(`plan version ${version} is not in the revisions stream (never written, or trimmed)`);
      return 1;
    }
    const { text, ...explanation } = await explainRevision(runtime.redis, runtime.keys, stored.revision, undefined, runtime.config.bus.partitions);
    if (values.json) io.out(JSON.stringify(explanation));
    else text.forEach((line) => io.out(line));
    return 0;
  });
}
