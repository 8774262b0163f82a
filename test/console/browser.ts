import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium: the browser the console tests drive (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const noBrowser: string | undefined = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium): the console's browser tests are skipped`;

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CONSOLE = join(REPO, 'packages/console');
const BUILT = join(CONSOLE, 'dist/web');

/** Where the tests leave their screenshots (git-ignored). */
export const SCREENSHOTS = join(REPO, 'test-output/console');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((e) => newestMtime(join(path, e))));
}

/**
 * Builds the console (`vite build`) when its dist is missing or older than its sources, so the
 * tests never check a page built before the last edit and CI needs no separate build step. The
 * build goes to a fresh folder that replaces dist/web in one rename.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  const index = join(BUILT, 'index.html');
  const sources = Math.max(newestMtime(join(CONSOLE, 'web')), newestMtime(join(CONSOLE, 'vite.config.ts')), newestMtime(join(CONSOLE, 'package.json')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return BUILT;
  const vite = join(dirname(createRequire(join(CONSOLE, 'package.json')).resolve('vite/package.json')), 'bin/vite.js');
  const out = join(CONSOLE, `dist/web.build-${process.pid}`);
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', out, '--emptyOutDir'], { cwd: CONSOLE, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`vite build of the console failed (exit ${code}): ${stderr.join('').slice(-2000)}`);
  }
  rmSync(BUILT, { recursive: true, force: true });
  renameSync(out, BUILT);
  return BUILT;
}
