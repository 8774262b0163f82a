// Copies what a workspace reads at run time beside its modules (the Lua scripts, read through
// `new URL('./lua/', import.meta.url)`) from src/ to dist/, keeping their paths. Run from the
// workspace directory, after tsc (the `build` script of each package).
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ASSET = /\.lua$/;

function copy(dir) {
  for (const entry of readdirSync(join('src', dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copy(path);
    else if (ASSET.test(entry.name)) cpSync(join('src', path), join('dist', path));
  }
}

if (existsSync('src')) copy('');
