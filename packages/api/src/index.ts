export { ApiServer, type ApiOptions, type ApiPlugin } from './server.js';
export type { ApiDeps } from './context.js';
export { Tokens, type Principal } from './auth.js';
export { EVENT_TYPES, type EventType } from './events.js';
export { errorBodySchema, type ErrorBody } from './errors.js';
export { DeadLetters, type DeadLetterItem } from './dead-letters.js';
