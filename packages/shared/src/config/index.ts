export * from './schema.js';
export * from './load.js';
export { applyEnv } from './env.js';
export * from './sources.js';
export * from './actions.js';
export * from './goals.js';
export { duration } from './fields.js';
export * from './workflow.js';
export * from './slices.js';
