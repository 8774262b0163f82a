import { registry } from '@awo/shared';
import { parse } from '../args.js';
import type { Io } from '../io.js';

/** `awo registry`: every source, detector, forecaster, goal kind, action kind and step handler, with what it does and an example. */
export async function registryCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  const all = registry();
  if (values.json) {
    io.out(JSON.stringify(all));
    return 0;
  }
  for (const [section, entries] of Object.entries(all)) {
    io.out(`${section}:`);
    for (const e of entries) {
      io.out(`  ${e.kind.padEnd(22)} ${e.description}`);
      io.out(`  ${''.padEnd(22)} e.g. ${JSON.stringify(e.example)}`);
    }
  }
  io.out('');
  io.out('Each config schema (JSON Schema): awo registry --json, or GET /api/v1/registry.');
  return 0;
}
