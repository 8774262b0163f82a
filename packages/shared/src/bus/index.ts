export * from './types.js';
export * from './redis-bus.js';
export { decode, encode, rawFields, seriesFilter } from './codec.js';
export { compareIds } from './consumer.js';
export { delay, Semaphore } from './util.js';
export { fnv1a, partitionOf, shareOf } from './partition.js';
