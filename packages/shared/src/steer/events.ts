import type { RedisClient } from '../redis.js';
import type { Keys } from '../contracts/streams.js';
import { controlMessageSchema, steeringEventSchema, type ControlMessage, type SteeringEvent } from './schemas.js';

/** Control messages kept (`stream:control` is trimmed to about this many). */
export const CONTROL_MAX_LEN = 1000;

/** Appends a steering event (`stream:steering`, field `e`); returns its stream id. */
export async function publishSteeringEvent(redis: RedisClient, keys: Keys, maxLen: number, event: SteeringEvent): Promise<string> {
  const valid = steeringEventSchema.parse(event);
  return (await redis.xadd(keys.steering, 'MAXLEN', '~', maxLen, '*', 'e', JSON.stringify(valid))) as string;
}

/** Appends a control message (`stream:control`, field `c`); returns its stream id. */
export async function publishControl(redis: RedisClient, keys: Keys, message: ControlMessage): Promise<string> {
  const valid = controlMessageSchema.parse(message);
  return (await redis.xadd(keys.control, 'MAXLEN', '~', CONTROL_MAX_LEN, '*', 'c', JSON.stringify(valid))) as string;
}

export interface StreamRead<T> {
  /** The stream id to read after next time (the last entry's, or `after` when none came). */
  last: string;
  entries: { id: string; value: T }[];
  /** Entries that failed their schema (skipped). */
  invalid: number;
}

export interface ReadOptions {
  count?: number;
  /** Wait up to this long (ms) for an entry; only on a connection that may block (not a shared command connection). */
  block?: number;
}

async function readStream<T>(redis: RedisClient, key: string, field: string, parse: (json: unknown) => T | undefined, after: string, options: ReadOptions): Promise<StreamRead<T>> {
  const args: (string | number)[] = ['COUNT', options.count ?? 100];
  if (options.block !== undefined) args.push('BLOCK', options.block);
  const reply = (await (redis.xread as (...a: (string | number)[]) => Promise<unknown>)(...args, 'STREAMS', key, after)) as [string, [string, string[]][]][] | null;
  const out: StreamRead<T> = { last: after, entries: [], invalid: 0 };
  for (const [id, fields] of reply?.[0]?.[1] ?? []) {
    out.last = id;
    const at = fields.indexOf(field);
    let value: T | undefined;
    try {
      value = at >= 0 && at % 2 === 0 ? parse(JSON.parse(fields[at + 1] as string)) : undefined;
    } catch {
      value = undefined;
    }
    if (value === undefined) out.invalid++;
    else out.entries.push({ id, value });
  }
  return out;
}

/**
 * Steering events after stream id `after` (`$`: only new ones, with `block`; `0`: from the
 * oldest kept). For the API's event stream: pass the returned `last` as the next `after`.
 */
export function readSteeringEvents(redis: RedisClient, keys: Keys, after: string, options: ReadOptions = {}): Promise<StreamRead<SteeringEvent>> {
  return readStream(redis, keys.steering, 'e', (j) => {
    const p = steeringEventSchema.safeParse(j);
    return p.success ? p.data : undefined;
  }, after, options);
}

/** Control messages after stream id `after` (see `readSteeringEvents`). */
export function readControl(redis: RedisClient, keys: Keys, after: string, options: ReadOptions = {}): Promise<StreamRead<ControlMessage>> {
  return readStream(redis, keys.control, 'c', (j) => {
    const p = controlMessageSchema.safeParse(j);
    return p.success ? p.data : undefined;
  }, after, options);
}
