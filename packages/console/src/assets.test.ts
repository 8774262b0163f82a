import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleFile, loadConsoleAssets } from './assets.js';

const dirs: string[] = [];
function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'awo-console-'));
  dirs.push(dir);
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadConsoleAssets', () => {
  it('is undefined when the console is not built', async () => {
    expect(await loadConsoleAssets(build({ 'assets/x.js': '1' }))).toBeUndefined();
  });

  it('serves the page at / with its security headers, and hashed assets as immutable', async () => {
    const assets = await loadConsoleAssets(build({ 'index.html': '<html>', 'assets/index-abc.js': 'x()', 'assets/index-abc.css': 'a{}' }));
    if (!assets) throw new Error('not loaded');
    const page = consoleFile(assets, '/');
    expect(page?.body.toString()).toBe('<html>');
    expect(page?.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    expect(page?.headers['content-security-policy']).toMatch(/connect-src 'self'/);
    expect(consoleFile(assets, '/index.html?x=1')).toBe(page);
    const js = consoleFile(assets, '/assets/index-abc.js');
    expect(js?.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
    expect(js?.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(consoleFile(assets, '/assets/index-abc.css')?.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers only for files of the build: no path reaches outside it', async () => {
    const assets = await loadConsoleAssets(build({ 'index.html': '<html>' }));
    if (!assets) throw new Error('not loaded');
    for (const p of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/x', '/missing.js', '']) expect(consoleFile(assets, p)).toBeUndefined();
  });
});
