import { z } from 'zod';
import { duration, name, port } from './fields.js';

/** The roles of API tokens: `viewer` reads, `operator` also writes (overrides, approvals, replays, records). */
export const API_ROLES = ['viewer', 'operator'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** The smallest token accepted: shorter ones are too easy to guess. */
export const MIN_API_TOKEN_LENGTH = 16;

const token = z.string().min(MIN_API_TOKEN_LENGTH, `expected a token of at least ${MIN_API_TOKEN_LENGTH} characters`);

/**
 * A bearer token of the API. Its value comes from the environment variable `tokenEnv` (never the
 * file); the loader puts it in `token`. `AWO_API_TOKEN` adds an operator token named `env`.
 */
export const apiTokenSchema = z.strictObject({
  name,
  role: z.enum(API_ROLES),
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'),
  /** Resolved by the loader from `tokenEnv`; never written in the file. */
  token: token.optional(),
});

export const apiSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  /** `awo api` (and `awo up`) serve the API here (the example config: 9470); 0, the default, picks a free port, logged at start-up. */
  port: port.default(0),
  tokens: z.array(apiTokenSchema).max(64).default([]),
  /** Writes (POST, DELETE) per token in each window; past it 429 with `retry-after`. */
  rateLimit: z.strictObject({ max: z.number().int().min(1).default(30), window: duration.default(60_000) }).prefault({}),
  /** Items per page of a list, unless a request asks for fewer (`limit`). */
  pageSize: z.number().int().min(1).max(1000).default(50),
  /** Records one `POST /workflows/{name}/records` takes. */
  maxRecords: z.number().int().min(1).max(10_000).default(500),
  /** Newest stream entries scanned to answer a lookup by id or by series (a bound on each request's work). */
  scanLimit: z.number().int().min(100).max(1_000_000).default(20_000),
  events: z
    .strictObject({
      /** Clients of `GET /api/v1/events` at once; one more is answered 503. */
      maxClients: z.number().int().min(1).max(10_000).default(64),
      /** A comment line is sent this often so proxies and clients see the stream alive. */
      heartbeat: duration.default(15_000),
      /** Events a slow client may fall behind (unflushed writes) before it is dropped; it may reconnect. */
      maxBuffered: z.number().int().min(1).default(1000),
    })
    .prefault({}),
});

export type ApiConfig = z.infer<typeof apiSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;
