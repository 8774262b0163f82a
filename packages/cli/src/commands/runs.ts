import { formatDuration } from '@awo/shared';
import { RunLog } from '@awo/workflow';
import { numberFlag, parse } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

/** `awo runs`: the newest runs of records through the workflow, and what each step costs. */
export async function runsCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { limit: { type: 'string' } });
  const limit = numberFlag(values.limit, 'limit', 20) as number;
  return withStoreRuntime(values.config, io, async (runtime) => {
    const log = new RunLog(runtime.redis, runtime.keys, runtime.config.workflow.runs);
    const { items } = await log.list(Math.max(1, limit));
    const { steps, trimmed } = await log.stats();
    if (values.json) {
      io.out(JSON.stringify({ runs: items, steps, trimmed }));
      return 0;
    }
    if (items.length === 0) io.out('no runs kept (records have not run yet, or workflow.runs.enabled is false)');
    const now = Date.now();
    for (const r of items) {
      const ends = r.steps.flatMap((s) => s.attempts.map((a) => a.end));
      const took = ends.length ? Math.max(...ends) - r.entered : 0;
      io.out(`${r.id}  ${r.status}  plan v${r.version}  entered ${formatDuration(now - r.entered)} ago, ${took} ms  route ${r.route.join(' → ') || '-'}${r.traceId ? `  trace ${r.traceId}` : ''}`);
      for (const s of r.steps) {
        const last = s.attempts.at(-1);
        io.out(`    ${s.step.padEnd(20)} ${s.attempts.length} attempt${s.attempts.length === 1 ? '' : 's'}  ${last ? `${last.outcome}${last.error ? ` (${last.error})` : ''}, ${last.end - last.start} ms` : ''}`);
      }
    }
    if (steps.length > 0) {
      io.out('');
      io.out(`${'step'.padEnd(20)} ${'attempts'.padStart(8)} ${'passed'.padStart(7)} ${'refused'.padStart(7)} ${'errors'.padStart(6)} ${'mean ms'.padStart(8)} ${'p95 ≤ ms'.padStart(8)} ${'worker s'.padStart(9)}`);
      for (const s of steps) {
        io.out(`${s.step.padEnd(20)} ${String(s.attempts).padStart(8)} ${String(s.passed).padStart(7)} ${String(s.refused).padStart(7)} ${String(s.errors).padStart(6)} ${s.latencyMs.mean.toFixed(1).padStart(8)} ${String(s.latencyMs.p95 ?? '-').padStart(8)} ${s.workerSeconds.toFixed(3).padStart(9)}`);
      }
      if (trimmed > 0) io.out(`(${trimmed} older runs were dropped by workflow.runs.maxCount / maxAge; the step figures still count them)`);
    }
    return 0;
  });
}
