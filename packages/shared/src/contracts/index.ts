export * from './streams.js';
export * from './messages.js';
