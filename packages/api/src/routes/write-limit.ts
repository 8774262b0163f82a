import type { onRequestHookHandler } from 'fastify';

/**
 * The hook every write route runs after auth: one budget of api.rateLimit writes per token and
 * window, shared by all write routes (one limiter made once by the server, `app.rateLimit`).
 */
export type WriteLimit = onRequestHookHandler;
