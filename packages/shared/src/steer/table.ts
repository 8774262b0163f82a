import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { z } from 'zod';
import { AwoError } from '../errors.js';
import { runScript } from '../plan/scripts.js';

const LUA = new URL('./lua/', import.meta.url);
/** The table's request counter (a field beside the records). */
const SEQ = '_seq';

/** A record as read: parsed, with the exact stored text (what a compare-and-set compares). */
export interface Stored<T> {
  value: T;
  raw: string;
}

/** A new record id: 16 hex digits. */
export function newSteeringId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * One steering table in Redis: a hash of JSON records (overrides, proposals or rollbacks),
 * bounded on create (a record past the bound is refused, never an older one evicted), changed only
 * by compare-and-set on the record's stored text, and read back through its schema (a record that
 * fails it is skipped and counted in `invalid`).
 */
export class SteeringTable<T extends { id: string; seq: number }> {
  /** Records skipped on read because they failed their schema (someone else wrote the hash). */
  invalid = 0;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    private readonly schema: z.ZodType<T>,
    readonly what: string,
  ) {}

  /** The next request number (orders records; of two overrides of one parameter, the higher wins). */
  async nextSeq(): Promise<number> {
    return this.redis.hincrby(this.key, SEQ, 1);
  }

  /** Adds a record; AWO_STEER_LIMIT when `max` are kept. */
  async create(record: T, max: number): Promise<Stored<T>> {
    const valid = this.schema.parse(record);
    const raw = JSON.stringify(valid);
    const status = Number(await runScript(this.redis, 'steer-create-1', [this.key], [max, valid.id, raw], LUA));
    if (status === 0) throw new AwoError('AWO_STEER_LIMIT', `${max} ${this.what} records are kept (the bound): refused until finished ones age out`, { details: { max } });
    if (status < 0) throw new AwoError('AWO_STEER_CONFLICT', `${this.what} ${valid.id} already exists`);
    return { value: valid, raw };
  }

  /** Replaces `from` by `next` if it is unchanged; false when someone changed it first. */
  async replace(from: Stored<T>, next: T): Promise<Stored<T> | undefined> {
    const valid = this.schema.parse(next);
    const raw = JSON.stringify(valid);
    const ok = Number(await runScript(this.redis, 'steer-cas-1', [this.key], [valid.id, from.raw, raw], LUA)) === 1;
    return ok ? { value: valid, raw } : undefined;
  }

  /** Deletes the record if it is unchanged. */
  async remove(from: Stored<T>): Promise<boolean> {
    return Number(await runScript(this.redis, 'steer-cas-1', [this.key], [from.value.id, from.raw, ''], LUA)) === 1;
  }

  /** One record, or undefined when there is none (or it fails its schema). */
  async get(id: string): Promise<Stored<T> | undefined> {
    if (id === SEQ) return undefined;
    const raw = await this.redis.hget(this.key, id);
    return raw === null ? undefined : this.#parse(id, raw);
  }

  /** One record; AWO_NOT_FOUND when there is none. */
  async need(id: string): Promise<Stored<T>> {
    const found = await this.get(id);
    if (!found) throw new AwoError('AWO_NOT_FOUND', `no ${this.what} with id "${id}"`, { details: { id } });
    return found;
  }

  /** Every record, newest request first. */
  async all(): Promise<Stored<T>[]> {
    const hash = await this.redis.hgetall(this.key);
    const out: Stored<T>[] = [];
    for (const [id, raw] of Object.entries(hash)) {
      if (id === SEQ) continue;
      const parsed = this.#parse(id, raw);
      if (parsed) out.push(parsed);
    }
    return out.sort((a, b) => b.value.seq - a.value.seq);
  }

  #parse(id: string, raw: string): Stored<T> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.invalid++;
      return undefined;
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success || parsed.data.id !== id) {
      this.invalid++;
      return undefined;
    }
    return { value: parsed.data, raw };
  }
}
