export * from './schemas.js';
export * from './table.js';
export * from './events.js';
export * from './rules.js';
export * from './steering.js';
export * from './listener.js';
