export * from './otel.js';
export * from './propagation.js';
export * from './logger.js';
export * from './semconv.js';
export * from './span-store.js';
export * from './spans.js';
export * from './metrics.js';
export * from './trace-tree.js';
