export * from './diff.js';
export * from './reloader.js';
