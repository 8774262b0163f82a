export * from './streams.js';
export * from './messages.js';
export * from './jobs.js';
