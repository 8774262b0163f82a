import { resolve } from 'node:path';
import { initKeyFile, rotateKeyFile } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';

const USAGE = 'usage: awo keys init|rotate [--file <path>] [--force] [--json]';
/** Where `awo keys` writes when no --file is given (ignored by git in this repository). */
export const DEFAULT_KEY_FILE = '.awo/signing.key';

/**
 * `awo keys init` writes a new plan-signing key file (mode 0600); `awo keys rotate` puts a new
 * key first and keeps the current one as the previous key, still accepted while agents restart.
 */
export async function keysCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { file: { type: 'string' }, force: { type: 'boolean', default: false } });
  const [sub] = positionals;
  if (sub !== 'init' && sub !== 'rotate') throw new UsageError(USAGE);
  const file = resolve(values.file ?? DEFAULT_KEY_FILE);
  if (sub === 'init') await initKeyFile(file, values.force);
  else await rotateKeyFile(file);
  if (values.json) io.out(JSON.stringify({ file, action: sub }));
  else {
    io.out(sub === 'init' ? `wrote a new signing key to ${file} (mode 0600)` : `rotated ${file}: a new key signs; the previous one is still accepted until the next rotation`);
    io.out(`use it with, in the config:  signing: { keyFile: ${file} }`);
    if (sub === 'rotate') io.out('restart every agent (executors and workers first) so they all sign and verify with the new key');
  }
  return 0;
}
