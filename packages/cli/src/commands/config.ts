import { ConfigError, isAwoError, loadConfig } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';

/** `awo config validate <file> [--json]`: exit 0 when valid, 1 with every bad field otherwise. */
export async function configCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const [sub, fileArg] = positionals;
  if (sub !== 'validate') throw new UsageError('usage: awo config validate <file> [--json]');
  const file = fileArg ?? values.config ?? io.env.AWO_CONFIG;
  if (!file) throw new UsageError('usage: awo config validate <file> [--json]');
  try {
    const cfg = await loadConfig(file, io.env);
    const summary = {
      sources: cfg.monitor.sources.length,
      goals: cfg.planner.goals.length,
      actions: Object.keys(cfg.executor.actions).length,
      steps: Object.keys(cfg.workflow.steps).length,
    };
    if (values.json) io.out(JSON.stringify({ file, valid: true, issues: [], ...summary }));
    else io.out(`${file}: valid (${summary.steps} steps, ${summary.sources} sources, ${summary.goals} goals, ${summary.actions} actions)`);
    return 0;
  } catch (err) {
    if (!isAwoError(err)) throw err;
    const issues = err instanceof ConfigError ? err.issues : [{ path: '(file)', message: err.message }];
    if (values.json) io.out(JSON.stringify({ file, valid: false, code: err.code, issues }));
    else {
      io.err(`${file}: invalid (${issues.length} problem${issues.length === 1 ? '' : 's'})`);
      for (const i of issues) io.err(`  - ${i.path}: ${i.message}`);
    }
    return 1;
  }
}
