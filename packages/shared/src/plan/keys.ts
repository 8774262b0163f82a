import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AwoError } from '../errors.js';

/** The shortest signing key accepted (characters). */
export const MIN_KEY_LENGTH = 16;

/** A new signing key: 32 random bytes, hex. */
export function generateKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The keys of a key file: one per line, blank lines and `#` comments skipped. The first key
 * signs; a second one (the key before a rotation) is still accepted when verifying.
 */
export function parseKeyFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Reads a key file synchronously (the config loader is synchronous). Throws with the reason. */
export function readKeyFileSync(path: string): string[] {
  return parseKeyFile(readFileSync(path, 'utf8'));
}

/** Writes a key file readable by its owner only (mode 0600), atomically (temp file + rename). */
async function writeKeyFile(path: string, keys: readonly string[], header: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`# ${header}\n${keys.join('\n')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** `awo keys init`: a new key file; refuses to overwrite one unless `force`. */
export async function initKeyFile(path: string, force = false): Promise<void> {
  const exists = await readFile(path, 'utf8').then(
    () => true,
    () => false,
  );
  if (exists && !force) throw new AwoError('AWO_CONFIG_INVALID', `${path} exists: pass --force to replace it (revisions signed with its key will no longer verify), or rotate it with "awo keys rotate"`);
  await writeKeyFile(path, [generateKey()], 'awo plan signing key (first line signs). Keep this file secret.');
}

/**
 * `awo keys rotate`: a new key signs from now on; the current one stays as the second line, so
 * revisions it signed still verify until the next rotation. Older keys are dropped.
 */
export async function rotateKeyFile(path: string): Promise<{ kept: number }> {
  let current: string[];
  try {
    current = parseKeyFile(await readFile(path, 'utf8'));
  } catch (err) {
    throw new AwoError('AWO_CONFIG_NOT_FOUND', `cannot read key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (current.length === 0) throw new AwoError('AWO_CONFIG_INVALID', `${path} holds no key: use "awo keys init"`);
  await writeKeyFile(path, [generateKey(), current[0] as string], 'awo plan signing keys: the first signs, the second (the previous key) is still accepted.');
  return { kept: 1 };
}
