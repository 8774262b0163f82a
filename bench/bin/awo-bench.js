#!/usr/bin/env node
// `npm run bench -- <name> [--json]`: awo's benchmarks. Sources are TypeScript, run through tsx,
// with every @awo/* package from its sources too (`@awo/cli/source`).
import '@awo/cli/source';

await import('../src/main.ts');
