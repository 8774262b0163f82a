#!/usr/bin/env node
// `npm run bench -- <name> [--json]`: awo's benchmarks. Sources are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
