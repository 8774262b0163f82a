export * from './model.js';
export * from './store.js';
export * from './lease.js';
export * from './sign.js';
export { runScript } from './scripts.js';
export * from './rewrite.js';
export * from './epoch.js';
export * from './keys.js';
export * from './reader.js';
