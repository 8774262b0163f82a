// Runs the workspaces' TypeScript sources: tsx's loader, plus the `development` export condition,
// under which each @awo/* package resolves to its src/index.ts instead of dist/ (as vitest and
// `tsc` typecheck do). Used by the `awo` bin when there is no build, and by `awo-bench`.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered last, so it runs first: it adds the condition, then tsx resolves.
register(
  'data:text/javascript,' +
    encodeURIComponent('export function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...new Set([...context.conditions, "development"])] }); }'),
);
