import { applyChanges, decode, paramOf, type ActionResult, type Change, type ParamValue, type PlanStore, type Runtime } from '@awo/shared';

/** Commits the next (unsigned) revision setting each `[step, param, value]`, as a planner would. */
export async function commitParams(store: PlanStore, sets: readonly [step: string, param: string, value: ParamValue][]): Promise<void> {
  const current = await store.current();
  const changes: Change[] = sets.map(([step, param, to]) => ({ op: 'set', step, param, from: paramOf(current, step, param) ?? null, to }));
  const version = current.version + 1;
  await store.commit({ v: 1, version, parentVersion: current.version, plan: applyChanges(current, changes, version), changes, goal: 'test', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' });
}

/** Every action result on the results stream, oldest first (what does not decode is left out). */
export async function readResults(runtime: Runtime): Promise<ActionResult[]> {
  const entries = (await runtime.redis.xrange(runtime.keys.stream('results'), '-', '+')) as [string, string[]][];
  return entries.flatMap(([, fields]) => {
    const d = decode('results', fields);
    return d.ok ? [d.message] : [];
  });
}

/** One value of a Prometheus text exposition, e.g. `awo_pool_size` with `pool="work"`. */
export function metricSample(text: string, name: string, label = ''): number | undefined {
  const m = new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** An agent process's `/metrics` text, or '' while it is not listening (yet, or any more). */
export async function scrapeMetrics(port: number): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}
