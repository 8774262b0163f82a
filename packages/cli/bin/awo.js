#!/usr/bin/env node
// The `awo` command: the compiled JavaScript (dist/, made by `npm run build`) when it exists,
// else the TypeScript sources through tsx (a fresh clone before any build; AWO_FROM_SOURCE=1
// forces this, e.g. while editing sources after a build).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (existsSync(compiled) && process.env.AWO_FROM_SOURCE !== '1') {
  await import(compiled.href);
} else {
  await import('./source.js');
  await import('../src/main.ts');
}
