/**
 * A workflow handler for tests: passes records on, but waits while `globalThis.awoGate` holds a
 * promise, and throws once for each id listed in `globalThis.awoFailOnce` (then passes).
 */
type Gate = { awoGate?: Promise<void>; awoFailOnce?: Set<string>; awoSeen?: string[] };

export default async function gate(record: unknown, ctx: { step: string }): Promise<{ ok: true; record: unknown }> {
  const g = globalThis as Gate;
  const id = (record as { id?: string }).id ?? '?';
  g.awoSeen?.push(`${id}@${ctx.step}`);
  if (g.awoFailOnce?.delete(id)) throw new Error(`failing ${id} once`);
  if (g.awoGate) await g.awoGate;
  return { ok: true, record };
}
